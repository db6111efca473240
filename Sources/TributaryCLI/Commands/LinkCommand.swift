import ArgumentParser
import Foundation
import TributaryCore
import TributaryLinker

/// `tributary link`: runs the linker's duplicate, story and related levels over articles given as JSON lines.
///
/// This is the same `Linker` that `tributary run` uses, fed from a file instead of the store, so the linking data
/// in `shared/linking/` scores exactly what the product does.
struct LinkCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "link",
        abstract: "Link articles given as JSON lines: duplicates, stories and related stories.",
        discussion: """
            Each input line is a JSON object with "id" and any of "title", "summary", "link", "canonical_link", \
            "source", "published" (ISO 8601), "first_seen" and "priority". Each output line is \
            {"id", "story", "duplicate_of", "related"} (plus "reasons" with --explain), in input order.
            """
    )

    @Option(help: "Output format (only jsonl).")
    var format: String = "jsonl"

    @Option(name: .customLong("param"), help: "A linker parameter as name=value (repeatable), as in feeds.json's link.")
    var parameters: [String] = []

    @Option(help: "Related stories listed per story.")
    var related: Int = 5

    @Flag(help: "Add the rule and score of every merge to each line.")
    var explain = false

    @Argument(help: "The JSON-lines file of articles ('-' for standard input).")
    var file: String

    func validate() throws {
        guard format == "jsonl" else { throw ValidationError("--format supports only jsonl") }
        for parameter in parameters {
            let parts = parameter.split(separator: "=", maxSplits: 1)
            guard parts.count == 2, Double(parts[1]) != nil else {
                throw ValidationError("--param takes name=number, got '\(parameter)'")
            }
            guard Linker.parameterNames.contains(String(parts[0])) else {
                throw ValidationError(
                    "unknown linker parameter '\(parts[0])'; known: \(Linker.parameterNames.joined(separator: ", "))")
            }
        }
    }

    func run() throws {
        let data: Data
        do {
            data =
                file == "-"
                ? FileHandle.standardInput.readDataToEndOfFile() : try Data(contentsOf: URL(fileURLWithPath: file))
        } catch {
            throw ValidationError("cannot read \(file): \(error.localizedDescription)")
        }
        var values: [String: Double] = [:]
        for parameter in parameters {
            let parts = parameter.split(separator: "=", maxSplits: 1)
            if parts.count == 2, let value = Double(parts[1]) { values[String(parts[0])] = value }
        }
        let articles = try Self.readArticles(data)
        var linker = Linker(settings: LinkSettings(enabled: true, related: related, parameters: values))
        linker.add(articles)
        let decisions = linker.finish()
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.withoutEscapingSlashes, .sortedKeys]
        var output = Data()
        output.reserveCapacity(decisions.count * 96)
        for decision in decisions {
            output.append(try encoder.encode(OutputLine(decision, explain: explain)))
            output.append(0x0A)
        }
        FileHandle.standardOutput.write(output)
    }

    static func readArticles(_ data: Data) throws -> [LinkInput] {
        let decoder = JSONDecoder()
        var articles: [LinkInput] = []
        var lineNumber = 0
        // Line bounds from one scan of the bytes: `Data.split` spent longer than the linker on a 31k-line file.
        let bytes = [UInt8](data)
        var bounds: [Range<Int>] = []
        var lineStart = 0
        for index in bytes.indices where bytes[index] == 0x0A {
            bounds.append(lineStart..<index)
            lineStart = index + 1
        }
        bounds.append(lineStart..<bytes.count)
        for range in bounds {
            lineNumber += 1
            let line = bytes[range]
            guard line.contains(where: { $0 != 0x20 && $0 != 0x09 && $0 != 0x0D }) else { continue }
            let row: InputLine
            do {
                row = try decoder.decode(InputLine.self, from: Data(line))
            } catch {
                throw ValidationError("line \(lineNumber): not an article object (\(error))")
            }
            articles.append(
                LinkInput(
                    id: row.id, title: row.title, summary: row.summary, link: row.link.nonEmpty,
                    canonicalLink: row.canonicalLink.nonEmpty, source: row.source.nonEmpty,
                    published: row.published.flatMap(parseDate), firstSeen: row.firstSeen.flatMap(parseDate),
                    priority: row.priority ?? 0))
        }
        return articles
    }

    /// ISO 8601 with or without fractional seconds, or a bare date; anything else counts as no date.
    static func parseDate(_ text: String) -> Date? {
        let trimmed = text.trimmingCharacters(in: .whitespaces)
        guard !trimmed.isEmpty else { return nil }
        if let date = try? Date(trimmed, strategy: .iso8601) { return date }
        if let date = try? Date(trimmed, strategy: Date.ISO8601FormatStyle(includingFractionalSeconds: true)) {
            return date
        }
        if let date = try? Date(trimmed, strategy: Date.ISO8601FormatStyle().year().month().day()) { return date }
        return nil
    }
}

private struct InputLine: Decodable {
    var id: String
    var title: String?
    var summary: String?
    var link: String?
    var canonicalLink: String?
    var source: String?
    var published: String?
    var firstSeen: String?
    var priority: Int?

    enum CodingKeys: String, CodingKey {
        case id, title, summary, link, source, published, priority
        case canonicalLink = "canonical_link"
        case firstSeen = "first_seen"
    }
}

private struct OutputLine: Encodable {
    var decision: LinkDecision
    var explain: Bool

    init(_ decision: LinkDecision, explain: Bool) {
        self.decision = decision
        self.explain = explain
    }

    enum CodingKeys: String, CodingKey {
        case id, story, related, reasons
        case duplicateOf = "duplicate_of"
    }

    func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(decision.id, forKey: .id)
        try container.encode(decision.story, forKey: .story)
        try container.encode(decision.duplicateOf, forKey: .duplicateOf)
        try container.encode(decision.related, forKey: .related)
        if explain { try container.encode(decision.reasons, forKey: .reasons) }
    }
}

extension Optional where Wrapped == String {
    fileprivate var nonEmpty: String? {
        guard let value = self, !value.isEmpty else { return nil }
        return value
    }
}
