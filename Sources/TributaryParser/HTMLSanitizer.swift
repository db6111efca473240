import Foundation

/// Makes HTML from feeds safe to show: an allowlist rebuild over libxml2's HTML parser.
///
/// The markup is parsed into a tree and written out again keeping only allowed elements, attributes,
/// URL schemes and CSS properties, so nothing the parser did not understand survives into the output.
/// Scripts, styles, SVG, MathML, frames, plugins and form controls go with their content; unknown elements
/// are dropped but their text is kept; comments disappear. Relative URLs are resolved against `baseURL`.
/// The output is stable: `sanitize(sanitize(x)) == sanitize(x)`.
public enum HTMLSanitizer {
    public static func sanitize(_ html: String, baseURL: String?) -> String {
        sanitize(html, base: { baseURL })
    }

    /// As `sanitize(_:baseURL:)`, with the base computed only if a relative URL needs it.
    static func sanitize(_ html: String, base: @escaping () -> String?, parser: HTMLFragmentParser? = nil) -> String {
        var source = html
        // Markup, references, and C1 controls (windows-1252 punctuation stored as Unicode) need the full pass.
        guard source.withUTF8(needsMarkupPass) else { return trimmed(html) }
        var fast =
            parser.map { MarkupWriter(base: base, reusing: $0.output) }
            ?? MarkupWriter(base: base, capacity: html.utf8.count + html.utf8.count / 8)
        let simple = source.withUTF8 { FastSanitizer.run($0, into: &fast) }
        if simple { return fast.result() }
        return rebuildUntilStable(html, base: base, parser: parser ?? HTMLFragmentParser())
    }

    /// As `sanitize(_:base:parser:)`, for UTF-8 bytes (read in place from the document).
    static func sanitize(
        _ bytes: UnsafeBufferPointer<UInt8>, base: @escaping () -> String?, parser: HTMLFragmentParser
    ) -> String {
        guard needsMarkupPass(bytes) else { return trimmed(String(decoding: bytes, as: UTF8.self)) }
        var fast = MarkupWriter(base: base, reusing: parser.output)
        if FastSanitizer.run(bytes, into: &fast) { return fast.result() }
        return rebuildUntilStable(String(decoding: bytes, as: UTF8.self), base: base, parser: parser)
    }

    private static func rebuildUntilStable(
        _ html: String, base: @escaping () -> String?, parser: HTMLFragmentParser
    ) -> String {
        var pass = rebuild(html, base: base, parser: parser)
        // The rebuilt tree can hold a structure libxml2 would parse differently from our serialisation (a
        // paragraph inside a paragraph once an unknown element is gone); passes repeat until the output is
        // stable, so sanitising is idempotent. Only untidy HTML gets here; the fast path needs no check.
        var rounds = 0
        while rounds < 3 {
            let next = rebuild(pass.html, base: base, parser: parser)
            if next.html == pass.html { break }
            pass = next
            rounds += 1
        }
        return pass.html
    }

    private static func rebuild(
        _ html: String, base: @escaping () -> String?, parser: HTMLFragmentParser
    ) -> (
        html: String, unwrapped: Bool
    ) {
        var writer = MarkupWriter(base: base)
        // An explicit body keeps libxml2 from wrapping leading text in an implied <p>.
        var text = "<html><body>" + html
        let parsed: Bool = text.withUTF8 { buffer in
            guard let document = parser.parse(UnsafeRawBufferPointer(buffer)),
                let root = document.root
            else { return false }
            writer.write(contentsOf: root, isHTML: true)
            return true
        }
        guard parsed else { return ("", false) }
        return (writer.result(), writer.unwrapped)
    }

    /// Whether `bytes` hold `<`, `&` or a C1 control, eight bytes at a time.
    private static func needsMarkupPass(_ bytes: UnsafeBufferPointer<UInt8>) -> Bool {
        guard let base = bytes.baseAddress else { return false }
        let raw = UnsafeRawPointer(base)
        var index = 0
        while index < bytes.count {
            if index + 8 <= bytes.count {
                let word = raw.loadUnaligned(fromByteOffset: index, as: UInt64.self)
                if SWAR.matches(word, UInt8(ascii: "<")) | SWAR.matches(word, UInt8(ascii: "&"))
                    | SWAR.matches(word, 0xC2)
                    == 0
                {
                    index += 8
                    continue
                }
            }
            let byte = base[index]
            if byte == UInt8(ascii: "<") || byte == UInt8(ascii: "&") { return true }
            if byte == 0xC2 && index + 1 < bytes.count && base[index + 1] < 0xA0 { return true }
            index += 1
        }
        return false
    }

    private static func trimmed(_ text: String) -> String {
        let utf8 = text.utf8
        guard let first = utf8.first, let last = utf8.last, isSpace(first) || isSpace(last) else { return text }
        var start = utf8.startIndex
        var end = utf8.endIndex
        while start < end, isSpace(utf8[start]) { start = utf8.index(after: start) }
        while end > start, isSpace(utf8[utf8.index(before: end)]) { end = utf8.index(before: end) }
        return String(text[start..<end])
    }
}

private func isSpace(_ byte: UInt8) -> Bool {
    byte == 0x20 || byte == 0x0A || byte == 0x09 || byte == 0x0D || byte == 0x0C
}

/// What the sanitiser does with an element.
enum ElementPolicy {
    /// Kept with its allowed attributes.
    case keep
    /// Kept, written without an end tag.
    case void
    /// Removed, its children kept.
    case unwrap
    /// Removed with everything inside.
    case drop
}

enum SanitizerRules {
    static func policy(for name: String) -> ElementPolicy {
        if voidElements.contains(name) { return .void }
        if keptElements.contains(name) { return .keep }
        if droppedElements.contains(name) { return .drop }
        return .unwrap
    }

    static let voidElements: Set<String> = ["br", "hr", "img", "area", "col", "wbr", "source", "track"]

    static let keptElements: Set<String> = [
        "a", "abbr", "acronym", "address", "article", "aside", "audio", "b", "bdi", "bdo", "big", "blockquote",
        "canvas", "caption", "center", "cite", "code", "colgroup", "command", "datagrid", "dd", "del", "details", "dfn",
        "dialog", "dir", "div", "dl", "dt", "em", "event-source", "figcaption", "figure", "font", "footer", "h1",
        "h2", "h3", "h4", "h5", "h6", "header", "i", "ins", "kbd", "li", "m", "map", "mark", "menu", "meter",
        "multicol",
        "nav", "nextid", "noscript", "ol", "p", "picture", "pre", "progress", "q", "rp", "rt", "ruby", "s", "samp",
        "section",
        "small", "sound", "spacer", "span", "strike", "strong", "sub", "summary", "sup", "table", "tbody", "td",
        "tfoot", "th", "thead", "time", "tr", "tt", "u", "ul", "var", "video",
    ]

    /// Elements removed together with their content: active content, foreign markup whose parsing rules
    /// differ from HTML's, and form controls.
    static let droppedElements: Set<String> = [
        "script", "style", "applet", "param", "svg", "math", "base", "meta", "link", "template", "xml", "input",
        "button", "select", "option", "optgroup", "textarea", "datalist", "keygen", "output",
    ]

    static let allowedAttributes: Set<String> = [
        "abbr", "accept", "accept-charset", "accesskey", "action", "align", "alt", "autocomplete", "autofocus",
        "axis", "background", "balance", "bgcolor", "bgproperties", "border", "bordercolor", "bordercolordark",
        "bordercolorlight", "bottompadding", "cellpadding", "cellspacing", "ch", "challenge", "char", "charoff",
        "charset", "checked", "choff", "cite", "class", "clear", "color", "cols", "colspan", "compact",
        "contenteditable", "controls", "coords", "data", "datafld", "datapagesize", "datasrc", "datetime", "default",
        "delay", "dir", "disabled", "draggable", "dynsrc", "enctype", "end", "face", "for", "form", "frame",
        "galleryimg",
        "gutter", "headers", "height", "hidefocus", "hidden", "high", "href", "hreflang", "hspace", "icon",
        "inputmode", "ismap", "keytype", "label", "lang", "leftspacing", "list", "longdesc", "loop", "loopcount",
        "loopend", "loopstart", "low", "lowsrc", "max", "maxlength", "media", "method", "min", "multiple",
        "nohref", "noshade", "nowrap", "open", "optimum", "pattern", "ping", "point-size", "poster", "pqg",
        "preload", "prompt", "radiogroup", "readonly", "rel", "repeat-max", "repeat-min", "replace", "required",
        "rev", "rightspacing", "rows", "rowspan", "rules", "scope", "selected", "shape", "size", "span", "src",
        "start", "step", "style", "summary", "suppress", "tabindex", "target", "template", "title", "toppadding",
        "type", "unselectable", "urn", "usemap", "valign", "value", "variable", "volume", "vrml", "vspace",
        "width", "wrap", "xml:lang",
    ]

    /// Attributes whose value is a URL: checked against the scheme allowlist and made absolute.
    static let urlAttributes: Set<String> = [
        "href", "src", "background", "cite", "longdesc", "dynsrc", "lowsrc", "usemap", "poster", "ping", "icon",
        "action", "data",
    ]

    static let safeSchemes: Set<String> = [
        "http", "https", "ftp", "ftps", "mailto", "news", "nntp", "snews", "irc", "ircs", "irc6", "feed", "magnet",
        "xmpp", "sip", "sips", "tel", "webcal", "gopher", "rtsp", "rtspu", "mms", "ssh", "sftp", "git", "svn",
        "telnet", "urn", "tag", "geo", "callto", "skype", "aim", "ymsg", "msnim", "itms", "facetime", "hdl",
        "h323", "imap", "rsync", "wais", "prospero", "cvs", "smb", "gtalk",
    ]

    /// The URL as written if its scheme is safe (or it has none), else nil.
    ///
    /// Browsers ignore whitespace and control characters inside a scheme (`java\tscript:`), so those are
    /// removed before the scheme is read; entity-encoded forms were already decoded by the HTML parser.
    static func safeURL(_ value: String) -> (url: String, isRelative: Bool)? {
        var copy = value
        return copy.withUTF8 { bytes in
            safeURL(bytes).map {
                (String(decoding: UnsafeBufferPointer(rebasing: bytes[$0.range]), as: UTF8.self), $0.isRelative)
            }
        }
    }

    /// `safeURL` over bytes: the range of the URL without surrounding whitespace and control characters.
    static func safeURL(_ value: UnsafeBufferPointer<UInt8>) -> (range: Range<Int>, isRelative: Bool)? {
        var scheme = PackedName()
        var length = 0
        var sawColon = false
        for byte in value {
            if byte <= 0x20 || byte == 0x7F { continue }
            if byte == UInt8(ascii: ":") {
                sawColon = true
                break
            }
            if byte == UInt8(ascii: "/") || byte == UInt8(ascii: "?") || byte == UInt8(ascii: "#") { break }
            _ = scheme.append(byte | (byte >= 0x41 && byte <= 0x5A ? 0x20 : 0))
            length += 1
            if length > 32 { break }
        }
        var start = 0
        var end = value.count
        while start < end, value[start] <= 0x20 { start += 1 }
        while end > start, value[end - 1] <= 0x20 { end -= 1 }
        guard sawColon else { return (start..<end, true) }
        guard length <= PackedName.capacity, safeSchemeTable[scheme] else { return nil }
        return (start..<end, false)
    }

    private static let safeSchemeTable = NameTable(safeSchemes.map { ($0, true) }, missing: false)

    /// CSS properties allowed in `style` attributes.
    static let cssProperties: Set<String> = [
        "azimuth", "background-color", "border-bottom-color", "border-collapse", "border-color",
        "border-left-color", "border-right-color", "border-top-color", "clear", "color", "cursor", "direction",
        "display", "elevation", "float", "font", "font-family", "font-size", "font-style", "font-variant",
        "font-weight", "height", "letter-spacing", "line-height", "overflow", "pause", "pause-after",
        "pause-before", "pitch", "pitch-range", "richness", "speak", "speak-header", "speak-numeral",
        "speak-punctuation", "speech-rate", "stress", "text-align", "text-decoration", "text-indent",
        "unicode-bidi", "vertical-align", "voice-family", "volume", "white-space", "width",
    ]

    static let cssKeywords: Set<String> = [
        "!important", "aqua", "auto", "black", "block", "blue", "bold", "both", "bottom", "brown", "center",
        "collapse", "dashed", "dotted", "fuchsia", "gray", "green", "italic", "left", "lime", "maroon", "medium",
        "navy", "none", "normal", "nowrap", "olive", "pointer", "purple", "red", "right", "solid", "silver",
        "teal", "top", "transparent", "underline", "white", "yellow",
    ]

    /// Keeps only declarations of allowed properties with harmless values. Anything that could load or run
    /// something (`url()`, `expression()`, `-moz-binding`, `behavior`, escapes, comments) empties the style.
    static func sanitizeStyle(_ rawStyle: String) -> String {
        let style = removingURLs(rawStyle)
        let lower = style.lowercased()
        if lower.contains("url(") || lower.contains("url (") || lower.contains("expression")
            || lower.contains("\\") || lower.contains("/*") || lower.contains("binding")
            || lower.contains("behavior") || lower.contains("javascript") || lower.contains("@import")
        {
            return ""
        }
        guard passesGauntlet(Array(style.utf8)) else { return "" }
        var clean: [String] = []
        for declaration in style.split(separator: ";") {
            let parts = declaration.split(separator: ":", maxSplits: 1, omittingEmptySubsequences: false)
            guard parts.count == 2 else {
                if declaration.allSatisfy(\.isWhitespace) { continue }
                return ""
            }
            let property = parts[0].trimmedASCII()
            let value = String(parts[1].drop(while: \.isWhitespace))
            guard !property.isEmpty, property.allSatisfy({ $0.isLetter || $0.isNumber || $0 == "-" || $0 == "_" }),
                !value.contains(":")
            else { return "" }
            if value.allSatisfy(\.isWhitespace) { continue }
            let name = property.lowercased()
            if cssProperties.contains(name) {
                clean.append("\(property): \(value);")
            } else if let family = name.split(separator: "-").first,
                ["background", "border", "margin", "padding"].contains(family),
                value.split(separator: " ").allSatisfy({ cssKeywords.contains(String($0)) || isCSSLength($0) })
            {
                clean.append("\(property): \(value);")
            }
        }
        return clean.joined(separator: " ")
    }

    /// Replaces each `url(…)` with a space, as feedparser does, so the rest of a declaration list survives.
    private static func removingURLs(_ style: String) -> String {
        var result = style
        while let start = result.range(of: "url", options: .caseInsensitive) {
            var index = start.upperBound
            while index < result.endIndex, result[index].isWhitespace { index = result.index(after: index) }
            guard index < result.endIndex, result[index] == "(",
                let close = result[index...].firstIndex(of: ")")
            else { break }
            var end = result.index(after: close)
            while end < result.endIndex, result[end].isWhitespace { end = result.index(after: end) }
            result.replaceSubrange(start.lowerBound..<end, with: " ")
        }
        return result
    }

    /// Only plain characters, `word-word`, simple quoted words and parenthesised numbers.
    private static func passesGauntlet(_ bytes: [UInt8]) -> Bool {
        var index = 0
        func isWord(_ byte: UInt8) -> Bool {
            (byte | 0x20 >= 0x61 && byte | 0x20 <= 0x7A) || (byte >= 0x30 && byte <= 0x39) || byte == 0x5F
        }
        while index < bytes.count {
            let byte = bytes[index]
            if isWord(byte) && byte != 0x5F || isSpace(byte) || ":,;#%.!".utf8.contains(byte) {
                index += 1
            } else if byte == UInt8(ascii: "-") || byte == UInt8(ascii: "_") {
                guard index > 0, index + 1 < bytes.count, isWord(bytes[index - 1]), isWord(bytes[index + 1]) else {
                    return false
                }
                index += 1
            } else if byte == UInt8(ascii: "'") || byte == UInt8(ascii: "\"") {
                guard let close = bytes[(index + 1)...].firstIndex(of: byte), close > index + 1,
                    bytes[(index + 1)..<close].allSatisfy({ isWord($0) || isSpace($0) })
                else { return false }
                index = close + 1
            } else if byte == UInt8(ascii: "(") {
                guard let close = bytes[(index + 1)...].firstIndex(of: UInt8(ascii: ")")), close > index + 1,
                    bytes[(index + 1)..<close].allSatisfy({
                        ($0 >= 0x30 && $0 <= 0x39) || $0 == UInt8(ascii: ",") || isSpace($0)
                    })
                else { return false }
                index = close + 1
            } else {
                return false
            }
        }
        return true
    }

    /// `#hex`, `rgb(…)`, or a short number with an optional unit.
    private static func isCSSLength(_ token: Substring) -> Bool {
        if token.hasPrefix("#") {
            return token.count > 1 && token.dropFirst().allSatisfy(\.isHexDigit)
        }
        if token.hasPrefix("rgb(") {
            return token.dropFirst(4).allSatisfy { $0.isNumber || $0 == "," || $0 == "%" || $0 == ")" }
        }
        var number = token
        for unit in ["cm", "em", "ex", "in", "mm", "pc", "pt", "px", "%", ",", ")"] where token.hasSuffix(unit) {
            number = token.dropLast(unit.count)
            break
        }
        let parts = number.split(separator: ".", omittingEmptySubsequences: false)
        guard parts.count <= 2 else { return false }
        return parts.allSatisfy { $0.count <= 2 && $0.allSatisfy(\.isNumber) }
    }
}

extension CharacterSet {
    fileprivate static let whitespacesAndNewlinesAndControls = CharacterSet.whitespacesAndNewlines.union(
        .controlCharacters)
}

/// What `MarkupWriter` reads of a node: libxml2's own tree (HTML fragments) and a feed's `FeedTree` both have it.
protocol MarkupNode {
    associatedtype Children: MarkupChildren where Children.Element == Self
    var children: Children { get }
    var isText: Bool { get }
    var isElement: Bool { get }
    var name: String { get }
    var namespaceURI: String? { get }
    var attributePairs: [(name: String, value: String)] { get }
    func hasName(_ name: StaticString) -> Bool
    func withContentBytes<R>(cdata: CDATASections?, _ body: (UnsafeBufferPointer<UInt8>) -> R) -> R
}

/// A walk over a node's children, or over the node alone.
protocol MarkupChildren: IteratorProtocol {
    static func single(_ node: Element) -> Self
}

extension XMLNode: MarkupNode {}
extension XMLNode.Children: MarkupChildren {}
extension FeedNode: MarkupNode {}
extension FeedNode.Children: MarkupChildren {}

/// Writes the allowed part of a node tree as HTML. Walks with an explicit stack, so a deeply nested
/// document cannot exhaust the call stack.
struct MarkupWriter {
    private let bytes: ByteBuffer
    private let base: () -> String?
    private var resolvedBase: String??
    /// Where the text of CDATA nodes is, when the document's sections were taken out before parsing.
    var cdata: CDATASections?
    /// Whether an element was removed but its content kept, which can change how the output re-parses.
    private(set) var unwrapped = false

    /// - Parameter capacity: the expected output size (about the input's), so the buffer seldom grows.
    init(base: @escaping () -> String?, capacity: Int = 256) {
        self.base = base
        bytes = ByteBuffer(capacity: capacity)
    }

    /// Writes into `buffer`, emptied first: one feed's many fragments share one buffer instead of each getting
    /// fresh memory. The buffer must not be used elsewhere while this writer is.
    init(base: @escaping () -> String?, reusing buffer: ByteBuffer) {
        self.base = base
        buffer.removeAll()
        bytes = buffer
    }

    mutating func baseURL() -> String? {
        if let resolvedBase { return resolvedBase }
        let value = base()
        resolvedBase = .some(value)
        return value
    }

    /// The output, without surrounding whitespace.
    func result() -> String {
        var start = 0
        let written = bytes.bytes
        var end = written.count
        while start < end, isSpace(written[start]) { start += 1 }
        while end > start, isSpace(written[end - 1]) { end -= 1 }
        return String(decoding: UnsafeBufferPointer(rebasing: written[start..<end]), as: UTF8.self)
    }

    /// Writes the allowed content of `node`'s children.
    ///
    /// - Parameter isHTML: the tree came from the HTML parser (names are lower-case, `html`/`body` are
    ///   implied wrappers); otherwise it is XHTML inside a feed, where elements outside the XHTML namespace
    ///   are foreign and dropped.
    mutating func write<Node: MarkupNode>(contentsOf node: Node, isHTML: Bool, anyNamespace: Bool = false) {
        var stack: [(children: Node.Children, closing: String?)] = [(node.children, nil)]
        if isHTML && node.isElement && !node.hasName("html") {
            stack = [(Node.Children.single(node), nil)]
        }
        while !stack.isEmpty {
            guard let child = stack[stack.count - 1].children.next() else {
                if let closing = stack.removeLast().closing {
                    append("</")
                    append(closing)
                    append(">")
                }
                continue
            }
            if child.isText {
                child.withContentBytes(cdata: cdata) { appendEscaped($0, attribute: false) }
                continue
            }
            guard child.isElement, stack.count < 512 else { continue }
            var name = child.name
            if !isHTML {
                if !anyNamespace, let namespace = child.namespaceURI, namespace != xhtmlNamespace { continue }
                name = name.lowercased()
            } else if name == "html" || name == "body" {
                stack.append((child.children, nil))
                continue
            }
            switch SanitizerRules.policy(for: name) {
            case .drop:
                continue
            case .unwrap:
                unwrapped = true
                stack.append((child.children, nil))
            case .void:
                writeStartTag(name, of: child)
            case .keep:
                if noSelfNesting.contains(name) && stack.contains(where: { $0.closing == name }) {
                    // HTML parsers close the outer one first (`<a>` in `<a>`); writing the nesting would make
                    // the output re-parse differently, so the inner tag goes and its content stays.
                    unwrapped = true
                    stack.append((child.children, nil))
                    continue
                }
                writeStartTag(name, of: child)
                stack.append((child.children, name))
            }
        }
    }

    private mutating func writeStartTag<Node: MarkupNode>(_ name: String, of element: Node) {
        writeStartTag(name, attributes: element.attributePairs)
    }

    /// Writes `<name …>` with the allowed attributes, URLs checked and made absolute, styles filtered.
    mutating func writeStartTag(_ name: String, attributes: [(name: String, value: String)]) {
        append("<")
        append(name)
        for (rawName, value) in attributes {
            let attribute = rawName.lowercased()
            guard SanitizerRules.allowedAttributes.contains(attribute) else { continue }
            var output = value
            if SanitizerRules.urlAttributes.contains(attribute) {
                // An unsafe URL is emptied rather than removed, so the element keeps its shape.
                if let safe = SanitizerRules.safeURL(value) {
                    output = safe.url
                    if safe.isRelative, !safe.url.isEmpty, let base = baseURL() {
                        output = LibXML2Support.resolve(safe.url, against: base)
                        if SanitizerRules.safeURL(output) == nil { output = "" }
                    }
                } else {
                    output = ""
                }
            } else if attribute == "style" {
                output = SanitizerRules.sanitizeStyle(value)
                if output.isEmpty { continue }
            }
            append(" ")
            append(attribute)
            append("=\"")
            var copy = output
            copy.withUTF8 { appendEscaped($0, attribute: true) }
            append("\"")
        }
        append(SanitizerRules.voidElements.contains(name) ? " />" : ">")
    }

    mutating func writeEndTag(_ name: PackedName) {
        appendASCII("</")
        append(name)
        appendASCII(">")
    }

    /// Writes ` name="value"`, the value escaped.
    mutating func writeAttribute(_ name: PackedName, value: UnsafeBufferPointer<UInt8>) {
        appendASCII(" ")
        append(name)
        appendASCII("=\"")
        appendEscaped(value, attribute: true)
        appendASCII("\"")
    }

    /// Writes ` name="value"`, the value escaped.
    mutating func writeAttribute(_ name: PackedName, value: String) {
        var copy = value
        copy.withUTF8 { writeAttribute(name, value: $0) }
    }

    /// Writes an ASCII literal as it is.
    mutating func appendASCII(_ text: StaticString) {
        bytes.append(text)
    }

    /// Writes a packed name.
    mutating func append(_ name: PackedName) {
        for offset in 0..<name.count { bytes.append(name[offset]) }
    }

    /// Writes text, escaped.
    mutating func writeText(_ text: UnsafeBufferPointer<UInt8>) {
        appendEscaped(text, attribute: false)
    }

    /// Forgets everything written, to start over on another path.
    mutating func reset() {
        bytes.removeAll()
        unwrapped = false
    }

    private mutating func append(_ text: String) {
        var copy = text
        copy.withUTF8 { bytes.append($0) }
    }

    private mutating func appendEscaped(_ text: UnsafeBufferPointer<UInt8>, attribute: Bool) {
        guard let base = text.baseAddress else { return }
        let raw = UnsafeRawPointer(base)
        let count = text.count
        var start = 0
        var index = 0
        while index < count {
            // Eight bytes at a time past bytes that need nothing.
            while index + 8 <= count {
                let word = raw.loadUnaligned(fromByteOffset: index, as: UInt64.self)
                let quotes = attribute ? SWAR.matches(word, UInt8(ascii: "\"")) : 0
                if SWAR.matches(word, UInt8(ascii: "&")) | SWAR.matches(word, UInt8(ascii: "<"))
                    | SWAR.matches(word, UInt8(ascii: ">")) | SWAR.matches(word, 0xC2) | quotes != 0
                {
                    break
                }
                index += 8
            }
            guard index < count else { break }
            let byte = base[index]
            let replacement: StaticString
            switch byte {
            case 0xC2 where index + 1 < count && (0x80...0x9F).contains(base[index + 1]):
                // A C1 control (from `&#146;`) is windows-1252 punctuation in every real feed.
                bytes.append(UnsafeBufferPointer(start: base + start, count: index - start))
                bytes.appendUTF8(DocumentBytes.windows1252High[Int(base[index + 1] - 0x80)])
                index += 2
                start = index
                continue
            case UInt8(ascii: "&"): replacement = "&amp;"
            case UInt8(ascii: "<"): replacement = "&lt;"
            case UInt8(ascii: ">"): replacement = "&gt;"
            case UInt8(ascii: "\"") where attribute: replacement = "&quot;"
            default:
                index += 1
                continue
            }
            bytes.append(UnsafeBufferPointer(start: base + start, count: index - start))
            bytes.append(replacement)
            index += 1
            start = index
        }
        bytes.append(UnsafeBufferPointer(start: base + start, count: count - start))
    }
}

let xhtmlNamespace = "http://www.w3.org/1999/xhtml"

/// Elements an HTML parser never nests inside themselves, at any depth.
private let noSelfNesting: Set<String> = ["a", "form", "button"]

extension StringProtocol where UTF8View: BidirectionalCollection {
    /// Without leading and trailing ASCII whitespace and control characters. Much cheaper than Foundation's
    /// `trimmingCharacters(in:)`, and free when there is nothing to trim (the common case).
    func trimmedASCII() -> String {
        let utf8 = self.utf8
        guard let first = utf8.first, let last = utf8.last else { return "" }
        if first > 0x20 && last > 0x20 { return String(self) }
        var start = utf8.startIndex
        var end = utf8.endIndex
        while start < end, utf8[start] <= 0x20 { start = utf8.index(after: start) }
        while end > start, utf8[utf8.index(before: end)] <= 0x20 { end = utf8.index(before: end) }
        return String(decoding: utf8[start..<end], as: UTF8.self)
    }
}
