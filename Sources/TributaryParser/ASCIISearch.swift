extension StringProtocol {
    /// True when the text contains `word` (written in lower case) in any ASCII letter case.
    ///
    /// For media types and attribute values, checked for every document and text construct: Foundation's `contains`
    /// goes through `range(of:options:)`, which cost a few microseconds a call, most of it setting up.
    func containsASCII(_ word: StaticString) -> Bool {
        let needle = UnsafeBufferPointer(start: word.utf8Start, count: word.utf8CodeUnitCount)
        if let found = utf8.withContiguousStorageIfAvailable({ asciiFind(needle, in: $0) }) {
            return found
        }
        return Array(utf8).withUnsafeBufferPointer { asciiFind(needle, in: $0) }
    }
}

private func asciiFind(_ needle: UnsafeBufferPointer<UInt8>, in haystack: UnsafeBufferPointer<UInt8>) -> Bool {
    guard !needle.isEmpty else { return true }
    guard haystack.count >= needle.count else { return false }
    for start in 0...(haystack.count - needle.count) {
        var matched = true
        for offset in 0..<needle.count {
            let byte = haystack[start + offset]
            let lower = byte >= 0x41 && byte <= 0x5A ? byte | 0x20 : byte
            if lower != needle[offset] {
                matched = false
                break
            }
        }
        if matched { return true }
    }
    return false
}
