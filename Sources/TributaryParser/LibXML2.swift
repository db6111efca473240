// The only file of TributaryParser that touches libxml2. Everything else reads documents through
// `XMLDocument` and `XMLNode`, which never expose a C type.
import CLibXML2

/// One-time libxml2 set-up: initialise the library and install an external-entity loader that refuses
/// everything, so no document can make us read a file or open a connection.
private let libxml2Setup: Void = {
    xmlInitParser()
    xmlSetExternalEntityLoader(refuseExternalEntity)
}()

/// libxml2 keeps its error channel per thread, so every entry point silences the calling thread before
/// work: nothing a hostile document triggers may reach stderr (errors are read from the parser context).
private func prepareThread() {
    _ = libxml2Setup
    xmlSetStructuredErrorFunc(nil, ignoreStructuredError)
}

private func ignoreStructuredError(_ userData: UnsafeMutableRawPointer?, _ error: xmlErrorPtr?) {}

private func refuseExternalEntity(
    _ url: UnsafePointer<CChar>?, _ id: UnsafePointer<CChar>?, _ context: xmlParserCtxtPtr?
) -> xmlParserInputPtr? {
    nil
}

/// Options for untrusted input: no network, no noise on stderr, and (for the liberal path) recovery.
/// Never NOENT, DTDLOAD, DTDATTR, DTDVALID, XINCLUDE or HUGE.
private let safeXMLOptions = Int32(XML_PARSE_NONET.rawValue | XML_PARSE_NOERROR.rawValue | XML_PARSE_NOWARNING.rawValue)
private let safeFragmentOptions = Int32(
    HTML_PARSE_NONET.rawValue | HTML_PARSE_NOERROR.rawValue | HTML_PARSE_NOWARNING.rawValue
        | HTML_PARSE_RECOVER.rawValue
)
private let safeHTMLOptions = Int32(
    HTML_PARSE_NONET.rawValue | HTML_PARSE_NOERROR.rawValue | HTML_PARSE_NOWARNING.rawValue
        | HTML_PARSE_RECOVER.rawValue | HTML_PARSE_NOBLANKS.rawValue | HTML_PARSE_NOIMPLIED.rawValue
)

/// A parsed XML or HTML document. Nodes borrowed from it are valid while it is alive.
final class XMLDocument {
    private let document: xmlDocPtr
    /// Problems libxml2 reported while reading (empty for a well-formed document).
    let errors: [String]

    private init(document: xmlDocPtr, errors: [String]) {
        self.document = document
        self.errors = errors
    }

    deinit {
        xmlFreeDoc(document)
    }

    fileprivate convenience init(adopting document: xmlDocPtr) {
        self.init(document: document, errors: [])
    }

    /// The root element, if the document has one.
    var root: XMLNode? {
        guard let element = xmlDocGetRootElement(document) else { return nil }
        return XMLNode(element)
    }

    /// Parses XML bytes with the safe options.
    ///
    /// - Parameters:
    ///   - recover: keep going past well-formedness errors and return what could be read.
    ///   - encoding: an encoding name that overrides the document's own declaration.
    /// - Throws: `ParserError` when the document declares entities or nothing could be read.
    static func parseXML(
        _ bytes: UnsafeRawBufferPointer, url: String?, encoding: String?, recover: Bool
    ) throws(ParserError) -> XMLDocument {
        prepareThread()
        if declaresEntities(bytes) {
            throw ParserError("the document's DOCTYPE declares entities, which are refused for safety")
        }
        guard let context = xmlNewParserCtxt() else { throw ParserError("libxml2 could not allocate a parser") }
        defer { xmlFreeParserCtxt(context) }
        let options = safeXMLOptions | (recover ? Int32(XML_PARSE_RECOVER.rawValue) : 0)
        let base = bytes.baseAddress?.assumingMemoryBound(to: CChar.self)
        let document = xmlCtxtReadMemory(context, base, Int32(clamping: bytes.count), url, encoding, options)
        let errors = Self.lastError(context).map { [$0] } ?? []
        guard let document else {
            throw ParserError(errors.first ?? "the document could not be parsed as XML")
        }
        if !recover && context.pointee.wellFormed == 0 {
            xmlFreeDoc(document)
            throw ParserError(errors.first ?? "the document is not well-formed XML")
        }
        return XMLDocument(document: document, errors: errors)
    }

    /// Parses an HTML fragment (markup found inside a feed) without dropping whitespace between elements.
    ///
    /// libxml2 wraps the fragment in implied `html`/`body` elements; callers read the body's children. Blank
    /// text nodes are kept (libxml2 drops them by default), because they separate words in the output.
    static func parseHTMLFragment(_ bytes: UnsafeRawBufferPointer) -> XMLDocument? {
        prepareThread()
        guard let context = htmlNewParserCtxt() else { return nil }
        defer { htmlFreeParserCtxt(context) }
        context.pointee.sax.pointee.ignorableWhitespace = xmlSAX2Characters
        let base = bytes.baseAddress?.assumingMemoryBound(to: CChar.self)
        guard
            let document = htmlCtxtReadMemory(
                context, base, Int32(clamping: bytes.count), nil, "UTF-8", safeFragmentOptions)
        else { return nil }
        return XMLDocument(document: document, errors: [])
    }

    /// Parses an HTML fragment or page with libxml2's forgiving HTML parser.
    static func parseHTML(_ bytes: UnsafeRawBufferPointer, encoding: String = "UTF-8") -> XMLDocument? {
        prepareThread()
        guard let context = htmlNewParserCtxt() else { return nil }
        defer { htmlFreeParserCtxt(context) }
        let base = bytes.baseAddress?.assumingMemoryBound(to: CChar.self)
        guard
            let document = htmlCtxtReadMemory(
                context, base, Int32(clamping: bytes.count), nil, encoding, safeHTMLOptions)
        else { return nil }
        return XMLDocument(document: document, errors: [])
    }

    private static func lastError(_ context: xmlParserCtxtPtr) -> String? {
        let error = context.pointee.lastError
        // Warnings (a relative namespace URI, say) do not make a document broken.
        guard error.code != 0, error.level != XML_ERR_WARNING else { return nil }
        let message = error.message.map { String(cString: $0) } ?? "XML error \(error.code)"
        return "line \(error.line): \(message.trimmingSuffixNewlines())"
    }

    /// True when an internal DOCTYPE subset declares an entity. libxml2 2.9.14 has no other reliable guard
    /// against entity-expansion attacks, and feeds have no business declaring entities.
    private static func declaresEntities(_ bytes: UnsafeRawBufferPointer) -> Bool {
        // A DOCTYPE must precede the root element, so only the prologue needs a look.
        let prologue = UnsafeRawBufferPointer(rebasing: bytes.prefix(64 * 1024))
        let isWide = prologue.prefix(4).contains(0)
        if isWide {
            // UTF-16/32 documents: look for the same words with the zero bytes removed.
            let narrow = prologue.filter { $0 != 0 }
            return narrow.withUnsafeBytes { ByteSearch.find("<!ENTITY", in: $0) != nil }
        }
        // Only the part before the root element's start tag can hold the DOCTYPE: most documents end the
        // search a few hundred bytes in instead of scanning 64 KB.
        var rootStart = 0
        while rootStart + 1 < prologue.count {
            if prologue[rootStart] == UInt8(ascii: "<") {
                let next = prologue[rootStart + 1]
                if (next | 0x20) >= UInt8(ascii: "a") && (next | 0x20) <= UInt8(ascii: "z") { break }
            }
            rootStart += 1
        }
        let beforeRoot = UnsafeRawBufferPointer(rebasing: prologue[..<min(prologue.count, rootStart + 1)])
        guard let doctype = ByteSearch.find("<!DOCTYPE", in: beforeRoot) else { return false }
        return ByteSearch.find("<!ENTITY", in: UnsafeRawBufferPointer(rebasing: prologue[doctype...])) != nil
    }
}

/// Substring search over raw bytes, written out so it stays fast without generic specialisation.
enum ByteSearch {
    /// The offset of the first occurrence of `needle` in `haystack`.
    static func find(_ needle: StaticString, in haystack: UnsafeRawBufferPointer) -> Int? {
        let length = needle.utf8CodeUnitCount
        guard length > 0, haystack.count >= length, let base = haystack.baseAddress else { return nil }
        let pattern = needle.utf8Start
        let first = pattern[0]
        var index = 0
        let last = haystack.count - length
        while index <= last {
            if base.load(fromByteOffset: index, as: UInt8.self) == first {
                var offset = 1
                while offset < length, base.load(fromByteOffset: index + offset, as: UInt8.self) == pattern[offset] {
                    offset += 1
                }
                if offset == length { return index }
            }
            index += 1
        }
        return nil
    }
}

extension String {
    fileprivate func trimmingSuffixNewlines() -> String {
        var result = self
        while result.last == "\n" { result.removeLast() }
        return result
    }
}

/// A node borrowed from an `XMLDocument`; valid only while that document is alive.
struct XMLNode {
    private let node: xmlNodePtr

    fileprivate init(_ node: xmlNodePtr) {
        self.node = node
    }

    enum Kind {
        case element
        case text
        case cdata
        case comment
        case entityReference
        case other
    }

    var kind: Kind {
        switch node.pointee.type {
        case XML_ELEMENT_NODE: .element
        case XML_TEXT_NODE: .text
        case XML_CDATA_SECTION_NODE: .cdata
        case XML_COMMENT_NODE: .comment
        case XML_ENTITY_REF_NODE: .entityReference
        default: .other
        }
    }

    /// True for element nodes.
    var isElement: Bool {
        node.pointee.type == XML_ELEMENT_NODE
    }

    /// True for text and CDATA nodes.
    var isText: Bool {
        node.pointee.type == XML_TEXT_NODE || node.pointee.type == XML_CDATA_SECTION_NODE
    }

    /// An identity for the element's namespace declaration, so callers can cache what a namespace means
    /// instead of comparing its URI string on every element.
    var namespaceKey: UnsafeRawPointer? {
        node.pointee.ns.map { UnsafeRawPointer($0) }
    }

    /// True when the element has at least one element child.
    var hasElementChildren: Bool {
        var child = node.pointee.children
        while let current = child {
            if current.pointee.type == XML_ELEMENT_NODE { return true }
            child = current.pointee.next
        }
        return false
    }

    /// True when the local name equals `name`, compared without building a String.
    func hasName(_ name: StaticString) -> Bool {
        guard let own = node.pointee.name else { return false }
        return xmlStrEqual(own, name.utf8Start) != 0
    }

    /// The local name (without prefix).
    var name: String {
        node.pointee.name.map { String(cString: $0) } ?? ""
    }

    /// The local name in ASCII lower case, built in one pass (element dispatch does this for every element).
    var lowercasedName: String {
        guard let own = node.pointee.name else { return "" }
        let length = Int(xmlStrlen(own))
        return String(unsafeUninitializedCapacity: length) { buffer in
            for offset in 0..<length {
                let byte = own[offset]
                buffer[offset] = byte >= 0x41 && byte <= 0x5A ? byte | 0x20 : byte
            }
            return length
        }
    }

    /// The namespace URI the element is in, if any.
    var namespaceURI: String? {
        node.pointee.ns?.pointee.href.map { String(cString: $0) }
    }

    /// The namespace prefix as written, if any.
    var prefix: String? {
        node.pointee.ns?.pointee.prefix.map { String(cString: $0) }
    }

    /// The line the node starts on, for error messages.
    var line: Int {
        Int(xmlGetLineNo(node))
    }

    /// Child nodes in document order.
    var children: Children {
        Children(first: node.pointee.children)
    }

    /// Child elements only.
    var elements: [XMLNode] {
        children.filter { $0.kind == .element }
    }

    /// The element's attributes in document order.
    var attributes: [XMLAttribute] {
        var result: [XMLAttribute] = []
        var attribute = node.pointee.properties
        while let current = attribute {
            let name = current.pointee.name.map { String(cString: $0) } ?? ""
            let namespace = current.pointee.ns?.pointee.href.map { String(cString: $0) }
            let value = Self.ownedString(xmlNodeListGetString(node.pointee.doc, current.pointee.children, 1)) ?? ""
            result.append(XMLAttribute(name: name, namespaceURI: namespace, value: value))
            attribute = current.pointee.next
        }
        return result
    }

    /// The element's attributes as (name, value) pairs, where `name` keeps an `xml:` prefix.
    var attributePairs: [(name: String, value: String)] {
        var result: [(name: String, value: String)] = []
        var attribute = node.pointee.properties
        while let current = attribute {
            var name = current.pointee.name.map { String(cString: $0) } ?? ""
            if let prefix = current.pointee.ns?.pointee.prefix {
                name = String(cString: prefix) + ":" + name
            }
            let value = Self.ownedString(xmlNodeListGetString(node.pointee.doc, current.pointee.children, 1)) ?? ""
            result.append((name, value))
            attribute = current.pointee.next
        }
        return result
    }

    /// The value of an attribute without a namespace, or in the given namespace.
    func attribute(_ name: String, namespace: String? = nil) -> String? {
        if let namespace {
            return Self.ownedString(xmlGetNsProp(node, name, namespace))
        }
        return Self.ownedString(xmlGetNoNsProp(node, name))
    }

    /// The concatenated text of this node and all its descendants.
    var text: String {
        Self.ownedString(xmlNodeGetContent(node)) ?? ""
    }

    /// Calls `body` with the node's own text bytes (UTF-8, text and CDATA nodes), without copying them.
    func withContentBytes<R>(_ body: (UnsafeBufferPointer<UInt8>) -> R) -> R {
        guard let content = node.pointee.content else { return body(UnsafeBufferPointer(start: nil, count: 0)) }
        return body(UnsafeBufferPointer(start: content, count: Int(xmlStrlen(content))))
    }

    /// Calls `body` with the bytes of the element's only child when that child is text or CDATA (then they are
    /// all of `text(cdata:)`); nil without calling it otherwise.
    func withSoleTextBytes<R>(cdata: CDATASections?, _ body: (UnsafeBufferPointer<UInt8>) -> R?) -> R? {
        guard let child = node.pointee.children, child.pointee.next == nil,
            child.pointee.type == XML_TEXT_NODE
                || child.pointee.type == XML_CDATA_SECTION_NODE
        else { return nil }
        return XMLNode(child).withContentBytes(cdata: cdata, body)
    }

    /// Calls `body` with the node's own text bytes (text and CDATA nodes), without copying them; a CDATA
    /// node's placeholder is looked up in `cdata`.
    func withContentBytes<R>(cdata: CDATASections?, _ body: (UnsafeBufferPointer<UInt8>) -> R) -> R {
        if let cdata, node.pointee.type == XML_CDATA_SECTION_NODE {
            return cdata.withSection(placeholder: node.pointee.content, body)
        }
        return withContentBytes(body)
    }

    /// As `text`, for a document whose CDATA sections were taken out into `cdata`.
    func text(cdata: CDATASections?) -> String {
        guard let cdata else { return text }
        guard let first = node.pointee.children else {
            return node.pointee.type == XML_ELEMENT_NODE ? "" : text
        }
        if first.pointee.next == nil {
            switch first.pointee.type {
            case XML_TEXT_NODE:
                return first.pointee.content.map { String(cString: $0) } ?? ""
            case XML_CDATA_SECTION_NODE:
                return cdata.withSection(placeholder: first.pointee.content) { String(decoding: $0, as: UTF8.self) }
            default:
                break
            }
        }
        // Descendants in document order, as xmlNodeGetContent walks them, with a heap stack (no recursion).
        var bytes: [UInt8] = []
        var resume: [xmlNodePtr] = []
        var current: xmlNodePtr? = first
        while true {
            guard let visiting = current else {
                guard let next = resume.popLast() else { break }
                current = next
                continue
            }
            switch visiting.pointee.type {
            case XML_TEXT_NODE:
                XMLNode(visiting).withContentBytes { bytes.append(contentsOf: $0) }
            case XML_CDATA_SECTION_NODE:
                cdata.withSection(placeholder: visiting.pointee.content) { bytes.append(contentsOf: $0) }
            case XML_ENTITY_REF_NODE:
                bytes.append(contentsOf: XMLNode(visiting).text.utf8)
            case XML_ELEMENT_NODE:
                if let child = visiting.pointee.children {
                    if let next = visiting.pointee.next { resume.append(next) }
                    current = child
                    continue
                }
            default:
                break
            }
            current = visiting.pointee.next
        }
        return String(decoding: bytes, as: UTF8.self)
    }

    /// The node's own text, for text and CDATA nodes.
    var content: String {
        node.pointee.content.map { String(cString: $0) } ?? ""
    }

    /// The effective `xml:lang` (inherited from ancestors).
    var language: String? {
        Self.ownedString(xmlNodeGetLang(node))
    }

    /// The effective base URL: `xml:base` of this node and its ancestors resolved against the document URL.
    var baseURL: String? {
        Self.ownedString(xmlNodeGetBase(node.pointee.doc, node))
    }

    /// Serialises the node's children back to markup, as they appeared (used for inline XHTML content).
    var innerXML: String {
        guard let buffer = xmlBufferCreate() else { return "" }
        defer { xmlBufferFree(buffer) }
        var child = node.pointee.children
        while let current = child {
            xmlNodeDump(buffer, node.pointee.doc, current, 0, 0)
            child = current.pointee.next
        }
        return xmlBufferContent(buffer).map { String(cString: $0) } ?? ""
    }

    private static func ownedString(_ pointer: UnsafeMutablePointer<xmlChar>?) -> String? {
        guard let pointer else { return nil }
        defer { tributary_xmlFree(pointer) }
        return String(cString: pointer)
    }

    /// Iterates over a node's children without building an array.
    struct Children: Sequence, IteratorProtocol {
        fileprivate var upcoming: xmlNodePtr?
        private var alone = false

        fileprivate init(first: xmlNodePtr?) {
            upcoming = first
        }

        /// A sequence of just `node`, for walks that start at a node rather than at its children.
        static func single(_ node: XMLNode) -> Children {
            var children = Children(first: node.node)
            children.alone = true
            return children
        }

        mutating func next() -> XMLNode? {
            guard let current = upcoming else { return nil }
            upcoming = alone ? nil : current.pointee.next
            return XMLNode(current)
        }
    }
}

/// A reusable libxml2 HTML parser for the many small fragments of one feed. Creating a parser context (and
/// its name dictionary) per fragment costs more than parsing a typical fragment, so a feed reuses one.
final class HTMLFragmentParser {
    private let context: htmlParserCtxtPtr?

    init() {
        prepareThread()
        context = htmlNewParserCtxt()
    }

    deinit {
        if let context { htmlFreeParserCtxt(context) }
    }

    /// Parses a fragment as `XMLDocument.parseHTMLFragment` does.
    func parse(_ bytes: UnsafeRawBufferPointer) -> XMLDocument? {
        guard let context else { return XMLDocument.parseHTMLFragment(bytes) }
        prepareThread()
        context.pointee.sax.pointee.ignorableWhitespace = xmlSAX2Characters
        let base = bytes.baseAddress?.assumingMemoryBound(to: CChar.self)
        guard
            let document = htmlCtxtReadMemory(
                context, base, Int32(clamping: bytes.count), nil, "UTF-8", safeFragmentOptions)
        else { return nil }
        return XMLDocument(adopting: document)
    }
}

@available(*, unavailable) extension HTMLFragmentParser: Sendable {}

/// Character-set conversion through libxml2's encoding handlers (iconv underneath).
enum LibXML2Transcoder {
    /// Converts `bytes` in the named encoding to UTF-8, replacing undecodable bytes with U+FFFD.
    ///
    /// - Returns: the UTF-8 bytes and how many bytes had to be replaced, or nil when libxml2 knows no such
    ///   encoding.
    static func utf8(from bytes: UnsafeRawBufferPointer, encoding: String) -> (bytes: [UInt8], replaced: Int)? {
        prepareThread()
        guard let handler = xmlFindCharEncodingHandler(encoding) else { return nil }
        defer { xmlCharEncCloseFunc(handler) }
        guard let input = xmlBufferCreateSize(bytes.count + 1) else { return nil }
        defer { xmlBufferFree(input) }
        guard let output = xmlBufferCreateSize(bytes.count * 2 + 16) else { return nil }
        defer { xmlBufferFree(output) }
        if let base = bytes.baseAddress, !bytes.isEmpty {
            xmlBufferAdd(input, base.assumingMemoryBound(to: xmlChar.self), Int32(clamping: bytes.count))
        }
        let replacement: [xmlChar] = [0xEF, 0xBF, 0xBD]
        var replaced = 0
        while xmlBufferLength(input) > 0 {
            let before = xmlBufferLength(input)
            _ = xmlCharEncInFunc(handler, output, input)
            if xmlBufferLength(input) == before {
                // No progress: the next byte cannot be decoded. Skip it and mark the spot.
                xmlBufferShrink(input, 1)
                xmlBufferAdd(output, replacement, 3)
                replaced += 1
            }
        }
        guard let content = xmlBufferContent(output) else { return ([], replaced) }
        return (Array(UnsafeBufferPointer(start: content, count: Int(xmlBufferLength(output)))), replaced)
    }
}

/// URL resolution and HTML entity lookup, both served by libxml2's tables.
enum LibXML2Support {
    /// Resolves `reference` against `base` (RFC 3986), or returns it unchanged when either cannot be parsed.
    static func resolve(_ reference: String, against base: String) -> String {
        prepareThread()
        if let built = xmlBuildURI(reference, base) {
            defer { tributary_xmlFree(built) }
            return String(cString: built)
        }
        // libxml2 refuses IRIs: percent-encode non-ASCII bytes, resolve, then restore them.
        guard reference.utf8.contains(where: { $0 >= 0x80 }) || base.utf8.contains(where: { $0 >= 0x80 }) else {
            return reference
        }
        guard let built = xmlBuildURI(percentEncodingNonASCII(reference), percentEncodingNonASCII(base)) else {
            return reference
        }
        defer { tributary_xmlFree(built) }
        return decodingNonASCIIPercents(String(cString: built))
    }

    private static func percentEncodingNonASCII(_ text: String) -> String {
        var result = ""
        for byte in text.utf8 {
            if byte >= 0x80 {
                result += "%" + String(byte, radix: 16, uppercase: true)
            } else {
                result.unicodeScalars.append(Unicode.Scalar(byte))
            }
        }
        return result
    }

    private static func decodingNonASCIIPercents(_ text: String) -> String {
        var bytes: [UInt8] = []
        let source = Array(text.utf8)
        var index = 0
        while index < source.count {
            if source[index] == UInt8(ascii: "%"), index + 2 < source.count,
                let value = UInt8(String(decoding: source[index + 1...index + 2], as: UTF8.self), radix: 16),
                value >= 0x80
            {
                bytes.append(value)
                index += 3
            } else {
                bytes.append(source[index])
                index += 1
            }
        }
        return String(decoding: bytes, as: UTF8.self)
    }

    /// The code point of an HTML 4 named entity (`eacute` → U+00E9), or nil when HTML has no such entity.
    static func htmlEntity(_ name: String) -> UInt32? {
        var copy = name
        return copy.withUTF8 { htmlEntity($0) }
    }

    /// `htmlEntity` for a name given as bytes, without building a String.
    static func htmlEntity(_ name: UnsafeBufferPointer<UInt8>) -> UInt32? {
        var packed = PackedName()
        for byte in name {
            guard byte != 0, packed.append(byte) else { return nil }
        }
        return htmlEntities[packed]
    }

    /// libxml2's HTML 4 entity table keyed by packed name. `htmlEntityLookup` compares the name with each of
    /// the 253 entries in turn, and feeds use many entities (`&middot;`, `&rsquo;` in every other item). The
    /// table is read once through `htmlEntityValueLookup`: every HTML 4 entity has its own code point, all
    /// below 10,000.
    private static let htmlEntities: NameTable<UInt32?> = {
        var entries: [(String, UInt32?)] = []
        for value: UInt32 in 0..<10_000 {
            guard let entity = htmlEntityValueLookup(value), entity.pointee.value == value,
                let name = entity.pointee.name
            else { continue }
            entries.append((String(cString: name), value))
        }
        return NameTable(entries, missing: nil)
    }()
}

/// An attribute of an element, copied out of the document.
struct XMLAttribute: Hashable {
    let name: String
    let namespaceURI: String?
    let value: String
}
