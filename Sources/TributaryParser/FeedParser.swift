public import Foundation
public import TributaryCore

/// Reads any feed document (RSS 0.9x/1.0/2.0, Atom 0.3/1.0, JSON Feed 1.0/1.1) into the article model.
public enum FeedParser {
    /// Documents larger than this are refused outright; the fetcher caps bodies well below it.
    static let maximumDocumentSize = 256 * 1024 * 1024

    /// Never throws: a broken document yields what could be recovered plus `errors`.
    ///
    /// - Parameters:
    ///   - documentURL: where the document came from; relative URLs are resolved against it.
    ///   - contentType: the HTTP `Content-Type`, whose charset outranks the XML declaration.
    public static func parse(_ data: Data, documentURL: String?, contentType: String?) -> ParsedFeed {
        guard data.count <= maximumDocumentSize else {
            return ParsedFeed(errors: ["the document is larger than \(maximumDocumentSize) bytes and was refused"])
        }
        if looksLikeJSON(data, contentType: contentType) {
            return JSONFeedReader.parse(data, documentURL: documentURL)
        }
        return data.withUnsafeBytes { raw in parseXML(raw, documentURL: documentURL, contentType: contentType) }
    }

    private static func parseXML(
        _ raw: UnsafeRawBufferPointer, documentURL: String?, contentType: String?
    )
        -> ParsedFeed
    {
        let prepared = DocumentBytes.prepare(raw, contentType: contentType, extractingCDATA: true)
        var errors = prepared.errors
        if let problem = contentTypeProblem(contentType) { errors.append(problem) }
        let result: Result<FeedTree, ParserError> = prepared.withBytes(of: raw) { bytes in
            Result { () throws(ParserError) -> FeedTree in
                try FeedTree.parse(bytes, url: documentURL)
            }
        }
        let document: FeedTree
        switch result {
        case .success(let parsed):
            document = parsed
        case .failure(let error):
            return ParsedFeed(errors: errors + [error.description])
        }
        errors += document.errors
        guard let root = document.root else {
            return ParsedFeed(errors: errors + ["the document has no root element"])
        }
        var reader = XMLFeedReader(documentURL: documentURL ?? "", cdata: prepared.cdata)
        var feed = withExtendedLifetime(document) { reader.read(root) }
        feed.errors = errors + feed.errors
        return feed
    }

    private static func looksLikeJSON(_ data: Data, contentType: String?) -> Bool {
        if let contentType, contentType.containsASCII("json") { return true }
        for byte in data.prefix(64) {
            switch byte {
            case 0x20, 0x09, 0x0A, 0x0D, 0xEF, 0xBB, 0xBF: continue
            case UInt8(ascii: "{"): return true
            default: return false
            }
        }
        return false
    }

    /// A document served as something other than XML is suspect even when it parses (feedparser's "bozo").
    private static func contentTypeProblem(_ contentType: String?) -> String? {
        guard let contentType, !contentType.isEmpty else { return nil }
        let media = contentType.split(separator: ";").first.map { $0.trimmedASCII() } ?? ""
        if media.containsASCII("xml") || media.containsASCII("rss") || media.containsASCII("atom")
            || media.containsASCII("rdf") || media.lowercased() == "application/octet-stream"
        {
            return nil
        }
        return "the document was served as \(media), not as XML"
    }
}
