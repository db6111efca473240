import Foundation
import Synchronization
import TributaryCore
import TributaryLinker
import TributaryStore

/// Links a run's new articles as the store takes them, on a task of its own, while the fetch goes on.
///
/// The replay (`Aggregator.link`) reads the window back in first-seen order, ties by id, and adds every article to a
/// fresh linker. A run stores its new articles in exactly that order: batches one after another, each first seen
/// later than the one before, with ids that only grow. So a linker fed the window as it stood before the run, then
/// every stored batch as it commits, makes the very decisions the replay would make, and the linking is done when
/// the last feed is. Whatever breaks that order (an entry edited in place, a feed re-keyed or moved, a clock that
/// stepped back) makes the run drop the stream and replay instead.
final class LinkStream: Sendable {
    /// The window and the new articles in the order they were added, with the linker's decision for each.
    struct Linked: Sendable {
        var articles: [LinkCandidate]
        var decisions: [LinkDecision]
    }

    private let continuation: AsyncStream<[LinkCandidate]>.Continuation
    private let task: Task<Linked?, Never>

    /// Starts linking. `firstNewID` is the id of the run's first new article: the window read from the store keeps
    /// only older articles, since the new ones arrive through `add`, in order.
    init(
        store: any FeedStore, since: Date, firstNewID: Int64, settings: LinkSettings, priorities: [String: Int]
    ) {
        let (stream, continuation) = AsyncStream.makeStream(of: [LinkCandidate].self)
        self.continuation = continuation
        task = Task {
            guard let window = try? await store.linkCandidates(firstSeenSince: since) else { return nil }
            var articles = window.filter { $0.id < firstNewID }
            var linker = Linker(settings: settings)
            // In slices, so a long window does not hold one of the pool's threads the whole time.
            var start = 0
            while start < articles.count, !Task.isCancelled {
                let end = min(start + 1_000, articles.count)
                linker.add(
                    articles[start..<end].map { Aggregator.linkInput($0, priority: priorities[$0.feedURL] ?? 0) })
                start = end
                await Task.yield()
            }
            var inOrder = true
            for await batch in stream where inOrder && !Task.isCancelled {
                if let first = batch.first, let last = articles.last, first.firstSeen < last.firstSeen {
                    inOrder = false
                    continue
                }
                linker.add(batch.map { Aggregator.linkInput($0, priority: priorities[$0.feedURL] ?? 0) })
                articles += batch
            }
            guard inOrder, !Task.isCancelled else { return nil }
            return Linked(articles: articles, decisions: linker.finish())
        }
    }

    /// Hands over the articles of one stored batch, in the order the store gave them ids.
    func add(_ batch: [LinkCandidate]) {
        continuation.yield(batch)
    }

    /// The decisions for the window and every article added; nil when the stream could not keep the replay's order
    /// or the window could not be read (the caller then replays).
    func finish() async -> Linked? {
        continuation.finish()
        return await task.value
    }

    /// Stops linking; the result is not wanted.
    func abandon() {
        continuation.finish()
        task.cancel()
    }
}

/// Takes each stored batch's results as the batch commits and hands its new articles to a `LinkStream`, started
/// with the first of them, or gives the stream up for a replay when a batch stored what a stream cannot follow (an
/// entry edited in place, a feed re-keyed).
///
/// The store's batches call it themselves, one after another, so the linker gets a batch as soon as it is stored,
/// not when the run gets round to accounting for it.
final class LinkFeed: Sendable {
    private struct State {
        var stream: LinkStream?
        var mustReplay = false
    }

    private let state = Mutex(State())
    private let store: any FeedStore
    private let since: Date
    private let settings: LinkSettings
    private let priorities: [String: Int]

    /// - Parameter since: the link window's start, anchored at the run's start.
    init(store: any FeedStore, since: Date, settings: LinkSettings, priorities: [String: Int]) {
        self.store = store
        self.since = since
        self.settings = settings
        self.priorities = priorities
    }

    /// The results of one stored batch, in the order the batches committed.
    func take(_ results: [IngestResult]) {
        state.withLock { state in
            guard !state.mustReplay else { return }
            if results.contains(where: { !$0.updatedArticles.isEmpty || $0.switchedToLinkKeys }) {
                state.mustReplay = true
                state.stream?.abandon()
                state.stream = nil
                return
            }
            let candidates = results.flatMap(\.newCandidates)
            guard let first = candidates.first else { return }
            if state.stream == nil {
                state.stream = LinkStream(
                    store: store, since: since, firstNewID: first.id, settings: settings, priorities: priorities)
            }
            state.stream?.add(candidates)
        }
    }

    /// True when something was stored that the stream could not follow: the run then replays the window.
    var mustReplay: Bool { state.withLock { $0.mustReplay } }

    /// The stream, if a batch started one and it was not given up.
    var stream: LinkStream? { state.withLock { $0.stream } }

    /// Stops the stream, if any; its result is not wanted.
    func abandon() {
        state.withLock { state in
            state.stream?.abandon()
            state.stream = nil
        }
    }
}
