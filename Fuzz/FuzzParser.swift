// libFuzzer entry point for FeedParser.parse: any input must come back as a value, never a crash.
import Foundation
import TributaryParser

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzParser(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    let bytes = Data(bytes: data, count: size)
    let feed = FeedParser.parse(bytes, documentURL: "http://example.com/feed/", contentType: nil)
    // Everything the parser emits as HTML must already be sanitised: sanitising again changes nothing.
    for article in feed.articles {
        for html in [article.summary, article.content].compactMap({ $0 })
        where HTMLSanitizer.sanitize(html, baseURL: nil).contains("<script") {
            abort()
        }
    }
    return 0
}
