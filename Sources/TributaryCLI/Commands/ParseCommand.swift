import ArgumentParser
import Foundation
import TributaryCore
import TributaryParser

/// `tributary parse`: runs the parser on feed files and prints what it understood.
struct ParseCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "parse",
        abstract: "Show how feed files are understood.",
        discussion: """
            With --format json, prints one JSON object per file, one per line (with a "path" key when several \
            files are given): {"feed": {...}, "entries": [...], "errors": [...]}. Dates are RFC 3339 in UTC; \
            summary and content are sanitised HTML.
            """
    )

    enum OutputFormat: String, ExpressibleByArgument, CaseIterable {
        case json
        case text
    }

    @Option(help: "The URL the document came from, for resolving relative links.")
    var url: String?

    @Option(name: .customLong("content-type"), help: "The HTTP Content-Type the document was served with.")
    var contentType: String?

    @Option(
        help: ArgumentHelp(
            "The HTTP response headers, as a JSON object: Content-Location sets the base URL, Content-Type is "
                + "used when --content-type is not given.", valueName: "json"))
    var headers: String?

    @Option(help: "Output format: json or text.")
    var format: OutputFormat = .text

    @Argument(help: "Feed files to parse (- reads standard input).")
    var files: [String]

    mutating func validate() throws {
        if files.isEmpty { throw ValidationError("Give at least one feed file.") }
    }

    func run() throws {
        let response = try Self.responseHeaders(headers)
        let contentType = contentType.flatMap { $0.isEmpty ? nil : $0 } ?? response["content-type"]
        let requestURL = url.flatMap { $0.isEmpty ? nil : $0 }
        // A Content-Location header names where the body really lives, so relative links resolve against it.
        let documentURL =
            response["content-location"].flatMap { location in
                URL(string: location, relativeTo: requestURL.flatMap(URL.init(string:)))?.absoluteString
            } ?? requestURL
        var failed = false
        var output = FileHandleOutput()
        var writer = JSONDump()
        let reader = FileReader()
        for path in files {
            let feed: ParsedFeed
            if path == "-" {
                let data = FileHandle.standardInput.readDataToEndOfFile()
                feed = FeedParser.parse(data, documentURL: documentURL, contentType: contentType)
            } else {
                let parsed = reader.withContents(of: path) { data in
                    FeedParser.parse(data, documentURL: documentURL ?? defaultURL(for: path), contentType: contentType)
                }
                switch parsed {
                case .success(let value):
                    feed = value
                case .failure(let error):
                    FileHandle.standardError.write(Data("tributary: cannot read \(path): \(error)\n".utf8))
                    failed = true
                    continue
                }
            }
            switch format {
            case .json:
                // Documents collect in the dump's own buffer, written out once it holds 64 KiB.
                writer.write(feed, path: files.count > 1 ? path : nil)
                if writer.bytes.count >= 1 << 16 {
                    FileHandleOutput.emit(writer.bytes.written)
                    writer.clear()
                }
            case .text:
                output.write(Array(TextDump.render(feed, path: path).utf8))
            }
        }
        output.flush()
        FileHandleOutput.emit(writer.bytes.written)
        if failed { throw ExitCode(1) }
    }

    /// For `parse FILE…`: the arguments with only the first file left in, and every file, in order; nil when
    /// the command is not `parse`, there is only one file, or anything could be read two ways.
    ///
    /// ArgumentParser takes quadratic time over a repeating positional argument (it copies the values so far
    /// for each new one): for the 2,000 files of the parse benchmark that costs more than reading some of
    /// them. It still parses the options and the first file, so errors and help are unchanged.
    static func separatingFiles(_ arguments: [String]) -> (arguments: [String], files: [String])? {
        guard arguments.first == "parse" else { return nil }
        let takesValue: Set<String> = ["--url", "--content-type", "--headers", "--format"]
        var kept = ["parse"]
        var files: [String] = []
        var index = 1
        while index < arguments.count {
            let argument = arguments[index]
            if argument == "--" { return nil }
            if argument.hasPrefix("-") && argument != "-" {
                kept.append(argument)
                if takesValue.contains(argument) && index + 1 < arguments.count {
                    kept.append(arguments[index + 1])
                    index += 1
                }
            } else {
                files.append(argument)
            }
            index += 1
        }
        guard files.count > 1 else { return nil }
        return (kept + [files[0]], files)
    }

    /// The `--headers` JSON object with lower-cased names; string values only.
    static func responseHeaders(_ json: String?) throws -> [String: String] {
        guard let json, !json.isEmpty else { return [:] }
        guard let object = try? JSONSerialization.jsonObject(with: Data(json.utf8)) as? [String: Any] else {
            throw ValidationError("--headers takes a JSON object of header names and values")
        }
        var headers: [String: String] = [:]
        for (name, value) in object {
            if let text = value as? String { headers[name.lowercased()] = text }
        }
        return headers
    }

    /// Without --url, relative links are resolved against the file itself. (`isDirectory: false` spares a
    /// stat per file: a feed is never a folder.)
    private func defaultURL(for path: String) -> String? {
        path == "-" ? nil : URL(fileURLWithPath: path, isDirectory: false).absoluteString
    }
}

/// Reads files into one buffer that every file reuses: thousands of feeds through one process would otherwise
/// each get fresh memory, which the kernel has to hand out and zero page by page.
private final class FileReader {
    private var buffer: UnsafeMutableRawBufferPointer = .allocate(byteCount: 1 << 16, alignment: 16)

    deinit {
        buffer.deallocate()
    }

    /// Calls `body` with the file's bytes, valid only during the call (the next file overwrites them).
    func withContents<R>(of path: String, _ body: (Data) -> R) -> Result<R, ReadError> {
        let descriptor = open(path, O_RDONLY | O_CLOEXEC)
        guard descriptor >= 0 else { return .failure(ReadError(code: errno)) }
        defer { close(descriptor) }
        var status = stat()
        guard fstat(descriptor, &status) == 0 else { return .failure(ReadError(code: errno)) }
        guard status.st_mode & S_IFMT != S_IFDIR else { return .failure(ReadError(code: EISDIR)) }
        var length = 0
        // Regular files say their size; anything else (a pipe) is read until it ends.
        var wanted = max(Int(status.st_size), 1 << 12)
        while true {
            if length + wanted > buffer.count {
                let grown = UnsafeMutableRawBufferPointer.allocate(
                    byteCount: max(buffer.count * 2, length + wanted), alignment: 16)
                grown.copyMemory(from: UnsafeRawBufferPointer(rebasing: buffer[..<length]))
                buffer.deallocate()
                buffer = grown
            }
            let got = read(descriptor, buffer.baseAddress.map { $0 + length }, buffer.count - length)
            if got < 0 {
                if errno == EINTR { continue }
                return .failure(ReadError(code: errno))
            }
            if got == 0 { break }
            length += got
            wanted = 1 << 12
        }
        guard let base = buffer.baseAddress, length > 0 else { return .success(body(Data())) }
        return .success(body(Data(bytesNoCopy: base, count: length, deallocator: .none)))
    }

    struct ReadError: Error, CustomStringConvertible {
        let code: Int32
        var description: String { String(cString: strerror(code)) }
    }
}

/// Buffered standard output: the benchmark feeds thousands of files through one process.
private struct FileHandleOutput {
    private var buffer: [UInt8] = []

    mutating func write(_ bytes: [UInt8]) {
        buffer.append(contentsOf: bytes)
        if buffer.count > 1 << 16 { flush() }
    }

    mutating func flush() {
        buffer.withUnsafeBufferPointer { Self.emit($0) }
        buffer.removeAll(keepingCapacity: true)
    }

    /// Writes `bytes` to standard output without copying them first.
    static func emit(_ bytes: UnsafeBufferPointer<UInt8>) {
        guard let base = bytes.baseAddress, !bytes.isEmpty else { return }
        FileHandle.standardOutput.write(
            Data(bytesNoCopy: UnsafeMutableRawPointer(mutating: base), count: bytes.count, deallocator: .none))
    }
}

/// The dump's output bytes. Written a few bytes at a time (keys, quotes, runs of text) for every field of every
/// entry: an array's uniqueness and capacity checks per piece cost more than the copying.
///
/// The same shape as TributaryParser's `ByteBuffer`, kept apart on purpose: shared from TributaryCore, its appends
/// are no longer inlined into the callers and its fields go through dynamic exclusivity checks, and
/// `tributary parse` over the bench corpus took 1.0-1.5 s of CPU instead of 0.9 s (tried and measured).
final class JSONBytes {
    private var storage: UnsafeMutablePointer<UInt8>
    private var capacity = 1 << 17
    private(set) var count = 0

    init() {
        storage = .allocate(capacity: capacity)
    }

    deinit {
        storage.deallocate()
    }

    /// The bytes so far; valid until the next append.
    var written: UnsafeBufferPointer<UInt8> {
        UnsafeBufferPointer(start: storage, count: count)
    }

    @inline(__always)
    private func reserve(_ extra: Int) {
        guard count + extra > capacity else { return }
        var larger = capacity * 2
        while larger < count + extra { larger *= 2 }
        let moved = UnsafeMutablePointer<UInt8>.allocate(capacity: larger)
        moved.update(from: storage, count: count)
        storage.deallocate()
        storage = moved
        capacity = larger
    }

    @inline(__always)
    func append(_ byte: UInt8) {
        reserve(1)
        storage[count] = byte
        count += 1
    }

    @inline(__always)
    func append(contentsOf bytes: UnsafeBufferPointer<UInt8>) {
        guard let source = bytes.baseAddress, !bytes.isEmpty else { return }
        reserve(bytes.count)
        (storage + count).update(from: source, count: bytes.count)
        count += bytes.count
    }

    func append<Bytes: Sequence<UInt8>>(contentsOf bytes: Bytes) {
        for byte in bytes { append(byte) }
    }

    func removeAll() {
        count = 0
    }
}

/// The dump contract of DESIGN.md, written by hand: field order is fixed and nothing is pretty-printed.
struct JSONDump {
    let bytes = JSONBytes()

    /// Forgets what was written, keeping the buffer for the next document.
    mutating func clear() {
        bytes.removeAll()
    }

    mutating func write(_ feed: ParsedFeed, path: String?) {
        raw("{")
        if let path {
            key("path")
            string(path)
            raw(",")
        }
        key("feed")
        raw("{")
        var first = true
        field("title", feed.info.title, &first)
        field("link", feed.info.link, &first)
        links("links", feed.info.links, &first)
        field("subtitle", feed.info.subtitle, &first)
        field("id", feed.info.id, &first)
        date("updated", feed.info.updated, &first)
        date("published", feed.info.published, &first)
        people("authors", feed.info.authors, &first)
        categories(feed.info.categories, &first)
        raw("},")
        key("entries")
        raw("[")
        for (index, article) in feed.articles.enumerated() {
            if index > 0 { raw(",") }
            entry(article)
        }
        raw("],")
        key("errors")
        raw("[")
        for (index, error) in feed.errors.enumerated() {
            if index > 0 { raw(",") }
            string(error)
        }
        raw("]}\n")
    }

    private mutating func entry(_ article: Article) {
        raw("{")
        var first = true
        field("id", article.id, &first)
        field("title", article.title, &first)
        field("link", article.link, &first)
        links("links", article.links, &first)
        people("authors", article.authors, &first)
        date("published", article.published, &first)
        date("updated", article.updated, &first)
        field("summary", article.summary, &first)
        field("content", article.content, &first)
        categories(article.categories, &first)
        separator(&first)
        key("enclosures")
        raw("[")
        for (index, enclosure) in article.enclosures.enumerated() {
            if index > 0 { raw(",") }
            raw("{")
            var inner = true
            field("href", enclosure.href, &inner)
            field("type", enclosure.type, &inner)
            number("length", enclosure.length, &inner)
            raw("}")
        }
        raw("]")
        if let source = article.source {
            separator(&first)
            key("source")
            raw("{")
            var inner = true
            field("title", source.title, &inner)
            field("link", source.link, &inner)
            field("id", source.id, &inner)
            date("updated", source.updated, &inner)
            links("links", source.links, &inner)
            people("authors", source.authors, &inner)
            raw("}")
        }
        raw("}")
    }

    private mutating func links(_ name: StaticString, _ links: [Link], _ first: inout Bool) {
        separator(&first)
        key(name)
        raw("[")
        for (index, link) in links.enumerated() {
            if index > 0 { raw(",") }
            raw("{")
            var inner = true
            field("href", link.href, &inner)
            field("rel", link.rel, &inner)
            field("type", link.type, &inner)
            number("length", link.length, &inner)
            field("title", link.title, &inner)
            raw("}")
        }
        raw("]")
    }

    private mutating func people(_ name: StaticString, _ people: [Person], _ first: inout Bool) {
        separator(&first)
        key(name)
        raw("[")
        for (index, person) in people.enumerated() {
            if index > 0 { raw(",") }
            raw("{")
            var inner = true
            field("name", person.name, &inner)
            field("email", person.email, &inner)
            field("uri", person.uri, &inner)
            raw("}")
        }
        raw("]")
    }

    private mutating func categories(_ categories: [TributaryCore.Category], _ first: inout Bool) {
        separator(&first)
        key("categories")
        raw("[")
        for (index, category) in categories.enumerated() {
            if index > 0 { raw(",") }
            raw("{")
            var inner = true
            field("term", category.term, &inner)
            field("scheme", category.scheme, &inner)
            field("label", category.label, &inner)
            raw("}")
        }
        raw("]")
    }

    private mutating func field(_ name: StaticString, _ value: String?, _ first: inout Bool) {
        guard let value else { return }
        separator(&first)
        key(name)
        string(value)
    }

    private mutating func number(_ name: StaticString, _ value: Int64?, _ first: inout Bool) {
        guard let value else { return }
        separator(&first)
        key(name)
        digits(value)
    }

    private mutating func date(_ name: StaticString, _ value: Date?, _ first: inout Bool) {
        guard let value else { return }
        separator(&first)
        key(name)
        let (days, second) = CivilCalendar.split(value)
        let (year, month, day) = CivilCalendar.date(days: days)
        guard (0...9999).contains(year) else {
            string(CivilCalendar.rfc3339(value))
            return
        }
        // 2026-11-29T19:26:51Z, written digit by digit: every entry has a date or two.
        bytes.append(UInt8(ascii: "\""))
        padded(year, 4)
        bytes.append(UInt8(ascii: "-"))
        padded(month, 2)
        bytes.append(UInt8(ascii: "-"))
        padded(day, 2)
        bytes.append(UInt8(ascii: "T"))
        padded(second / 3_600, 2)
        bytes.append(UInt8(ascii: ":"))
        padded(second / 60 % 60, 2)
        bytes.append(UInt8(ascii: ":"))
        padded(second % 60, 2)
        raw("Z\"")
    }

    private mutating func padded(_ value: Int, _ width: Int) {
        var divisor = 1
        for _ in 1..<width { divisor *= 10 }
        var rest = value
        while divisor > 0 {
            bytes.append(UInt8(ascii: "0") + UInt8(rest / divisor))
            rest %= divisor
            divisor /= 10
        }
    }

    private mutating func digits(_ value: Int64) {
        bytes.append(contentsOf: String(value).utf8)
    }

    private mutating func separator(_ first: inout Bool) {
        if !first { raw(",") }
        first = false
    }

    private mutating func key(_ name: StaticString) {
        bytes.append(UInt8(ascii: "\""))
        raw(name)
        bytes.append(UInt8(ascii: "\""))
        bytes.append(UInt8(ascii: ":"))
    }

    private mutating func raw(_ text: StaticString) {
        bytes.append(contentsOf: UnsafeBufferPointer(start: text.utf8Start, count: text.utf8CodeUnitCount))
    }

    private mutating func string(_ text: String) {
        bytes.append(UInt8(ascii: "\""))
        // Native strings lend their bytes in place; only a bridged one needs a copy first.
        if text.utf8.withContiguousStorageIfAvailable({ escape($0) }) == nil {
            var copy = text
            copy.withUTF8 { escape($0) }
        }
        bytes.append(UInt8(ascii: "\""))
    }

    private mutating func escape(_ utf8: UnsafeBufferPointer<UInt8>) {
        var start = 0
        var index = 0
        let count = utf8.count
        let raw = UnsafeRawPointer(utf8.baseAddress)
        while index < count {
            // Eight bytes at a time while none needs escaping (no control byte, quote or backslash).
            if let raw {
                while index + 8 <= count {
                    let word = UInt64(littleEndian: raw.loadUnaligned(fromByteOffset: index, as: UInt64.self))
                    if needsEscape(word) { break }
                    index += 8
                }
                if index >= count { break }
            }
            let byte = utf8[index]
            index += 1
            guard byte < 0x20 || byte == UInt8(ascii: "\"") || byte == UInt8(ascii: "\\") else { continue }
            bytes.append(contentsOf: UnsafeBufferPointer(rebasing: utf8[start..<index - 1]))
            switch byte {
            case UInt8(ascii: "\""), UInt8(ascii: "\\"):
                bytes.append(0x5C)
                bytes.append(byte)
            case 0x0A:
                bytes.append(0x5C)
                bytes.append(UInt8(ascii: "n"))
            case 0x0D:
                bytes.append(0x5C)
                bytes.append(UInt8(ascii: "r"))
            case 0x09:
                bytes.append(0x5C)
                bytes.append(UInt8(ascii: "t"))
            default:
                let hex = Array("0123456789abcdef".utf8)
                bytes.append(contentsOf: [
                    0x5C, UInt8(ascii: "u"), 0x30, 0x30, hex[Int(byte >> 4)], hex[Int(byte & 0xF)],
                ])
            }
            start = index
        }
        bytes.append(contentsOf: UnsafeBufferPointer(rebasing: utf8[start..<count]))
    }
}

/// Whether any byte of `word` is a control byte, `"` or `\` (SWAR tests).
@inline(__always)
private func needsEscape(_ word: UInt64) -> Bool {
    let ones: UInt64 = 0x0101_0101_0101_0101
    let highs: UInt64 = 0x8080_8080_8080_8080
    // The three tests are ORed and checked once: one branch per word.
    func zeroBytes(_ value: UInt64) -> UInt64 { (value &- ones) & ~value & highs }
    let control = (word &- ones &* 0x20) & ~word & highs
    return control | zeroBytes(word ^ (ones &* 0x22)) | zeroBytes(word ^ (ones &* 0x5C)) != 0
}

/// A short readable summary for people.
enum TextDump {
    static func render(_ feed: ParsedFeed, path: String) -> String {
        var lines: [String] = []
        lines.append("\(path): \(feed.format.isEmpty ? "unknown format" : feed.format)")
        lines.append("  title:    \(feed.info.title ?? "(none)")")
        if let link = feed.info.link { lines.append("  link:     \(link)") }
        if let updated = feed.info.updated { lines.append("  updated:  \(CivilCalendar.rfc3339(updated))") }
        lines.append("  entries:  \(feed.articles.count)")
        for article in feed.articles {
            let date = (article.published ?? article.updated).map(CivilCalendar.rfc3339) ?? "no date"
            lines.append("  - \(date)  \(article.title ?? "(untitled)")")
            if let link = article.link { lines.append("      \(link)") }
        }
        for error in feed.errors { lines.append("  error: \(error)") }
        return lines.joined(separator: "\n") + "\n"
    }
}
