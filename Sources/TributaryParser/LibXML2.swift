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

    fileprivate static func lastError(_ context: xmlParserCtxtPtr) -> String? {
        let error = context.pointee.lastError
        // Warnings (a relative namespace URI, say) do not make a document broken.
        guard error.code != 0, error.level != XML_ERR_WARNING else { return nil }
        let message = error.message.map { String(cString: $0) } ?? "XML error \(error.code)"
        return "line \(error.line): \(message.trimmingSuffixNewlines())"
    }

    /// True when an internal DOCTYPE subset declares an entity. libxml2 2.9.14 has no other reliable guard
    /// against entity-expansion attacks, and feeds have no business declaring entities.
    fileprivate static func declaresEntities(_ bytes: UnsafeRawBufferPointer) -> Bool {
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
    /// Output space for the sanitiser's fast path, shared by the fragments of the feed (see `MarkupWriter`).
    let output = ByteBuffer(capacity: 4096)

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

// MARK: - Feed documents read through SAX

/// libxml2 stops coalescing a text node past this many bytes (XML_MAX_TEXT_LENGTH without XML_PARSE_HUGE);
/// the SAX reader keeps the same bound.
private let maximumTextNodeLength = 10_000_000

/// One node of a `FeedTree`: elements, text, CDATA and the rest, linked by index.
struct FeedTreeRecord {
    var kind: XMLNode.Kind
    var line: Int32
    var parent: Int32
    var firstChild: Int32 = -1
    var lastChild: Int32 = -1
    var next: Int32 = -1
    /// Local name (elements), interned in the parser's dictionary.
    var name: UnsafePointer<UInt8>?
    /// Namespace URI (elements), interned in the parser's dictionary: equal URIs share a pointer.
    var namespace: UnsafePointer<UInt8>?
    /// Text and CDATA: where the content is in `FeedTree.text`; elements: where their attributes are in
    /// `FeedTree.attributes`.
    var start: Int
    var count: Int
}

/// An attribute of a `FeedTree` element; its value is a range of `FeedTree.text`.
struct FeedTreeAttribute {
    var name: UnsafePointer<UInt8>
    var prefix: UnsafePointer<UInt8>?
    var namespace: UnsafePointer<UInt8>?
    var start: Int
    var count: Int
}

/// A growing run of plain values in memory we manage ourselves: the SAX callbacks append to it millions of
/// times, and an array's uniqueness and capacity checks cost more there than the appends.
private struct GrowingBuffer<Element: BitwiseCopyable> {
    private(set) var base: UnsafeMutablePointer<Element>
    private(set) var count = 0
    private var capacity: Int

    init(capacity: Int) {
        self.capacity = max(capacity, 16)
        base = .allocate(capacity: self.capacity)
    }

    /// Gives the memory up; the buffer must not be used afterwards.
    func deallocate() {
        base.deallocate()
    }

    subscript(index: Int) -> Element {
        get { base[index] }
        nonmutating set { base[index] = newValue }
    }

    private mutating func reserve(_ extra: Int) {
        guard count + extra > capacity else { return }
        let grown = max(capacity * 2, count + extra)
        let moved = UnsafeMutablePointer<Element>.allocate(capacity: grown)
        moved.moveInitialize(from: base, count: count)
        base.deallocate()
        base = moved
        capacity = grown
    }

    mutating func append(_ element: Element) {
        reserve(1)
        (base + count).initialize(to: element)
        count += 1
    }

    mutating func append(contentsOf elements: UnsafeBufferPointer<Element>) {
        guard let source = elements.baseAddress, !elements.isEmpty else { return }
        reserve(elements.count)
        (base + count).initialize(from: source, count: elements.count)
        count += elements.count
    }

    /// The elements written so far, as a buffer that takes over the memory.
    func finished() -> UnsafeMutableBufferPointer<Element> {
        UnsafeMutableBufferPointer(start: base, count: count)
    }
}

/// The state the SAX callbacks build a `FeedTree` in. A struct reached through the parser's user-data
/// pointer, so the callbacks pay neither reference counting nor exclusivity checks.
private struct FeedTreeBuilder {
    let context: xmlParserCtxtPtr
    var nodes: GrowingBuffer<FeedTreeRecord>
    var attributes = GrowingBuffer<FeedTreeAttribute>(capacity: 64)
    var text: GrowingBuffer<UInt8>
    /// The open element, or -1 outside the root.
    var current: Int32 = -1
    var root: Int32 = -1
    /// libxml2 calls `startDocument` only once it found something to parse.
    var started = false
    var error: String?

    init(context: xmlParserCtxtPtr, documentSize: Int) {
        self.context = context
        nodes = GrowingBuffer(capacity: documentSize / 32)
        text = GrowingBuffer(capacity: documentSize / 2)
    }

    /// Frees what was built, for a document that gave nothing.
    func discard() {
        nodes.deallocate()
        attributes.deallocate()
        text.deallocate()
    }

    var line: Int32 {
        context.pointee.input.map { $0.pointee.line } ?? 0
    }

    /// Appends a node under the open element; nodes outside the root are dropped, as libxml2's tree drops them.
    mutating func append(_ record: FeedTreeRecord) -> Int32? {
        guard current >= 0 || (record.kind == .element && root < 0) else { return nil }
        let index = Int32(nodes.count)
        nodes.append(record)
        if current >= 0 {
            let parent = Int(current)
            let last = nodes[parent].lastChild
            if last >= 0 {
                nodes[Int(last)].next = index
            } else {
                nodes[parent].firstChild = index
            }
            nodes[parent].lastChild = index
        } else {
            root = index
        }
        return index
    }

    /// Appends an attribute value, reading character references as libxml2's tree does: without entity
    /// substitution the parser hands over `&` as `&#38;`.
    mutating func appendAttributeValue(_ value: UnsafePointer<UInt8>, end: UnsafePointer<UInt8>) {
        let count = end - value
        guard count > 0 else { return }
        let bytes = UnsafeBufferPointer(start: value, count: count)
        guard bytes.contains(UInt8(ascii: "&")) else {
            text.append(contentsOf: bytes)
            return
        }
        var index = 0
        while index < count {
            let byte = bytes[index]
            guard byte == UInt8(ascii: "&") else {
                text.append(byte)
                index += 1
                continue
            }
            var position = index + 1
            if position < count, bytes[position] == UInt8(ascii: "#") {
                position += 1
                let hex = position < count && bytes[position] == UInt8(ascii: "x")
                if hex { position += 1 }
                var scalar: UInt32 = 0
                while position < count, bytes[position] != UInt8(ascii: ";") {
                    guard let digit = Self.digit(bytes[position], hex: hex) else {
                        scalar = 0
                        break
                    }
                    scalar = scalar &* (hex ? 16 : 10) &+ digit
                    position += 1
                }
                if position < count, bytes[position] == UInt8(ascii: ";") { position += 1 }
                if scalar > 0, let value = Unicode.Scalar(scalar) {
                    for byte in UTF8.encode(value).map(Array.init) ?? [] { text.append(byte) }
                }
                index = position
                continue
            }
            // A named reference: only the predefined entities have a value (no others are ever declared).
            let nameStart = position
            while position < count, bytes[position] != UInt8(ascii: ";") { position += 1 }
            guard position < count else { return }
            let name = UnsafeBufferPointer(rebasing: bytes[nameStart..<position])
            switch String(decoding: name, as: UTF8.self) {
            case "amp": text.append(UInt8(ascii: "&"))
            case "lt": text.append(UInt8(ascii: "<"))
            case "gt": text.append(UInt8(ascii: ">"))
            case "quot": text.append(UInt8(ascii: "\""))
            case "apos": text.append(UInt8(ascii: "'"))
            default: break
            }
            index = position + 1
        }
    }

    private static func digit(_ byte: UInt8, hex: Bool) -> UInt32? {
        switch byte {
        case UInt8(ascii: "0")...UInt8(ascii: "9"): return UInt32(byte - UInt8(ascii: "0"))
        case UInt8(ascii: "a")...UInt8(ascii: "f") where hex: return UInt32(byte - UInt8(ascii: "a") + 10)
        case UInt8(ascii: "A")...UInt8(ascii: "F") where hex: return UInt32(byte - UInt8(ascii: "A") + 10)
        default: return nil
        }
    }
}

private func builder(_ userData: UnsafeMutableRawPointer?) -> UnsafeMutablePointer<FeedTreeBuilder>? {
    userData?.assumingMemoryBound(to: FeedTreeBuilder.self)
}

private func saxStartDocument(_ userData: UnsafeMutableRawPointer?) {
    builder(userData)?.pointee.started = true
}

private func saxStartElement(
    _ userData: UnsafeMutableRawPointer?, _ localName: UnsafePointer<xmlChar>?, _ prefix: UnsafePointer<xmlChar>?,
    _ uri: UnsafePointer<xmlChar>?, _ namespaceCount: Int32,
    _ namespaces: UnsafeMutablePointer<UnsafePointer<xmlChar>?>?, _ attributeCount: Int32, _ defaultedCount: Int32,
    _ attributes: UnsafeMutablePointer<UnsafePointer<xmlChar>?>?
) {
    guard let state = builder(userData), let localName else { return }
    let dictionary = state.pointee.context.pointee.dict
    var name = localName
    if let prefix, uri == nil {
        // An undeclared prefix stays part of the name, as in libxml2's tree.
        name = xmlDictQLookup(dictionary, prefix, localName) ?? localName
    }
    let firstAttribute = state.pointee.attributes.count
    // Attributes defaulted by a DTD are left out, as libxml2's tree leaves them out without DTDATTR.
    let written = Int(max(0, attributeCount - defaultedCount))
    if let attributes, written > 0 {
        for offset in 0..<written {
            let base = offset * 5
            guard var attributeName = attributes[base], let value = attributes[base + 3],
                let end = attributes[base + 4]
            else { continue }
            var attributePrefix = attributes[base + 1]
            let namespace = attributes[base + 2]
            if let known = attributePrefix, namespace == nil {
                attributeName = xmlDictQLookup(dictionary, known, attributeName) ?? attributeName
                attributePrefix = nil
            }
            let start = state.pointee.text.count
            state.pointee.appendAttributeValue(value, end: end)
            state.pointee.attributes.append(
                FeedTreeAttribute(
                    name: attributeName, prefix: attributePrefix, namespace: namespace, start: start,
                    count: state.pointee.text.count - start))
        }
    }
    let record = FeedTreeRecord(
        kind: .element, line: state.pointee.line, parent: state.pointee.current, name: name, namespace: uri,
        start: firstAttribute, count: state.pointee.attributes.count - firstAttribute)
    if let index = state.pointee.append(record) {
        state.pointee.current = index
    }
}

private func saxEndElement(
    _ userData: UnsafeMutableRawPointer?, _ localName: UnsafePointer<xmlChar>?, _ prefix: UnsafePointer<xmlChar>?,
    _ uri: UnsafePointer<xmlChar>?
) {
    guard let state = builder(userData), state.pointee.current >= 0 else { return }
    state.pointee.current = state.pointee.nodes[Int(state.pointee.current)].parent
}

private func saxCharacters(_ userData: UnsafeMutableRawPointer?, _ characters: UnsafePointer<xmlChar>?, _ length: Int32)
{
    guard let state = builder(userData), let characters, length > 0, state.pointee.current >= 0 else { return }
    let bytes = UnsafeBufferPointer(start: characters, count: Int(length))
    let last = state.pointee.nodes[Int(state.pointee.current)].lastChild
    if last >= 0, state.pointee.nodes[Int(last)].kind == .text,
        state.pointee.nodes[Int(last)].start + state.pointee.nodes[Int(last)].count == state.pointee.text.count
    {
        // Adjacent text joins the previous node, as in libxml2's tree, up to the same bound.
        guard state.pointee.nodes[Int(last)].count + bytes.count <= maximumTextNodeLength else {
            state.pointee.error =
                "line \(state.pointee.line): a text node longer than \(maximumTextNodeLength) bytes; reading stopped"
            xmlStopParser(state.pointee.context)
            return
        }
        state.pointee.text.append(contentsOf: bytes)
        state.pointee.nodes[Int(last)].count += bytes.count
        return
    }
    let start = state.pointee.text.count
    state.pointee.text.append(contentsOf: bytes)
    _ = state.pointee.append(
        FeedTreeRecord(
            kind: .text, line: state.pointee.line, parent: state.pointee.current, start: start, count: bytes.count))
}

private func saxCDATA(_ userData: UnsafeMutableRawPointer?, _ characters: UnsafePointer<xmlChar>?, _ length: Int32) {
    guard let state = builder(userData), state.pointee.current >= 0 else { return }
    let start = state.pointee.text.count
    if let characters, length > 0 {
        state.pointee.text.append(contentsOf: UnsafeBufferPointer(start: characters, count: Int(length)))
    }
    let count = state.pointee.text.count - start
    // A terminator, so a section's placeholder number never runs into the bytes after it.
    state.pointee.text.append(0)
    _ = state.pointee.append(
        FeedTreeRecord(
            kind: .cdata, line: state.pointee.line, parent: state.pointee.current, start: start, count: count))
}

private func saxComment(_ userData: UnsafeMutableRawPointer?, _ value: UnsafePointer<xmlChar>?) {
    guard let state = builder(userData) else { return }
    _ = state.pointee.append(
        FeedTreeRecord(kind: .comment, line: state.pointee.line, parent: state.pointee.current, start: 0, count: 0))
}

private func saxProcessingInstruction(
    _ userData: UnsafeMutableRawPointer?, _ target: UnsafePointer<xmlChar>?, _ data: UnsafePointer<xmlChar>?
) {
    guard let state = builder(userData) else { return }
    _ = state.pointee.append(
        FeedTreeRecord(kind: .other, line: state.pointee.line, parent: state.pointee.current, start: 0, count: 0))
}

/// A reference to an undeclared entity (recovery mode): kept as an empty node, as libxml2's tree keeps it.
private func saxReference(_ userData: UnsafeMutableRawPointer?, _ name: UnsafePointer<xmlChar>?) {
    guard let state = builder(userData) else { return }
    _ = state.pointee.append(
        FeedTreeRecord(
            kind: .entityReference, line: state.pointee.line, parent: state.pointee.current, start: 0, count: 0))
}

/// Only XML's five predefined entities exist: declarations are never recorded (no `entityDecl` callback), so
/// no document can make the parser expand anything.
private func saxGetEntity(_ userData: UnsafeMutableRawPointer?, _ name: UnsafePointer<xmlChar>?) -> xmlEntityPtr? {
    guard let name else { return nil }
    return xmlGetPredefinedEntity(name)
}

/// A feed document read with libxml2's SAX2 interface into one array of nodes, instead of libxml2's tree of
/// separately allocated nodes: building and freeing that tree cost a third of libxml2's time on feeds.
/// Names and namespace URIs point into the parser's dictionary, which lives as long as this object.
final class FeedTree {
    // Plain buffers rather than arrays: reading a node then costs no reference counting.
    fileprivate let nodes: UnsafeMutableBufferPointer<FeedTreeRecord>
    fileprivate let attributes: UnsafeMutableBufferPointer<FeedTreeAttribute>
    fileprivate let text: UnsafeMutableBufferPointer<UInt8>
    private let context: xmlParserCtxtPtr
    private let rootIndex: Int32
    private let documentURL: String?
    /// Problems libxml2 reported while reading (empty for a well-formed document).
    let errors: [String]

    private init(builder: FeedTreeBuilder, documentURL: String?, errors: [String]) {
        nodes = builder.nodes.finished()
        attributes = builder.attributes.finished()
        text = builder.text.finished()
        context = builder.context
        rootIndex = builder.root
        self.documentURL = documentURL
        self.errors = errors
    }

    deinit {
        nodes.baseAddress?.deallocate()
        attributes.baseAddress?.deallocate()
        text.baseAddress?.deallocate()
        xmlFreeParserCtxt(context)
    }

    /// The root element, if the document has one.
    var root: FeedNode? {
        rootIndex >= 0 ? FeedNode(tree: self, index: rootIndex) : nil
    }

    /// The document's URL as libxml2's tree records it (`xmlPathToURI`), the last resort of `baseURL`.
    fileprivate lazy var documentURI: String? = documentURL.flatMap { url in
        guard let converted = xmlPathToURI(url) else { return nil }
        defer { tributary_xmlFree(converted) }
        return String(cString: converted)
    }

    /// Parses XML bytes in recovery mode with the safe options, building the tree through SAX callbacks.
    ///
    /// - Throws: `ParserError` when the document declares entities or nothing could be read.
    static func parse(_ bytes: UnsafeRawBufferPointer, url: String?) throws(ParserError) -> FeedTree {
        prepareThread()
        if XMLDocument.declaresEntities(bytes) {
            throw ParserError("the document's DOCTYPE declares entities, which are refused for safety")
        }
        guard let context = xmlNewParserCtxt() else { throw ParserError("libxml2 could not allocate a parser") }
        guard let sax = context.pointee.sax else {
            xmlFreeParserCtxt(context)
            throw ParserError("libxml2 could not allocate a parser")
        }
        // Only the callbacks that build the tree are set; everything about DTDs and entities stays unset, so
        // declarations are skipped and nothing external is ever loaded.
        sax.pointee.internalSubset = nil
        sax.pointee.externalSubset = nil
        sax.pointee.isStandalone = nil
        sax.pointee.hasInternalSubset = nil
        sax.pointee.hasExternalSubset = nil
        sax.pointee.resolveEntity = nil
        sax.pointee.getEntity = saxGetEntity
        sax.pointee.getParameterEntity = nil
        sax.pointee.entityDecl = nil
        sax.pointee.notationDecl = nil
        sax.pointee.attributeDecl = nil
        sax.pointee.elementDecl = nil
        sax.pointee.unparsedEntityDecl = nil
        sax.pointee.setDocumentLocator = nil
        sax.pointee.startDocument = saxStartDocument
        sax.pointee.endDocument = nil
        sax.pointee.startElement = nil
        sax.pointee.endElement = nil
        sax.pointee.startElementNs = saxStartElement
        sax.pointee.endElementNs = saxEndElement
        sax.pointee.reference = saxReference
        sax.pointee.characters = saxCharacters
        sax.pointee.ignorableWhitespace = saxCharacters
        sax.pointee.cdataBlock = saxCDATA
        sax.pointee.comment = saxComment
        sax.pointee.processingInstruction = saxProcessingInstruction
        sax.pointee.initialized = UInt32(XML_SAX2_MAGIC)
        var state = FeedTreeBuilder(context: context, documentSize: bytes.count)
        // The bytes are UTF-8 already (DocumentBytes converted them): IGNORE_ENC keeps libxml2 from following the
        // declaration's encoding, without the UTF-8-to-UTF-8 conversion pass that naming "UTF-8" here would cost.
        let options = safeXMLOptions | Int32(XML_PARSE_RECOVER.rawValue | XML_PARSE_IGNORE_ENC.rawValue)
        let base = bytes.baseAddress?.assumingMemoryBound(to: CChar.self)
        withUnsafeMutablePointer(to: &state) { pointer in
            context.pointee.userData = UnsafeMutableRawPointer(pointer)
            // No document comes back: the callbacks built everything into `state`.
            _ = xmlCtxtReadMemory(context, base, Int32(clamping: bytes.count), url, nil, options)
            context.pointee.userData = nil
        }
        var errors = XMLDocument.lastError(context).map { [$0] } ?? []
        if let error = state.error { errors = [error] }
        guard state.started else {
            state.discard()
            xmlFreeParserCtxt(context)
            throw ParserError(errors.first ?? "the document could not be parsed as XML")
        }
        return FeedTree(builder: state, documentURL: url, errors: errors)
    }
}

@available(*, unavailable) extension FeedTree: Sendable {}

/// A node borrowed from a `FeedTree`; valid only while that tree is alive (the reader keeps it alive).
struct FeedNode {
    fileprivate unowned(unsafe) let tree: FeedTree
    fileprivate let index: Int32

    fileprivate init(tree: FeedTree, index: Int32) {
        self.tree = tree
        self.index = index
    }

    private var record: FeedTreeRecord {
        tree.nodes[Int(index)]
    }

    var kind: XMLNode.Kind {
        record.kind
    }

    /// True for element nodes.
    var isElement: Bool {
        record.kind == .element
    }

    /// True for text and CDATA nodes.
    var isText: Bool {
        record.kind == .text || record.kind == .cdata
    }

    /// An identity for the element's namespace, so callers can cache what a namespace means instead of comparing
    /// its URI string on every element (the parser's dictionary gives equal URIs one pointer).
    var namespaceKey: UnsafeRawPointer? {
        record.namespace.map { UnsafeRawPointer($0) }
    }

    /// True when the element has at least one element child.
    var hasElementChildren: Bool {
        var child = record.firstChild
        while child >= 0 {
            let node = tree.nodes[Int(child)]
            if node.kind == .element { return true }
            child = node.next
        }
        return false
    }

    /// True when the local name equals `name`, compared without building a String.
    func hasName(_ name: StaticString) -> Bool {
        guard let own = record.name else { return false }
        return xmlStrEqual(own, name.utf8Start) != 0
    }

    /// The local name (without prefix).
    var name: String {
        record.name.map { String(cString: $0) } ?? ""
    }

    /// The local name in ASCII lower case, built in one pass (element dispatch does this for every element).
    var lowercasedName: String {
        guard let own = record.name else { return "" }
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
        record.namespace.map { String(cString: $0) }
    }

    /// The line the node starts on, for error messages.
    var line: Int {
        Int(record.line)
    }

    /// Child nodes in document order.
    var children: Children {
        Children(tree: tree, first: record.firstChild)
    }

    /// Child elements only.
    var elements: [FeedNode] {
        children.filter { $0.isElement }
    }

    private func withBytes<R>(start: Int, count: Int, _ body: (UnsafeBufferPointer<UInt8>) -> R) -> R {
        body(UnsafeBufferPointer(rebasing: tree.text[start..<start + count]))
    }

    private func string(start: Int, count: Int) -> String {
        withBytes(start: start, count: count) { String(decoding: $0, as: UTF8.self) }
    }

    /// The element's attributes as (name, value) pairs, where `name` keeps an `xml:` prefix.
    var attributePairs: [(name: String, value: String)] {
        let element = record
        guard element.kind == .element, element.count > 0 else { return [] }
        var result: [(name: String, value: String)] = []
        result.reserveCapacity(element.count)
        for attribute in tree.attributes[element.start..<element.start + element.count] {
            var name = String(cString: attribute.name)
            if let prefix = attribute.prefix, attribute.namespace != nil {
                name = String(cString: prefix) + ":" + name
            }
            result.append((name, string(start: attribute.start, count: attribute.count)))
        }
        return result
    }

    /// The value of an attribute without a namespace, or in the given namespace.
    func attribute(_ name: String, namespace: String? = nil) -> String? {
        let element = record
        guard element.kind == .element, element.count > 0 else { return nil }
        for attribute in tree.attributes[element.start..<element.start + element.count] {
            if let namespace {
                guard let own = attribute.namespace, Self.equals(own, namespace) else { continue }
            } else if attribute.namespace != nil {
                continue
            }
            if Self.equals(attribute.name, name) { return string(start: attribute.start, count: attribute.count) }
        }
        return nil
    }

    /// Whether a NUL-terminated name spells `text`.
    private static func equals(_ name: UnsafePointer<UInt8>, _ text: String) -> Bool {
        var offset = 0
        for byte in text.utf8 {
            guard byte != 0, name[offset] == byte else { return false }
            offset += 1
        }
        return name[offset] == 0
    }

    /// Calls `body` with the node's own text bytes (text and CDATA nodes), without copying them; a CDATA node's
    /// placeholder is looked up in `cdata`.
    func withContentBytes<R>(cdata: CDATASections?, _ body: (UnsafeBufferPointer<UInt8>) -> R) -> R {
        let node = record
        switch node.kind {
        case .cdata:
            if let cdata {
                return cdata.withSection(
                    placeholder: tree.text.baseAddress.map { UnsafePointer($0 + node.start) }, body)
            }
            return withBytes(start: node.start, count: node.count, body)
        case .text:
            return withBytes(start: node.start, count: node.count, body)
        default:
            return body(UnsafeBufferPointer(start: nil, count: 0))
        }
    }

    /// Calls `body` with the bytes of the element's only child when that child is text or CDATA (then they are
    /// all of `text(cdata:)`); nil without calling it otherwise.
    func withSoleTextBytes<R>(cdata: CDATASections?, _ body: (UnsafeBufferPointer<UInt8>) -> R?) -> R? {
        let first = record.firstChild
        guard first >= 0 else { return nil }
        let child = FeedNode(tree: tree, index: first)
        let node = child.record
        guard node.next < 0, node.kind == .text || node.kind == .cdata else { return nil }
        return child.withContentBytes(cdata: cdata, body)
    }

    /// The concatenated text of this node and all its descendants, CDATA taken from `cdata` when the document's
    /// sections were taken out before parsing.
    func text(cdata: CDATASections?) -> String {
        let node = record
        if node.kind == .text || node.kind == .cdata {
            return withContentBytes(cdata: cdata) { String(decoding: $0, as: UTF8.self) }
        }
        guard node.kind == .element, node.firstChild >= 0 else { return "" }
        let first = FeedNode(tree: tree, index: node.firstChild)
        if first.record.next < 0 && first.isText {
            return first.withContentBytes(cdata: cdata) { String(decoding: $0, as: UTF8.self) }
        }
        // Descendants in document order, through the parent links (no recursion, no stack).
        var bytes: [UInt8] = []
        var current = node.firstChild
        while current >= 0 {
            let visiting = tree.nodes[Int(current)]
            switch visiting.kind {
            case .text, .cdata:
                FeedNode(tree: tree, index: current).withContentBytes(cdata: cdata) { bytes.append(contentsOf: $0) }
            case .element where visiting.firstChild >= 0:
                current = visiting.firstChild
                continue
            default:
                break
            }
            var climbing = current
            while climbing != index && tree.nodes[Int(climbing)].next < 0 {
                climbing = tree.nodes[Int(climbing)].parent
            }
            current = climbing == index ? -1 : tree.nodes[Int(climbing)].next
        }
        return String(decoding: bytes, as: UTF8.self)
    }

    /// The effective base URL: `xml:base` of this node and its ancestors resolved against the document URL,
    /// as libxml2's `xmlNodeGetBase` computes it.
    var baseURL: String? {
        var base: String?
        var current = index
        while current >= 0 {
            let node = FeedNode(tree: tree, index: current)
            if node.isElement, let own = node.attribute("base", namespace: xmlNamespace) {
                if let inner = base {
                    guard let built = Self.buildURI(inner, against: own) else { return nil }
                    base = built
                } else {
                    base = own
                }
                if let value = base, value.hasPrefix("http://") || value.hasPrefix("ftp://") || value.hasPrefix("urn:")
                {
                    return value
                }
            }
            current = node.record.parent
        }
        guard let document = tree.documentURI else { return base }
        guard let inner = base else { return document }
        return Self.buildURI(inner, against: document)
    }

    private static func buildURI(_ reference: String, against base: String) -> String? {
        guard let built = xmlBuildURI(reference, base) else { return nil }
        defer { tributary_xmlFree(built) }
        return String(cString: built)
    }

    /// Iterates over a node's children without building an array.
    struct Children: Sequence, IteratorProtocol {
        fileprivate unowned(unsafe) let tree: FeedTree
        fileprivate var upcoming: Int32
        private var alone = false

        fileprivate init(tree: FeedTree, first: Int32) {
            self.tree = tree
            upcoming = first
        }

        /// A sequence of just `node`, for walks that start at a node rather than at its children.
        static func single(_ node: FeedNode) -> Children {
            var children = Children(tree: node.tree, first: node.index)
            children.alone = true
            return children
        }

        mutating func next() -> FeedNode? {
            guard upcoming >= 0 else { return nil }
            let current = upcoming
            upcoming = alone ? -1 : tree.nodes[Int(current)].next
            return FeedNode(tree: tree, index: current)
        }
    }
}
