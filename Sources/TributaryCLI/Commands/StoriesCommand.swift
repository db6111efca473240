import ArgumentParser
import Foundation
import Logging
import Tributary
import TributaryCore
import TributaryStore

/// `tributary stories`: the current story groups, and why the linker formed them.
struct StoriesCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "stories", abstract: "Show the story groups of recent articles, and why they were grouped.")

    @OptionGroup var options: ConfigOptions

    @Option(name: .long, help: "How far back: a number with s, m, h or d (default 24h).")
    var since = "24h"

    @Flag(name: .long, help: "Show the rule and score that placed each article.")
    var explain = false

    @Flag(name: .long, help: "Also list stories with a single article.")
    var all = false

    func validate() throws {
        guard Self.seconds(since) != nil else {
            throw ValidationError("--since takes a number with s, m, h or d, such as 24h or 7d")
        }
    }

    func run() async throws {
        let file = try options.load()
        let window = Self.seconds(since) ?? 86_400
        let logger = Pipeline.logger(level: .warning)
        let views: [Aggregator.StoryView]
        do {
            views = try await Aggregator(file: file, logger: logger).stories(since: Date().addingTimeInterval(-window))
        } catch {
            throw Pipeline.failure(for: error, quiet: false)
        }
        var text = ""
        var shown = 0
        for view in views where all || view.articles.count > 1 {
            shown += 1
            text += "\(view.story.title ?? "(untitled)")  [story \(view.story.id), \(view.articles.count) articles]\n"
            for stored in view.articles {
                let marker = stored.duplicateOf.map { "  = copy of \($0)" } ?? ""
                text += "  - \(stored.article.title ?? "(untitled)")  <\(stored.article.link ?? stored.feedURL)>"
                text += "  (\(stored.feedURL), article \(stored.id))\(marker)\n"
                if explain {
                    for reason in stored.reasons {
                        text += "      because \(reason)\n"
                    }
                }
            }
            for related in view.related {
                text += "  related: \(related.title ?? "(untitled)")  [story \(related.id)]\n"
            }
            text += "\n"
        }
        text += "\(shown) stories since \(since)\n"
        FileHandle.standardOutput.write(Data(text.utf8))
    }

    /// `90s`, `15m`, `24h`, `7d`, or plain seconds.
    static func seconds(_ text: String) -> Double? {
        let units: [Character: Double] = ["s": 1, "m": 60, "h": 3600, "d": 86_400]
        guard let last = text.last else { return nil }
        if let unit = units[last], let value = Double(text.dropLast()), value >= 0 {
            return value * unit
        }
        return Double(text).flatMap { $0 >= 0 ? $0 : nil }
    }
}
