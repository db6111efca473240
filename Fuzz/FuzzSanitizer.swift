// libFuzzer entry point for HTMLSanitizer: the output must be free of active content and stable.
import Foundation
import TributaryParser

private let forbiddenTags = [
    "<script", "<svg", "<math", "<iframe", "<object", "<embed", "<base", "<meta", "<style", "<link", "<form",
]
private let forbiddenInValues = ["expression(", "-moz-binding", "url("]
private let forbiddenSchemes = ["javascript:", "vbscript:", "data:"]
private let urlAttributes: Set<String> = [
    "href", "src", "background", "cite", "longdesc", "dynsrc", "lowsrc", "usemap", "poster", "ping", "icon", "action",
    "data",
]

/// The tags of the output. Text never holds a raw `<` (the writer escapes it), so every `<` opens a tag and
/// words like "javascript:" in ordinary text are not flagged.
private func tags(_ html: String) -> [String] {
    // Bytes, not Characters: a combining mark after `>` would otherwise hide the end of a tag.
    var result: [String] = []
    let bytes = Array(html.utf8)
    var index = 0
    while let open = bytes[index...].firstIndex(of: UInt8(ascii: "<")) {
        let close = bytes[open...].firstIndex(of: UInt8(ascii: ">")) ?? bytes.endIndex
        result.append(String(decoding: bytes[open..<close], as: UTF8.self))
        index = close
        if index >= bytes.endIndex { break }
    }
    return result
}

private func fail(_ problem: String, _ output: String) -> Never {
    FileHandle.standardError.write(Data("\(problem) in output: \(output)\n".utf8))
    abort()
}

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzSanitizer(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    let input = String(decoding: UnsafeBufferPointer(start: data, count: size), as: UTF8.self)
    let once = HTMLSanitizer.sanitize(input, baseURL: "http://example.com/a/")
    for tag in tags(once) {
        // Split the tag into its markup (names) and its double-quoted attribute values.
        let parts = tag.lowercased().unicodeScalars.split(separator: "\"", omittingEmptySubsequences: false)
            .map { String(String.UnicodeScalarView($0)) }
        let markup = parts.enumerated().filter { $0.offset % 2 == 0 }.map(\.element).joined(separator: " ")
        let values = parts.enumerated().filter { $0.offset % 2 == 1 }.map(\.element)
        for pattern in forbiddenTags where markup.hasPrefix(pattern) {
            fail("forbidden \(pattern)", once)
        }
        if markup.range(of: #"\son[a-z]+="#, options: .regularExpression) != nil {
            fail("event handler", once)
        }
        for (offset, value) in values.enumerated() {
            // The attribute's name is the word just before `="`.
            let before = parts[offset * 2]
            let name = before.dropLast().split(whereSeparator: { $0 == " " }).last.map(String.init) ?? ""
            let compact = value.filter { !($0.isASCII && ($0.asciiValue ?? 0) <= 0x20) }
            if urlAttributes.contains(name) {
                for scheme in forbiddenSchemes where compact.hasPrefix(scheme) { fail("unsafe URL", once) }
            }
            if name == "style" {
                for pattern in forbiddenInValues where compact.contains(pattern) { fail("unsafe style", once) }
            }
        }
    }
    let twice = HTMLSanitizer.sanitize(once, baseURL: "http://example.com/a/")
    if twice != once {
        FileHandle.standardError.write(Data("not idempotent:\n\(once)\n\(twice)\n".utf8))
        abort()
    }
    return 0
}
