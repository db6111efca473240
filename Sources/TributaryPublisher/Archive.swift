import Foundation

/// RFC 5005 archived feeds: entries that have left the subscription document are kept in archive documents, so a
/// reader that was away can walk `prev-archive` links back and catch up.
///
/// An archive document is written once, when it is full, and never rewritten: its entries are fixed for good.
/// Which entries are already archived is remembered in a small manifest beside the feed (`.<atom>.archive.json`),
/// because the store forgets old articles and could not rebuild old pages. Entries older than the subscription
/// window that do not yet fill a page stay in the subscription document, so none is ever unreachable.
enum Archive {
    struct Plan {
        /// The subscription document's entries, newest first.
        var current: [PreparedEntry]
        /// Archive pages completed by this run: path and bytes.
        var newPages: [(path: String, bytes: [UInt8])]
        /// The updated manifest, when pages were added.
        var manifest: (path: String, bytes: [UInt8])?
        /// The newest archive page, for the subscription document's `prev-archive`.
        var newestPageURL: String?
    }

    /// What the manifest remembers of a finished page.
    struct Page: Codable, Equatable {
        var file: String
        /// The page's newest entry: everything at or older than it is archived.
        var newestDate: Date
        var newestID: String
    }

    struct Manifest: Codable, Equatable {
        var pages: [Page]
    }

    /// - Parameters:
    ///   - entries: every entry, newest first.
    ///   - current: how many entries the subscription document carries at least.
    static func plan(
        _ entries: [PreparedEntry], current: Int, pageSize: Int, atomPath: String, directory: URL, meta: FeedMeta
    ) throws(PublishError) -> Plan {
        let manifestPath = manifestPath(for: atomPath)
        var manifest = readManifest(directory.appendingPathComponent(manifestPath))
        let boundary = manifest.pages.last

        // Entries not yet archived, newest first; those at or past the boundary are in finished pages already.
        let open = entries.prefix { entry in
            guard let boundary else { return true }
            return isNewer(entry, than: boundary)
        }
        var subscription = Array(open.prefix(current))
        let older = Array(open.dropFirst(current).reversed())  // oldest first
        let fullPages = older.count / pageSize
        var newPages: [(path: String, bytes: [UInt8])] = []
        for index in 0..<fullPages {
            let pageEntries = Array(older[(index * pageSize)..<((index + 1) * pageSize)].reversed())
            guard let newest = pageEntries.first else { continue }
            let number = manifest.pages.count + 1
            let file = pagePath(for: atomPath, number: number)
            let history = AtomWriter.History(
                previousArchive: manifest.pages.last.map { link(to: $0.file, meta: meta, atomPath: atomPath) },
                isArchive: true,
                current: meta.atomURL ?? (atomPath as String?).map { link(to: $0, meta: meta, atomPath: atomPath) },
                selfURL: meta.atomURL == nil ? nil : link(to: file, meta: meta, atomPath: atomPath))
            let updated = pageEntries.lazy.map(\.updated).max() ?? newest.updated
            newPages.append(
                (file, AtomWriter.document(meta: meta, entries: pageEntries[...], updated: updated, history: history)))
            manifest.pages.append(Page(file: file, newestDate: newest.sortDate, newestID: newest.id))
        }
        // What did not fill a page stays in the subscription document.
        subscription.append(contentsOf: older.dropFirst(fullPages * pageSize).reversed())

        var manifestFile: (path: String, bytes: [UInt8])?
        if !newPages.isEmpty {
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
            encoder.dateEncodingStrategy = .secondsSince1970
            do {
                manifestFile = (manifestPath, Array(try encoder.encode(manifest)) + [0x0A])
            } catch {
                throw PublishError.cannotWrite(manifestPath, reason: "\(error)")
            }
        }
        return Plan(
            current: subscription, newPages: newPages, manifest: manifestFile,
            newestPageURL: manifest.pages.last.map { link(to: $0.file, meta: meta, atomPath: atomPath) })
    }

    static func manifestPath(for atomPath: String) -> String {
        let parts = atomPath.split(separator: "/")
        let name = parts.last.map(String.init) ?? atomPath
        return (parts.dropLast().map(String.init) + [".\(name).archive.json"]).joined(separator: "/")
    }

    /// `atom.xml` → `atom-archive-3.xml`, beside it.
    static func pagePath(for atomPath: String, number: Int) -> String {
        if let dot = atomPath.lastIndex(of: "."), !atomPath[dot...].contains("/") {
            return "\(atomPath[..<dot])-archive-\(number)\(atomPath[dot...])"
        }
        return "\(atomPath)-archive-\(number)"
    }

    /// An absolute URL when the site is known, else a link relative to the Atom document's folder.
    private static func link(to file: String, meta: FeedMeta, atomPath: String) -> String {
        if let atomURL = meta.atomURL, let base = URL(string: atomURL),
            let resolved = URL(string: Publisher.relative(file, from: atomPath), relativeTo: base)
        {
            return resolved.absoluteString
        }
        return Publisher.relative(file, from: atomPath)
    }

    private static func isNewer(_ entry: PreparedEntry, than page: Page) -> Bool {
        if entry.sortDate != page.newestDate { return entry.sortDate > page.newestDate }
        return entry.id < page.newestID
    }

    /// A missing or unreadable manifest means no pages yet: the archive starts again rather than failing the run.
    private static func readManifest(_ url: URL) -> Manifest {
        guard let data = FileManager.default.contents(atPath: url.path) else { return Manifest(pages: []) }
        let decoder = JSONDecoder()
        decoder.dateDecodingStrategy = .secondsSince1970
        return (try? decoder.decode(Manifest.self, from: data)) ?? Manifest(pages: [])
    }
}
