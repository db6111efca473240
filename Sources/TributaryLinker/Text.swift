internal import Foundation

/// One word of an article, reduced to what the linker compares: a 64-bit hash of its stemmed, lower-cased,
/// accent-folded spelling, and a few flags.
struct Token {
    var hash: UInt64
    var flags: UInt8

    static let title: UInt8 = 1
    static let stopword: UInt8 = 2
    /// Capitalised in running text (not at a sentence start): likely a name, which tells stories apart.
    static let capitalised: UInt8 = 4
    /// A word of the article's link path.
    static let link: UInt8 = 8
    /// All digits: counts, years and scores tell one event of a kind from another.
    static let number: UInt8 = 16
}

/// Reads bytes one at a time from a buffer the caller keeps alive: the tokenizer's one pass, without an iterator
/// protocol call per byte.
struct ByteReader {
    private let buffer: UnsafeBufferPointer<UInt8>
    private var position = 0

    init(_ buffer: UnsafeBufferPointer<UInt8>) {
        self.buffer = buffer
    }

    @inline(__always) mutating func next() -> UInt8? {
        guard position < buffer.count else { return nil }
        defer { position += 1 }
        return buffer[position]
    }

    /// When `first` (just read) starts a word of plain ASCII letters and digits that ends here, at a byte that
    /// cannot continue it (not an entity, not a non-ASCII letter) or at the end: writes it lower-cased into
    /// `scratch`, moves past it and returns its length. Otherwise nil, and nothing moves.
    @inline(__always) mutating func plainWord(first: UInt8, into scratch: UnsafeMutableBufferPointer<UInt8>) -> Int? {
        var end = position
        while end < buffer.count {
            let byte = buffer[end]
            guard
                (byte >= UInt8(ascii: "a") && byte <= UInt8(ascii: "z"))
                    || (byte >= UInt8(ascii: "0") && byte <= UInt8(ascii: "9"))
                    || (byte >= UInt8(ascii: "A") && byte <= UInt8(ascii: "Z"))
            else { break }
            end += 1
        }
        let length = end - position + 1
        guard length <= scratch.count else { return nil }
        if end < buffer.count {
            let terminator = buffer[end]
            guard terminator < 0x80 && terminator != UInt8(ascii: "&") else { return nil }
        }
        scratch[0] = first >= UInt8(ascii: "A") && first <= UInt8(ascii: "Z") ? first | 0x20 : first
        var index = 1
        while position < end {
            let byte = buffer[position]
            scratch[index] = byte >= UInt8(ascii: "A") && byte <= UInt8(ascii: "Z") ? byte | 0x20 : byte
            index += 1
            position += 1
        }
        return length
    }

    /// Appends the run of ASCII letters and digits that starts here to `word`, lower-cased, and moves past it:
    /// one append per word instead of one per byte.
    @inline(__always) mutating func takeWordRun(into word: inout [UInt8]) {
        var end = position
        var upper = false
        while end < buffer.count {
            let byte = buffer[end]
            if byte >= UInt8(ascii: "A") && byte <= UInt8(ascii: "Z") {
                upper = true
            } else if !(byte >= UInt8(ascii: "a") && byte <= UInt8(ascii: "z"))
                && !(byte >= UInt8(ascii: "0") && byte <= UInt8(ascii: "9"))
            {
                break
            }
            end += 1
        }
        guard end > position else { return }
        let start = word.count
        word.append(contentsOf: UnsafeBufferPointer(rebasing: buffer[position..<end]))
        if upper {
            for index in start..<word.count where word[index] >= UInt8(ascii: "A") && word[index] <= UInt8(ascii: "Z") {
                word[index] |= 0x20
            }
        }
        position = end
    }
}

/// Splits title and summary text (plain or HTML) into hashed tokens in one pass over the UTF-8 bytes.
///
/// No per-word strings are made: words are folded into a reused byte buffer, stemmed there, and hashed, so the
/// rest of the linker works on integers only.
struct Tokenizer {
    private var word: [UInt8] = []
    private var wordCapitalised = false
    private var sentenceStart = true
    private var extraFlags: UInt8 = 0

    init() {
        word.reserveCapacity(64)
    }

    /// Appends the tokens of `text` to `tokens`, at most `limit` of them.
    mutating func tokenize<S: StringProtocol>(
        _ text: S, isTitle: Bool, limit: Int, into tokens: inout [Token], extraFlags: UInt8 = 0
    ) {
        tokenize(bytes: text.utf8, isTitle: isTitle, limit: limit, into: &tokens, extraFlags: extraFlags)
    }

    /// The same over UTF-8 bytes: straight over their storage when it is contiguous (native strings, arrays),
    /// which spares an iterator call per byte.
    mutating func tokenize<C: Sequence<UInt8>>(
        bytes: C, isTitle: Bool, limit: Int, into tokens: inout [Token], extraFlags: UInt8 = 0
    ) {
        let done: Void? = bytes.withContiguousStorageIfAvailable { buffer in
            tokenize(buffer: buffer, isTitle: isTitle, limit: limit, into: &tokens, extraFlags: extraFlags)
        }
        if done == nil {
            let copy = Array(bytes)
            copy.withUnsafeBufferPointer { buffer in
                tokenize(buffer: buffer, isTitle: isTitle, limit: limit, into: &tokens, extraFlags: extraFlags)
            }
        }
    }

    private mutating func tokenize(
        buffer: UnsafeBufferPointer<UInt8>, isTitle: Bool, limit: Int, into tokens: inout [Token], extraFlags: UInt8
    ) {
        self.extraFlags = extraFlags
        var budget = limit
        sentenceStart = true
        word.removeAll(keepingCapacity: true)
        var utf8 = ByteReader(buffer)
        var pending: UInt8?
        // Most words are plain ASCII between separators: those go from the input straight to a stack buffer and
        // out as a token, without passing through `word`.
        let scratch = UnsafeMutableBufferPointer<UInt8>.allocate(capacity: 64)
        defer { scratch.deallocate() }
        while budget > 0 {
            let byte: UInt8
            if let held = pending {
                byte = held
                pending = nil
            } else if let next = utf8.next() {
                byte = next
            } else {
                break
            }
            switch byte {
            case UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "0")...UInt8(ascii: "9"),
                UInt8(ascii: "A")...UInt8(ascii: "Z"):
                let upper = byte <= UInt8(ascii: "Z") && byte >= UInt8(ascii: "A")
                if word.isEmpty, let length = utf8.plainWord(first: byte, into: scratch) {
                    wordCapitalised = upper && !sentenceStart
                    let flags =
                        (isTitle ? Token.title : 0) | extraFlags | (wordCapitalised && !isTitle ? Token.capitalised : 0)
                    Self.emit(scratch, count: length, flags: flags, budget: &budget, into: &tokens)
                    sentenceStart = false
                } else {
                    if word.isEmpty { wordCapitalised = upper && !sentenceStart }
                    word.append(upper ? byte | 0x20 : byte)
                    utf8.takeWordRun(into: &word)
                }
            case UInt8(ascii: "<"):
                flush(isTitle: isTitle, budget: &budget, into: &tokens)
                // A tag: skip to its end. Text inside attributes never counts.
                while let next = utf8.next(), next != UInt8(ascii: ">") {}
            case UInt8(ascii: "&"):
                var name: [UInt8] = []
                var closed = false
                while let next = utf8.next() {
                    if next == UInt8(ascii: ";") {
                        closed = true
                        break
                    }
                    let isNameByte =
                        (next >= UInt8(ascii: "a") && next <= UInt8(ascii: "z"))
                        || (next >= UInt8(ascii: "A") && next <= UInt8(ascii: "Z"))
                        || (next >= UInt8(ascii: "0") && next <= UInt8(ascii: "9")) || next == UInt8(ascii: "#")
                    if !isNameByte || name.count > 10 {
                        pending = next
                        break
                    }
                    name.append(next)
                }
                if closed, let letter = Self.entityLetter(name) {
                    if word.isEmpty { wordCapitalised = false }
                    word.append(letter)
                } else {
                    flush(isTitle: isTitle, budget: &budget, into: &tokens)
                }
            case 0x80...:
                let scalar = decodeScalar(lead: byte, rest: &utf8)
                if let folded = Self.fold(scalar) {
                    if word.isEmpty { wordCapitalised = false }
                    word.append(contentsOf: folded)
                } else {
                    flush(isTitle: isTitle, budget: &budget, into: &tokens)
                }
            default:
                flush(isTitle: isTitle, budget: &budget, into: &tokens)
                if byte == UInt8(ascii: ".") || byte == UInt8(ascii: "!") || byte == UInt8(ascii: "?")
                    || byte == UInt8(ascii: ":") || byte == UInt8(ascii: "\"")
                {
                    sentenceStart = true
                }
            }
        }
        flush(isTitle: isTitle, budget: &budget, into: &tokens)
    }

    private mutating func flush(isTitle: Bool, budget: inout Int, into tokens: inout [Token]) {
        guard !word.isEmpty else { return }
        defer {
            word.removeAll(keepingCapacity: true)
            sentenceStart = false
        }
        let count = word.count
        let flags = (isTitle ? Token.title : 0) | extraFlags | (wordCapitalised && !isTitle ? Token.capitalised : 0)
        word.withUnsafeMutableBufferPointer { word in
            Self.emit(word, count: count, flags: flags, budget: &budget, into: &tokens)
        }
    }

    /// Stems and hashes the word in the first `count` bytes of `word` (lower-cased already) and appends its token.
    private static func emit(
        _ word: UnsafeMutableBufferPointer<UInt8>, count: Int, flags: UInt8, budget: inout Int,
        into tokens: inout [Token]
    ) {
        // Single letters carry nothing ("s" of a possessive, "a"); single digits are kept out too.
        guard count > 1 else { return }
        let stem = UnsafeBufferPointer(rebasing: word[0..<Self.stem(word, count: count)])
        let hash = Self.hash(stem)
        var flags = flags
        if stem.allSatisfy({ $0 >= UInt8(ascii: "0") && $0 <= UInt8(ascii: "9") }) { flags |= Token.number }
        if Self.stopwords[hash] != nil { flags |= Token.stopword }
        tokens.append(Token(hash: hash, flags: flags))
        budget -= 1
    }

    private func decodeScalar(lead: UInt8, rest: inout ByteReader) -> Unicode.Scalar? {
        var value: UInt32
        var count: Int
        switch lead {
        case 0xC0...0xDF:
            value = UInt32(lead & 0x1F)
            count = 1
        case 0xE0...0xEF:
            value = UInt32(lead & 0x0F)
            count = 2
        case 0xF0...0xF7:
            value = UInt32(lead & 0x07)
            count = 3
        default:
            return nil
        }
        while count > 0, let next = rest.next() {
            value = (value << 6) | UInt32(next & 0x3F)
            count -= 1
        }
        return Unicode.Scalar(value)
    }

    /// The folded ASCII (or lower-cased UTF-8) bytes of a non-ASCII letter, or nil for punctuation and spaces.
    static func fold(_ scalar: Unicode.Scalar?) -> [UInt8]? {
        guard let scalar else { return nil }
        let value = Int(scalar.value)
        if value >= latinFoldBase && value < latinFoldBase + latinFold.count {
            return latinFold[value - latinFoldBase]
        }
        let properties = scalar.properties
        guard properties.isAlphabetic || properties.numericType != nil else { return nil }
        return Array(properties.lowercaseMapping.utf8)
    }

    private static let latinFoldBase = 0xA0
    /// Latin-1 and Latin Extended-A/B letters folded to lower-case ASCII, so "Zürich" and "Zurich" meet.
    private static let latinFold: [[UInt8]?] = (0xA0..<0x250).map { value in
        guard let scalar = Unicode.Scalar(value) else { return nil }
        let properties = scalar.properties
        guard properties.isAlphabetic else { return nil }
        let folded = String(scalar).folding(options: [.diacriticInsensitive, .caseInsensitive], locale: nil)
        let bytes = Array(folded.lowercased().utf8)
        return bytes.isEmpty ? nil : bytes
    }

    /// Letters written as named entities (`&eacute;`); every other entity separates words.
    static func entityLetter(_ name: [UInt8]) -> UInt8? {
        guard name.count > 2, let first = name.first,
            (first >= UInt8(ascii: "a") && first <= UInt8(ascii: "z"))
                || (first >= UInt8(ascii: "A") && first <= UInt8(ascii: "Z"))
        else { return nil }
        let tail = String(decoding: name.dropFirst(), as: UTF8.self)
        let accents: Set<String> = ["acute", "grave", "uml", "circ", "tilde", "cedil", "ring", "slash", "caron"]
        return accents.contains(tail) ? first | 0x20 : nil
    }

    /// A light English suffix stripper: enough to meet "checks", "checked" and "checking" at "check".
    static func stem(_ word: inout [UInt8]) {
        let count = word.count
        let stemmed = word.withUnsafeMutableBufferPointer { stem($0, count: count) }
        word.removeLast(count - stemmed)
    }

    /// The same over the first `count` bytes of a buffer, in place (a stem is never longer than its word).
    /// - Returns: the stem's length.
    static func stem(_ word: UnsafeMutableBufferPointer<UInt8>, count: Int) -> Int {
        // Every rule's suffix ends in "s", "g" or "d": most words end otherwise and leave at once.
        guard count > 3 else { return count }
        let last = word[count - 1]
        guard last == UInt8(ascii: "s") || last == UInt8(ascii: "g") || last == UInt8(ascii: "d"),
            word[0..<count].allSatisfy({ $0 < 0x80 && $0 > UInt8(ascii: "9") })
        else { return count }
        func ends(_ suffix: StaticString) -> Bool {
            suffix.withUTF8Buffer { buffer in
                let length = buffer.count
                guard count > length else { return false }
                var index = 0
                while index < length {
                    if word[count - length + index] != buffer[index] { return false }
                    index += 1
                }
                return true
            }
        }
        if last == UInt8(ascii: "s") {
            if count >= 5 && ends("ies") {
                word[count - 3] = UInt8(ascii: "y")
                return count - 2
            } else if ends("sses") || ends("ches") || ends("shes") || ends("xes") {
                return count - 2
            } else if !ends("ss") && !ends("us") && !ends("is") {
                return count - 1
            }
        } else if last == UInt8(ascii: "g") {
            if count >= 6 && ends("ing") { return count - 3 }
        } else if count >= 5 && ends("ed") && !ends("eed") {
            return count - 2
        }
        return count
    }

    /// FNV-1a over the bytes, then a final avalanche so every bit of the result depends on every byte.
    static func hash<C: Collection<UInt8>>(_ bytes: C) -> UInt64 {
        var value: UInt64 = 0xcbf2_9ce4_8422_2325
        for byte in bytes {
            value ^= UInt64(byte)
            value = value &* 0x0000_0100_0000_01b3
        }
        return mix(value)
    }

    /// The finaliser of SplitMix64.
    @inline(__always) static func mix(_ input: UInt64) -> UInt64 {
        var value = input
        value = (value ^ (value >> 30)) &* 0xbf58_476d_1ce4_e5b9
        value = (value ^ (value >> 27)) &* 0x94d0_49bb_1331_11eb
        return value ^ (value >> 31)
    }

    /// Words too common to say what an article is about (stemmed the same way as the text).
    static let stopwords: HashIndex = {
        let words = """
            a about above after again against ago all almost also although am among an and another any are around \
            as at be because been before being below between both but by can could did do does doing done down \
            during each either else even ever every few for from further get got had has have having he her here \
            hers herself him himself his how however if in into is it its itself just last least less like made \
            make many may me might more most much must my myself near neither new next no nor not now of off often \
            on once one only onto or other our ours ourselves out over own per perhaps rather re said same say says \
            see seen she should since so some still such than that the their theirs them themselves then there \
            these they this those though three through thus to today too toward two under until up upon us very \
            via was we were what when where whether which while who whom whose why will with within without would \
            yet you your yours yourself yourselves told tell according reported report week day time year \
            monday tuesday wednesday thursday friday saturday sunday yesterday tomorrow news update updated \
            html htm php aspx asp cfm shtml www com article articles story stories index
            """
        var set = HashIndex(capacity: 512)
        for word in words.split(whereSeparator: { $0 == " " || $0 == "\n" }) {
            var bytes = Array(word.utf8)
            stem(&bytes)
            set[hash(bytes)] = 1
        }
        return set
    }()
}
