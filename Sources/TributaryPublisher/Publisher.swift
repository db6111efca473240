public import Foundation
public import Logging
import TributaryCore

/// Writes the outputs: the merged Atom feed (with RFC 5005 archives when configured), RSS 2.0, JSON Feed 1.1,
/// the HTML page and the OPML list of subscriptions, then announces a changed feed to the WebSub hub.
///
/// Output is a function of the input alone (no clock, no randomness, no dictionary order), so the same store
/// yields the same bytes, and files whose bytes did not change are not touched.
public struct Publisher: Sendable {
    private let logger: Logger?

    /// - Parameter logger: where to say what was written; label it `tributary.publisher`.
    public init(logger: Logger? = nil) {
        self.logger = logger
    }

    /// Renders every configured output from `input` and writes it under `directory`.
    ///
    /// A WebSub hub that cannot be reached is not an error: it is reported in `PublishReport.hubPing`.
    /// - Throws: `PublishError` when an output name is unusable, the HTML template cannot be used, or a file cannot
    ///   be written. Files already replaced stay replaced; the one that failed keeps its old bytes.
    /// - Returns: which files were written and which were already up to date.
    public func publish(_ input: PublishInput, to directory: URL) async throws(PublishError) -> PublishReport {
        let output = input.output
        let meta = FeedMeta(site: input.site, output: output)
        let prepared = await EntryPreparation.prepare(
            input.entries, width: Parallel.width(for: input.entries.count))
        let limit = max(0, output.entries)
        var current = prepared.prefix(limit)
        var files: [(path: String, bytes: [UInt8])] = []

        let atomPath = try Self.checkedPath(output.atom, key: "atom")
        var history: AtomWriter.History?
        if let atomPath, let size = output.archive, size > 0 {
            let archive = try Archive.plan(
                prepared, current: limit, pageSize: size, atomPath: atomPath, directory: directory, meta: meta)
            current = archive.current[...]
            history = AtomWriter.History(
                previousArchive: archive.newestPageURL, isArchive: false, current: nil, selfURL: nil)
            files.append(contentsOf: archive.newPages)
            if let manifest = archive.manifest { files.append(manifest) }
        }
        let rssPath = try Self.checkedPath(output.rss, key: "rss")
        let jsonPath = try Self.checkedPath(output.jsonFeed, key: "jsonFeed")
        let opmlPath = try Self.checkedPath(output.opml, key: "opml")
        let htmlPath = try Self.checkedPath(output.html, key: "html")
        var renderer: HTMLRenderer?
        var feeds: [String: String] = [:]
        if let htmlPath {
            let templatePath = output.template.map { path in
                path.hasPrefix("/")
                    ? path
                    : (input.configDirectory ?? URL(fileURLWithPath: FileManager.default.currentDirectoryPath))
                        .appendingPathComponent(path).path
            }
            renderer = try HTMLRenderer(templatePath: templatePath)
            let others: [(String, String?, String?)] = [
                ("atom", output.atom, meta.atomURL), ("rss", output.rss, meta.rssURL),
                ("json", output.jsonFeed, meta.jsonURL), ("opml", output.opml, nil),
            ]
            for (key, path, url) in others {
                guard let path else { continue }
                feeds[key] = url ?? Self.relative(path, from: htmlPath)
            }
        }

        // The formats are rendered at the same time (each is a function of its own input alone, so the bytes do
        // not depend on which finishes first); the HTML page, the slowest, starts first.
        let updated = Self.updated(current, fallback: input.feedListModified)
        let entries = current
        async let html = renderer.map { $0.render(meta: meta, entries: entries, updated: updated, feeds: feeds) }
        async let rss = rssPath.map { _ in RSSWriter.document(meta: meta, entries: entries, updated: updated) }
        async let json = jsonPath.map { _ in JSONFeedWriter.document(meta: meta, entries: entries) }
        let subscriptions = input.subscriptions
        let feedListModified = input.feedListModified
        async let opml = opmlPath.map { _ in
            Array(
                OPMLWriter.document(title: meta.title, subscriptions: subscriptions, dateCreated: feedListModified)
                    .utf8)
        }
        if let atomPath {
            let document = await AtomWriter.document(
                meta: meta, entries: current, updated: updated, history: history,
                width: Parallel.width(for: current.count))
            files.append((atomPath, document))
        }
        if let rssPath, let rss = await rss { files.append((rssPath, rss)) }
        if let jsonPath, let json = await json { files.append((jsonPath, json)) }
        if let opmlPath, let opml = await opml { files.append((opmlPath, opml)) }
        if let htmlPath, let html = await html { files.append((htmlPath, html)) }

        var report = PublishReport(entryCount: current.count)
        var atomChanged = false
        for file in files {
            let outcome = try Self.write(file.bytes, to: directory.appendingPathComponent(file.path))
            switch outcome {
            case .written:
                report.written.append(file.path)
                if file.path == output.atom { atomChanged = true }
                logger?.info("wrote output", metadata: ["file": "\(file.path)", "bytes": "\(file.bytes.count)"])
            case .unchanged:
                report.unchanged.append(file.path)
                logger?.debug("output unchanged", metadata: ["file": "\(file.path)"])
            }
        }

        if let hub = meta.hub, output.atom != nil {
            if !atomChanged {
                report.hubPing = .skipped(hub: hub)
            } else if let topic = meta.atomURL {
                let result = await WebSub.ping(hub: hub, topic: topic)
                report.hubPing = result
                logger?.info("announced the feed to the hub", metadata: ["hub": "\(hub)", "result": "\(result)"])
            } else {
                report.hubPing = .failed(hub: hub, reason: "no site URL, so the feed has no public URL to announce")
            }
        }
        return report
    }

    /// The feed's `updated`: the newest entry's, never the clock, so republishing the same entries gives the
    /// same bytes. With no entries, when feeds.json last changed.
    static func updated(_ entries: ArraySlice<PreparedEntry>, fallback: Date) -> Date {
        entries.lazy.map(\.updated).max() ?? DateText.wholeSecond(fallback)
    }

    /// The output name from feeds.json, if that output is on.
    /// - Throws: `PublishError` for a name that would land outside the output folder.
    static func checkedPath(_ path: String?, key: String) throws(PublishError) -> String? {
        guard let path else { return nil }
        let components = path.split(separator: "/", omittingEmptySubsequences: false)
        guard !path.isEmpty, !path.hasPrefix("/"), !path.hasSuffix("/"),
            !components.contains(where: { $0 == ".." || $0 == "." || $0.isEmpty }),
            !path.utf8.contains(where: { $0 < 0x20 })
        else { throw PublishError.badPath(key, path) }
        return path
    }

    /// `target` as a link from the page at `page` (both relative to the output folder).
    static func relative(_ target: String, from page: String) -> String {
        let pageFolder = page.split(separator: "/").dropLast()
        var targetParts = target.split(separator: "/")[...]
        var folder = pageFolder[...]
        while let first = folder.first, let targetFirst = targetParts.first, first == targetFirst,
            targetParts.count > 1
        {
            folder = folder.dropFirst()
            targetParts = targetParts.dropFirst()
        }
        return (Array(repeating: "..", count: folder.count) + targetParts.map(String.init)).joined(separator: "/")
    }

    /// Replaces one output through `AtomicFile`, creating its folder first.
    /// - Throws: `PublishError` naming the file; the old file is then still in place.
    static func write(_ bytes: [UInt8], to url: URL) throws(PublishError) -> AtomicFile.Outcome {
        let folder = url.deletingLastPathComponent()
        do {
            try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        } catch {
            throw PublishError.cannotWrite(url.path, reason: "cannot create its folder: \(error.localizedDescription)")
        }
        do {
            return try AtomicFile.writeIfChanged(bytes, to: url.path)
        } catch {
            throw PublishError.cannotWrite(url.path, reason: error.description)
        }
    }
}
