/// How a file lays out its JSON, read off the file itself so that what Tributary adds looks like what a person
/// wrote around it.
struct JSONStyle: Sendable, Equatable {
    /// One level of indentation: some spaces or a tab.
    var indent: String
    /// `": "` or `":"`.
    var colon: String
    var newline: String
    /// Whether single-line objects are written `{ "a": 1 }` rather than `{"a": 1}`.
    var padsBraces: Bool

    /// Two-space indentation, as the sample in the design notes.
    static let standard = JSONStyle(indent: "  ", colon: ": ", newline: "\n", padsBraces: true)

    /// Reads the style off a document. Anything the document does not show keeps the standard choice.
    static func detect(in bytes: [UInt8]) -> JSONStyle {
        var style = JSONStyle.standard
        if let firstNewline = bytes.firstIndex(of: 0x0A) {
            if firstNewline > 0, bytes[firstNewline - 1] == 0x0D { style.newline = "\r\n" }
            // The first indented line that starts a member or element gives the unit of indentation.
            var index = firstNewline + 1
            while index < bytes.count {
                var end = index
                while end < bytes.count, bytes[end] == 0x20 || bytes[end] == 0x09 { end += 1 }
                if end > index, end < bytes.count, bytes[end] != 0x0A, bytes[end] != 0x0D {
                    style.indent = String(decoding: bytes[index..<end], as: UTF8.self)
                    break
                }
                guard let next = bytes[index...].firstIndex(of: 0x0A) else { break }
                index = next + 1
            }
        }
        if let colon = firstStructuralColon(in: bytes) {
            style.colon = colon + 1 < bytes.count && bytes[colon + 1] == 0x20 ? ": " : ":"
        }
        if let brace = firstInlineBrace(in: bytes) {
            style.padsBraces = bytes[brace + 1] == 0x20
        }
        return style
    }

    /// The first `:` outside a string: the separator after the first key.
    private static func firstStructuralColon(in bytes: [UInt8]) -> Int? {
        firstOutsideStrings(in: bytes) { index in bytes[index] == UInt8(ascii: ":") }
    }

    /// The first `{` outside a string that is followed on the same line by more content: an inline object.
    private static func firstInlineBrace(in bytes: [UInt8]) -> Int? {
        firstOutsideStrings(in: bytes) { index in
            guard bytes[index] == UInt8(ascii: "{") else { return false }
            var next = index + 1
            while next < bytes.count, bytes[next] == 0x20 { next += 1 }
            return next < bytes.count && bytes[next] != 0x0A && bytes[next] != 0x0D && bytes[next] != UInt8(ascii: "}")
        }
    }

    /// The first index outside a JSON string (escapes honoured) at which `matches` holds.
    private static func firstOutsideStrings(in bytes: [UInt8], where matches: (Int) -> Bool) -> Int? {
        var inString = false
        var index = 0
        while index < bytes.count {
            let byte = bytes[index]
            if inString {
                if byte == UInt8(ascii: "\\") {
                    index += 1
                } else if byte == UInt8(ascii: "\"") {
                    inString = false
                }
            } else if byte == UInt8(ascii: "\"") {
                inString = true
            } else if matches(index) {
                return index
            }
            index += 1
        }
        return nil
    }
}

/// Writes a `JSONValue`, copying every part that did not change from the original text byte for byte, so a
/// rewrite touches only what was edited: key order, spacing, blank lines and number spellings survive.
struct JSONWriter {
    let original: JSONDocument?
    let style: JSONStyle

    init(original: JSONDocument?) {
        self.original = original
        self.style = original.map { JSONStyle.detect(in: $0.bytes) } ?? .standard
    }

    /// The whole file: the original's leading and trailing text (byte order mark, final newline) around the
    /// rendered top-level value.
    func document(_ value: JSONValue) -> [UInt8] {
        var out: [UInt8] = []
        guard let original else {
            write(value, old: nil, depth: 0, inline: false, into: &out)
            out.append(contentsOf: Array(style.newline.utf8))
            return out
        }
        out.append(contentsOf: original.bytes[0..<original.source.range.lowerBound])
        write(value, old: (original.value, original.source), depth: 0, inline: false, into: &out)
        out.append(contentsOf: original.bytes[original.source.range.upperBound...])
        return out
    }

    private typealias Old = (value: JSONValue, node: JSONSourceNode)

    private func isSingleLine(_ node: JSONSourceNode) -> Bool {
        guard let original else { return false }
        return !original.bytes[node.range].contains(0x0A)
    }

    /// Whether an inline container's text has a space after its opening bracket.
    private func isPadded(_ node: JSONSourceNode) -> Bool? {
        guard let original, node.range.count > 2 else { return nil }
        return original.bytes[node.range.lowerBound + 1] == 0x20
    }

    private func write(
        _ value: JSONValue, old: Old?, depth: Int, inline: Bool, pad: Bool? = nil, into out: inout [UInt8]
    ) {
        if let old, let original {
            if old.value == value {
                out.append(contentsOf: original.bytes[old.node.range])
                return
            }
            switch (value, old.value) {
            case (.object(let members), .object(let oldMembers))
            where members.map(\.key) == oldMembers.map(\.key):
                splice(
                    members.map(\.value), old: oldMembers.map(\.value), node: old.node, depth: depth, into: &out)
                return
            case (.array(let elements), .array(let oldElements)) where elements.count == oldElements.count:
                splice(elements, old: oldElements, node: old.node, depth: depth, into: &out)
                return
            default:
                break
            }
        }
        // An empty container (`[]`) says nothing about how its contents should be laid out: follow the parent.
        let inline = old.flatMap { $0.node.children.isEmpty ? nil : isSingleLine($0.node) } ?? inline
        let pad = old.flatMap { isPadded($0.node) } ?? pad ?? style.padsBraces
        switch value {
        case .null: out.append(contentsOf: Array("null".utf8))
        case .bool(let flag): out.append(contentsOf: Array((flag ? "true" : "false").utf8))
        case .number(let text): out.append(contentsOf: Array(text.utf8))
        case .string(let string): Self.appendString(string, to: &out)
        case .object(let members): writeObject(members, old: old, depth: depth, inline: inline, pad: pad, into: &out)
        case .array(let elements): writeArray(elements, old: old, depth: depth, inline: inline, into: &out)
        }
    }

    /// Copies the old container's text, replacing only the children that changed.
    private func splice(
        _ values: [JSONValue], old oldValues: [JSONValue], node: JSONSourceNode, depth: Int, into out: inout [UInt8]
    ) {
        guard let original else { return }
        var cursor = node.range.lowerBound
        let inline = isSingleLine(node)
        for (index, value) in values.enumerated() where value != oldValues[index] {
            let child = node.children[index]
            out.append(contentsOf: original.bytes[cursor..<child.range.lowerBound])
            write(value, old: (oldValues[index], child), depth: depth + 1, inline: inline, into: &out)
            cursor = child.range.upperBound
        }
        out.append(contentsOf: original.bytes[cursor..<node.range.upperBound])
    }

    private func writeObject(
        _ members: [JSONMember], old: Old?, depth: Int, inline: Bool, pad: Bool, into out: inout [UInt8]
    ) {
        guard !members.isEmpty else {
            out.append(contentsOf: Array("{}".utf8))
            return
        }
        var oldChildren: [String: Old] = [:]
        if let old, case .object(let oldMembers) = old.value {
            for (index, member) in oldMembers.enumerated() {
                oldChildren[member.key] = (member.value, old.node.children[index])
            }
        }
        out.append(UInt8(ascii: "{"))
        for (index, member) in members.enumerated() {
            if index > 0 { out.append(UInt8(ascii: ",")) }
            if inline {
                if index > 0 || pad { out.append(0x20) }
            } else {
                newline(depth: depth + 1, into: &out)
            }
            Self.appendString(member.key, to: &out)
            out.append(contentsOf: Array(style.colon.utf8))
            write(member.value, old: oldChildren[member.key], depth: depth + 1, inline: inline, pad: pad, into: &out)
        }
        if inline {
            if pad { out.append(0x20) }
        } else {
            newline(depth: depth, into: &out)
        }
        out.append(UInt8(ascii: "}"))
    }

    private func writeArray(_ elements: [JSONValue], old: Old?, depth: Int, inline: Bool, into out: inout [UInt8]) {
        guard !elements.isEmpty else {
            out.append(contentsOf: Array("[]".utf8))
            return
        }
        // Unchanged elements keep their text even when others were added or removed around them.
        var unused: [JSONValue: [JSONSourceNode]] = [:]
        var elementsInline = inline
        var elementsPad: Bool?
        if let old, case .array(let oldElements) = old.value {
            for (index, element) in oldElements.enumerated().reversed() {
                unused[element, default: []].append(old.node.children[index])
            }
            if let first = old.node.children.first {
                elementsInline = inline || isSingleLine(first)
                if first.children.count > 0 { elementsPad = isPadded(first) }
            }
        }
        if old.map({ $0.node.children.isEmpty }) ?? true {
            // With no earlier element to copy, flat objects (a feed: url, title, tags) take one line each, as in
            // the design notes' sample, so a long list stays readable.
            elementsInline = inline || elements.allSatisfy(\.isFlatObject)
        }
        let scalarsOnly = elements.allSatisfy { $0.members == nil && !$0.isArray }
        let multiline = !inline && !(old == nil && scalarsOnly)
        out.append(UInt8(ascii: "["))
        for (index, element) in elements.enumerated() {
            if index > 0 { out.append(UInt8(ascii: ",")) }
            if multiline {
                newline(depth: depth + 1, into: &out)
            } else if index > 0 {
                out.append(0x20)
            }
            let reused = unused[element]?.popLast()
            write(
                element, old: reused.map { (element, $0) }, depth: depth + 1, inline: elementsInline || !multiline,
                pad: elementsPad, into: &out)
        }
        if multiline { newline(depth: depth, into: &out) }
        out.append(UInt8(ascii: "]"))
    }

    private func newline(depth: Int, into out: inout [UInt8]) {
        out.append(contentsOf: Array(style.newline.utf8))
        for _ in 0..<depth { out.append(contentsOf: Array(style.indent.utf8)) }
    }

    /// Escapes only what JSON requires, so non-ASCII titles stay readable in the file.
    static func appendString(_ string: String, to out: inout [UInt8]) {
        out.append(UInt8(ascii: "\""))
        for byte in string.utf8 {
            switch byte {
            case UInt8(ascii: "\""): out.append(contentsOf: [UInt8(ascii: "\\"), UInt8(ascii: "\"")])
            case UInt8(ascii: "\\"): out.append(contentsOf: [UInt8(ascii: "\\"), UInt8(ascii: "\\")])
            case 0x0A: out.append(contentsOf: [UInt8(ascii: "\\"), UInt8(ascii: "n")])
            case 0x0D: out.append(contentsOf: [UInt8(ascii: "\\"), UInt8(ascii: "r")])
            case 0x09: out.append(contentsOf: [UInt8(ascii: "\\"), UInt8(ascii: "t")])
            case 0..<0x20:
                let hex = String(byte, radix: 16)
                out.append(contentsOf: Array(("\\u" + String(repeating: "0", count: 4 - hex.count) + hex).utf8))
            default: out.append(byte)
            }
        }
        out.append(UInt8(ascii: "\""))
    }
}

extension JSONValue {
    fileprivate var isArray: Bool {
        if case .array = self { return true }
        return false
    }

    /// An object whose values are scalars or arrays of scalars.
    fileprivate var isFlatObject: Bool {
        guard let members else { return false }
        return members.allSatisfy { member in
            switch member.value {
            case .object: false
            case .array(let elements): elements.allSatisfy { $0.members == nil && !$0.isArray }
            default: true
            }
        }
    }
}
