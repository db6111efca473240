import Testing

@testable import TributaryParser

@Test(arguments: [
    ("application/rss+xml", true), ("APPLICATION/RSS+XML", true), ("text/HTML; charset=utf-8", false),
    ("application/xhtml+xml", true), ("application/json", false), ("", false), ("xm", false),
])
func containsASCIIFindsXMLInAnyCase(text: String, expected: Bool) {
    #expect(text.containsASCII("xml") == expected)
    #expect(Substring(text).containsASCII("xml") == expected)
}

@Test func containsASCIIMatchesAtEitherEndAndLeavesOtherBytesAlone() {
    #expect("html".containsASCII("html"))
    #expect("text/HTML".containsASCII("html"))
    #expect("HTMLish".containsASCII("html"))
    #expect(!"htm".containsASCII("html"))
    #expect(!"ħtml".containsASCII("html"))
    #expect("é json".containsASCII("json"))
    #expect("anything".containsASCII(""))
}
