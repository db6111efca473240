import ArgumentParser
import Foundation
import Logging
import Synchronization
import Tributary

#if canImport(Glibc)
    import Glibc
#endif

/// `tributary run`: the cron job.
struct RunCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "run",
        abstract: "Fetch the feeds that are due, store and link their entries, and publish the outputs.",
        discussion: """
            Exit codes: 0 all well, 1 fatal (nothing was published), 2 usage or configuration error, \
            3 finished but some feeds failed, 4 another run holds the lock (0 with --quiet).
            """)

    @OptionGroup var options: ConfigOptions

    @Flag(name: .long, help: "Fetch every feed now, due or not.")
    var all = false

    @Flag(name: .long, help: "Print nothing unless something failed (for cron mail).")
    var quiet = false

    @Option(name: .long, help: "Write the run's summary as JSON to this file.")
    var report: String?

    func run() async throws {
        // A file-size limit (ulimit -f) then fails the write with an error we report, instead of killing us.
        signal(SIGXFSZ, SIG_IGN)
        let file = try options.load()
        let terminal = Pipeline.stderrIsTerminal && !quiet
        let logger = Pipeline.logger(level: quiet ? .error : (terminal ? .warning : .info))
        let aggregator = Aggregator(file: file, logger: logger)
        let progress = Progress(bar: terminal)
        let summary: RunSummary
        do {
            summary = try await aggregator.run(all: all) { progress.handle($0) }
        } catch {
            progress.finish()
            throw Pipeline.failure(for: error, quiet: quiet)
        }
        progress.finish()
        if let report {
            try writeReport(summary, to: report)
        }
        if !quiet || summary.failed > 0 {
            if quiet {
                for failure in summary.failures {
                    printError("failed: \(failure.url): \(failure.error)")
                }
            }
            printError("tributary run: \(summary.line)")
        }
        if summary.failed > 0 {
            throw ExitStatus.someFeedsFailed
        }
    }

    private func writeReport(_ summary: RunSummary, to path: String) throws {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
        encoder.dateEncodingStrategy = .iso8601
        do {
            try encoder.encode(summary).write(to: URL(fileURLWithPath: path), options: .atomic)
        } catch {
            throw CommandFailure(
                "cannot write the report \(path): \(error.localizedDescription)", exitCode: ExitStatus.fatal)
        }
    }
}

/// The progress bar on a terminal (feeds done/total, bytes, failures); nothing otherwise, the log lines say it.
final class Progress: Sendable {
    private struct State {
        var total = 0
        var done = 0
        var failed = 0
        var bytes = 0
        var drawn = false
    }

    private let bar: Bool
    private let state = Mutex(State())

    init(bar: Bool) {
        self.bar = bar
    }

    func handle(_ event: RunEvent) {
        guard bar else { return }
        state.withLock { state in
            switch event {
            case .fetching(let total):
                state.total = total
            case .feed(_, let result, let bytes):
                state.done += 1
                state.bytes += bytes
                if case .failed = result {
                    state.failed += 1
                }
            case .moved(let from, let to):
                clear(&state)
                printError("feed moved: \(from) → \(to)")
            case .warning(let text):
                clear(&state)
                printError("warning: \(text)")
            case .linking, .publishing:
                break
            }
            draw(&state, event: event)
        }
    }

    func finish() {
        guard bar else { return }
        state.withLock { clear(&$0) }
    }

    private func draw(_ state: inout State, event: RunEvent) {
        let width = 30
        let filled = state.total == 0 ? width : min(width, state.done * width / max(state.total, 1))
        var line = "[" + String(repeating: "#", count: filled) + String(repeating: " ", count: width - filled) + "]"
        line +=
            " \(state.done)/\(state.total) feeds, \(ByteCountFormatter.string(fromByteCount: Int64(state.bytes), countStyle: .file))"
        line += ", \(state.failed) failed"
        switch event {
        case .linking(let articles):
            line += ", linking \(articles) articles"
        case .publishing:
            line += ", publishing"
        default:
            break
        }
        FileHandle.standardError.write(Data(("\r\u{1B}[K" + line).utf8))
        state.drawn = true
    }

    private func clear(_ state: inout State) {
        if state.drawn {
            FileHandle.standardError.write(Data("\r\u{1B}[K".utf8))
            state.drawn = false
        }
    }
}
