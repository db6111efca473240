/// A JSON value that keeps what Foundation's `JSONSerialization` throws away: the order of an object's keys and
/// the exact spelling of numbers. feeds.json is written by people, so a rewrite must look like their file.
enum JSONValue: Hashable, Sendable {
    case null
    case bool(Bool)
    /// The number exactly as written (`1.0` stays `1.0`).
    case number(String)
    case string(String)
    case array([JSONValue])
    case object([JSONMember])

    /// The members of an object, or nil for any other value.
    var members: [JSONMember]? {
        if case .object(let members) = self { return members }
        return nil
    }

    /// The value of the first member named `key`, when this is an object.
    subscript(key: String) -> JSONValue? {
        members?.first { $0.key == key }?.value
    }

    /// A short name of the value's type, for messages such as "expected a string, found an array".
    var typeName: String {
        switch self {
        case .null: "null"
        case .bool: "a boolean"
        case .number: "a number"
        case .string: "a string"
        case .array: "an array"
        case .object: "an object"
        }
    }

    /// Formats an integer the way a person would write it.
    static func integer(_ value: Int) -> JSONValue {
        .number(String(value))
    }

    /// Formats a floating-point number without a needless `.0`.
    static func double(_ value: Double) -> JSONValue {
        if value.rounded() == value, abs(value) < 1e15 {
            return .number(String(Int(value)))
        }
        return .number(String(value))
    }
}

/// One `"key": value` pair of an object, in the order the file lists it.
struct JSONMember: Hashable, Sendable {
    var key: String
    var value: JSONValue
}

extension [JSONMember] {
    /// Sets `key` to `value`, in place when the key exists (keeping its position), else appended at the end.
    mutating func set(_ key: String, _ value: JSONValue) {
        if let index = firstIndex(where: { $0.key == key }) {
            self[index].value = value
        } else {
            append(JSONMember(key: key, value: value))
        }
    }

    /// Removes every member named `key`.
    mutating func remove(_ key: String) {
        removeAll { $0.key == key }
    }
}

/// Where a parsed value sits in the source text, with the positions of its children (object members or array
/// elements, in order). The writer copies untouched values from these ranges byte for byte.
struct JSONSourceNode: Sendable {
    /// Byte offsets of the value's text, from its first to just past its last byte.
    var range: Range<Int>
    /// For an object, the value of each member; for an array, each element; empty otherwise.
    var children: [JSONSourceNode]
}

/// A parsed JSON document: the value, where each part of it came from, and the bytes it was read from.
struct JSONDocument: Sendable {
    var value: JSONValue
    var source: JSONSourceNode
    var bytes: [UInt8]
}

/// A syntax error, with the position where reading stopped.
struct JSONSyntaxError: Error {
    let message: String
    let line: Int
    let column: Int
}

/// A strict RFC 8259 parser over UTF-8 bytes that records the source range of every value and reports errors by
/// line and column, because the people editing feeds.json need to know where their typo is.
struct JSONParser {
    private let bytes: [UInt8]
    private var position = 0
    private var depth = 0
    /// Deeper nesting is refused rather than risking the stack on a hostile file.
    private static let maximumDepth = 512

    private init(bytes: [UInt8]) {
        self.bytes = bytes
    }

    /// Parses a whole document; anything but whitespace after the top-level value is an error.
    static func parse(_ bytes: [UInt8]) throws(JSONSyntaxError) -> JSONDocument {
        var parser = JSONParser(bytes: bytes)
        // A UTF-8 byte order mark is tolerated (editors on some systems add one) and kept on save.
        if bytes.starts(with: [0xEF, 0xBB, 0xBF]) { parser.position = 3 }
        parser.skipWhitespace()
        guard parser.position < bytes.count else { throw parser.error("the file is empty; expected a JSON object") }
        let (value, node) = try parser.parseValue()
        parser.skipWhitespace()
        if parser.position < bytes.count {
            throw parser.error("unexpected \(parser.describeCurrent()) after the end of the JSON value")
        }
        return JSONDocument(value: value, source: node, bytes: bytes)
    }

    private mutating func parseValue() throws(JSONSyntaxError) -> (JSONValue, JSONSourceNode) {
        guard position < bytes.count else { throw error("unexpected end of file; expected a value") }
        let start = position
        switch bytes[position] {
        case UInt8(ascii: "{"):
            return try parseObject()
        case UInt8(ascii: "["):
            return try parseArray()
        case UInt8(ascii: "\""):
            let string = try parseString()
            return (.string(string), JSONSourceNode(range: start..<position, children: []))
        case UInt8(ascii: "-"), UInt8(ascii: "0")...UInt8(ascii: "9"):
            let number = try parseNumber()
            return (.number(number), JSONSourceNode(range: start..<position, children: []))
        case UInt8(ascii: "t"):
            try expectLiteral("true")
            return (.bool(true), JSONSourceNode(range: start..<position, children: []))
        case UInt8(ascii: "f"):
            try expectLiteral("false")
            return (.bool(false), JSONSourceNode(range: start..<position, children: []))
        case UInt8(ascii: "n"):
            try expectLiteral("null")
            return (.null, JSONSourceNode(range: start..<position, children: []))
        default:
            throw error("unexpected \(describeCurrent()); expected a value")
        }
    }

    private mutating func parseObject() throws(JSONSyntaxError) -> (JSONValue, JSONSourceNode) {
        let start = position
        try enter()
        position += 1
        var members: [JSONMember] = []
        var children: [JSONSourceNode] = []
        skipWhitespace()
        if peek(UInt8(ascii: "}")) {
            position += 1
            depth -= 1
            return (.object([]), JSONSourceNode(range: start..<position, children: []))
        }
        while true {
            skipWhitespace()
            guard peek(UInt8(ascii: "\"")) else {
                throw error("unexpected \(describeCurrent()); expected a key in double quotes")
            }
            let keyStart = position
            let key = try parseString()
            if members.contains(where: { $0.key == key }) {
                throw error("duplicate key \"\(key)\" in the same object", at: keyStart)
            }
            skipWhitespace()
            guard peek(UInt8(ascii: ":")) else {
                throw error("unexpected \(describeCurrent()); expected ':' after the key")
            }
            position += 1
            skipWhitespace()
            let (value, node) = try parseValue()
            members.append(JSONMember(key: key, value: value))
            children.append(node)
            skipWhitespace()
            if peek(UInt8(ascii: ",")) {
                position += 1
                skipWhitespace()
                if peek(UInt8(ascii: "}")) { throw error("trailing comma before '}'") }
                continue
            }
            if peek(UInt8(ascii: "}")) {
                position += 1
                depth -= 1
                return (.object(members), JSONSourceNode(range: start..<position, children: children))
            }
            throw error("unexpected \(describeCurrent()); expected ',' or '}' after an object member")
        }
    }

    private mutating func parseArray() throws(JSONSyntaxError) -> (JSONValue, JSONSourceNode) {
        let start = position
        try enter()
        position += 1
        var elements: [JSONValue] = []
        var children: [JSONSourceNode] = []
        skipWhitespace()
        if peek(UInt8(ascii: "]")) {
            position += 1
            depth -= 1
            return (.array([]), JSONSourceNode(range: start..<position, children: []))
        }
        while true {
            skipWhitespace()
            let (value, node) = try parseValue()
            elements.append(value)
            children.append(node)
            skipWhitespace()
            if peek(UInt8(ascii: ",")) {
                position += 1
                skipWhitespace()
                if peek(UInt8(ascii: "]")) { throw error("trailing comma before ']'") }
                continue
            }
            if peek(UInt8(ascii: "]")) {
                position += 1
                depth -= 1
                return (.array(elements), JSONSourceNode(range: start..<position, children: children))
            }
            throw error("unexpected \(describeCurrent()); expected ',' or ']' after an array element")
        }
    }

    private mutating func enter() throws(JSONSyntaxError) {
        depth += 1
        if depth > Self.maximumDepth { throw error("nesting deeper than \(Self.maximumDepth) levels") }
    }

    private mutating func parseString() throws(JSONSyntaxError) -> String {
        let start = position
        position += 1
        var buffer: [UInt8] = []
        var runStart = position
        while position < bytes.count {
            let byte = bytes[position]
            switch byte {
            case UInt8(ascii: "\""):
                let string: String?
                if buffer.isEmpty {
                    // No escapes (the common case): decode straight from the input, without a copy.
                    string = String(validating: bytes[runStart..<position], as: UTF8.self)
                } else {
                    buffer.append(contentsOf: bytes[runStart..<position])
                    string = String(validating: buffer, as: UTF8.self)
                }
                position += 1
                guard let string else { throw error("the string is not valid UTF-8", at: start) }
                return string
            case UInt8(ascii: "\\"):
                buffer.append(contentsOf: bytes[runStart..<position])
                try parseEscape(into: &buffer)
                runStart = position
            case 0..<0x20:
                throw error("a control character must be escaped inside a string")
            default:
                position += 1
            }
        }
        throw error("unterminated string", at: start)
    }

    private mutating func parseEscape(into buffer: inout [UInt8]) throws(JSONSyntaxError) {
        let escapeStart = position
        position += 1
        guard position < bytes.count else { throw error("unterminated escape sequence", at: escapeStart) }
        let byte = bytes[position]
        position += 1
        switch byte {
        case UInt8(ascii: "\""): buffer.append(UInt8(ascii: "\""))
        case UInt8(ascii: "\\"): buffer.append(UInt8(ascii: "\\"))
        case UInt8(ascii: "/"): buffer.append(UInt8(ascii: "/"))
        case UInt8(ascii: "b"): buffer.append(0x08)
        case UInt8(ascii: "f"): buffer.append(0x0C)
        case UInt8(ascii: "n"): buffer.append(0x0A)
        case UInt8(ascii: "r"): buffer.append(0x0D)
        case UInt8(ascii: "t"): buffer.append(0x09)
        case UInt8(ascii: "u"):
            var scalar = try parseHex4(escapeStart: escapeStart)
            if (0xD800..<0xDC00).contains(scalar) {
                // A high surrogate must be followed by an escaped low surrogate.
                guard position + 1 < bytes.count, bytes[position] == UInt8(ascii: "\\"),
                    bytes[position + 1] == UInt8(ascii: "u")
                else { throw error("unpaired UTF-16 surrogate in \\u escape", at: escapeStart) }
                position += 2
                let low = try parseHex4(escapeStart: escapeStart)
                guard (0xDC00..<0xE000).contains(low) else {
                    throw error("unpaired UTF-16 surrogate in \\u escape", at: escapeStart)
                }
                scalar = 0x10000 + ((scalar - 0xD800) << 10) + (low - 0xDC00)
            } else if (0xDC00..<0xE000).contains(scalar) {
                throw error("unpaired UTF-16 surrogate in \\u escape", at: escapeStart)
            }
            guard let unicode = Unicode.Scalar(scalar) else {
                throw error("invalid \\u escape", at: escapeStart)
            }
            buffer.append(contentsOf: Array(String(Character(unicode)).utf8))
        default:
            throw error("invalid escape sequence in a string", at: escapeStart)
        }
    }

    private mutating func parseHex4(escapeStart: Int) throws(JSONSyntaxError) -> UInt32 {
        guard position + 4 <= bytes.count else { throw error("incomplete \\u escape", at: escapeStart) }
        var value: UInt32 = 0
        for _ in 0..<4 {
            let byte = bytes[position]
            let digit: UInt32
            switch byte {
            case UInt8(ascii: "0")...UInt8(ascii: "9"): digit = UInt32(byte - UInt8(ascii: "0"))
            case UInt8(ascii: "a")...UInt8(ascii: "f"): digit = UInt32(byte - UInt8(ascii: "a") + 10)
            case UInt8(ascii: "A")...UInt8(ascii: "F"): digit = UInt32(byte - UInt8(ascii: "A") + 10)
            default: throw error("invalid hexadecimal digit in \\u escape")
            }
            value = value << 4 | digit
            position += 1
        }
        return value
    }

    private mutating func parseNumber() throws(JSONSyntaxError) -> String {
        let start = position
        if peek(UInt8(ascii: "-")) { position += 1 }
        guard position < bytes.count, isDigit(bytes[position]) else {
            throw error("invalid number: expected a digit")
        }
        if bytes[position] == UInt8(ascii: "0") {
            position += 1
            if position < bytes.count, isDigit(bytes[position]) {
                throw error("invalid number: leading zeros are not allowed")
            }
        } else {
            skipDigits()
        }
        if peek(UInt8(ascii: ".")) {
            position += 1
            guard position < bytes.count, isDigit(bytes[position]) else {
                throw error("invalid number: expected a digit after '.'")
            }
            skipDigits()
        }
        if peek(UInt8(ascii: "e")) || peek(UInt8(ascii: "E")) {
            position += 1
            if peek(UInt8(ascii: "+")) || peek(UInt8(ascii: "-")) { position += 1 }
            guard position < bytes.count, isDigit(bytes[position]) else {
                throw error("invalid number: expected a digit in the exponent")
            }
            skipDigits()
        }
        return String(decoding: bytes[start..<position], as: UTF8.self)
    }

    private mutating func expectLiteral(_ literal: StaticString) throws(JSONSyntaxError) {
        let expected = UnsafeBufferPointer(start: literal.utf8Start, count: literal.utf8CodeUnitCount)
        guard position + expected.count <= bytes.count,
            bytes[position..<position + expected.count].elementsEqual(expected)
        else { throw error("unexpected \(describeCurrent()); expected a value") }
        position += expected.count
    }

    private func isDigit(_ byte: UInt8) -> Bool {
        byte >= UInt8(ascii: "0") && byte <= UInt8(ascii: "9")
    }

    private mutating func skipDigits() {
        while position < bytes.count, isDigit(bytes[position]) { position += 1 }
    }

    private func peek(_ byte: UInt8) -> Bool {
        position < bytes.count && bytes[position] == byte
    }

    private mutating func skipWhitespace() {
        while position < bytes.count {
            switch bytes[position] {
            case 0x20, 0x09, 0x0A, 0x0D: position += 1
            default: return
            }
        }
    }

    /// Names the byte at the current position for an error message.
    private func describeCurrent() -> String {
        guard position < bytes.count else { return "end of file" }
        let byte = bytes[position]
        if byte >= 0x21 && byte < 0x7F { return "'\(Character(Unicode.Scalar(byte)))'" }
        if byte == 0x0A || byte == 0x0D { return "end of line" }
        if byte < 0x80 { return "character 0x\(String(byte, radix: 16))" }
        // The start of a multi-byte character: show the whole character when it decodes.
        let end = min(bytes.count, position + 4)
        let text = String(decoding: bytes[position..<end], as: UTF8.self)
        return text.first.map { "'\($0)'" } ?? "a non-ASCII byte"
    }

    private func error(_ message: String, at offset: Int? = nil) -> JSONSyntaxError {
        let (line, column) = Self.lineAndColumn(of: offset ?? position, in: bytes)
        return JSONSyntaxError(message: message, line: line, column: column)
    }

    /// The 1-based line and column (counting characters, not bytes) of a byte offset.
    static func lineAndColumn(of offset: Int, in bytes: [UInt8]) -> (line: Int, column: Int) {
        var line = 1
        var column = 1
        var index = 0
        let end = min(offset, bytes.count)
        while index < end {
            let byte = bytes[index]
            if byte == 0x0A {
                line += 1
                column = 1
            } else if byte & 0xC0 != 0x80 {
                // Continuation bytes belong to the character already counted.
                column += 1
            }
            index += 1
        }
        return (line, column)
    }
}
