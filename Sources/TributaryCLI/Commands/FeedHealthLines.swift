import Foundation
import Logging
import Tributary
import TributaryCore
import TributaryStore

/// `tributary list --health`: each subscription with what the store knows about its polling.
enum FeedHealthLines {
    /// One tab-separated line per feed: URL, state (`ok`, `failing`, `disabled`, `new`), last HTTP status, failures
    /// in a row, next poll (UTC), last error.
    static func lines(for file: FeedListFile) async throws -> [String] {
        let aggregator = Aggregator(file: file, logger: Pipeline.logger(level: .error))
        var states: [String: FeedState] = [:]
        // No store yet means no feed was fetched; do not create one just to say so.
        if FileManager.default.fileExists(atPath: aggregator.databasePath) {
            do {
                for state in try await aggregator.feedStates() {
                    states[state.url] = state
                }
            } catch {
                throw CommandFailure(error.description, exitCode: ExitStatus.fatal)
            }
        }
        let format = ISO8601DateFormatter()
        return file.feedList.feeds.map { feed in
            guard let state = states[feed.url] else {
                return [feed.url, "new", "-", "0", "-", ""].joined(separator: "\t")
            }
            let condition =
                state.disabledReason != nil ? "disabled" : state.errorCount > 0 ? "failing" : "ok"
            let error = (state.disabledReason ?? state.lastError ?? "").map { $0 == "\t" || $0.isNewline ? " " : $0 }
            return [
                feed.url, condition, state.lastStatus.map(String.init) ?? "-", String(state.errorCount),
                state.nextDue.map { format.string(from: $0) } ?? "-", String(error),
            ].joined(separator: "\t")
        }
    }
}
