import Foundation
import Testing

@testable import TributaryCore

/// A fresh folder under the system's temp folder, removed when the test ends.
struct TemporaryFolder: ~Copyable {
    let url: URL

    init() throws {
        url = FileManager.default.temporaryDirectory.appendingPathComponent("tributary-core-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
    }

    func write(_ text: String, to name: String = "feeds.json") throws -> URL {
        let file = url.appendingPathComponent(name)
        try Data(text.utf8).write(to: file)
        return file
    }

    deinit {
        try? FileManager.default.setAttributes([.posixPermissions: 0o755], ofItemAtPath: url.path)
        try? FileManager.default.removeItem(at: url)
    }
}

private func load(_ text: String) throws(ConfigError) -> FeedListFile {
    try FeedListFile.parse(Array(text.utf8), url: URL(fileURLWithPath: "/tmp/feeds.json"))
}

private func rendered(_ file: FeedListFile) throws -> String {
    String(decoding: try file.rendered(), as: UTF8.self)
}

@Suite struct SyntaxErrors {
    @Test(arguments: [
        ("{\n  \"feeds\": [\n    { \"url\": \"https://a.example/feed\" }\n    { \"url\": \"b\" }\n  ]\n}", 4, 5),
        ("{\n  \"title\": \"x\",\n}", 3, 1),
        ("{\n\t\"title\": 'x'\n}", 2, 11),
        ("{ \"title\": \"Ünïcödé\" x }", 1, 22),
        ("", 1, 1),
        ("{\"a\": 01}", 1, 8),
        ("{\"a\": \"unterminated}", 1, 7),
    ])
    func reportsLineAndColumn(text: String, line: Int, column: Int) throws {
        let error = try #require(throws: ConfigError.self) { try load(text) }
        #expect(error.line == line)
        #expect(error.column == column)
        #expect(error.description.contains("feeds.json:\(line):\(column):"))
    }

    @Test func duplicateKeysAreRefused() throws {
        let error = try #require(throws: ConfigError.self) { try load("{\"title\": \"a\",\n \"title\": \"b\"}") }
        #expect(error.description.contains("duplicate key \"title\""))
        #expect(error.line == 2)
    }
}

@Suite struct SemanticErrors {
    @Test func duplicateURLsNameBothFeeds() throws {
        let text = """
            {"feeds": [{"url": "https://a.example/feed"}, {"url": "https://b.example/"},
                       {"url": "https://a.example/feed", "title": "again"}]}
            """
        let error = try #require(throws: ConfigError.self) { try load(text) }
        #expect(error.description.contains("feed 3 (\"https://a.example/feed\")"))
        #expect(error.description.contains("duplicate of feed 1"))
    }

    @Test(arguments: [
        "file:///etc/passwd", "ftp://example.org/feed", "gopher://x/", "https:///nohost", "http://user@/x",
        "http://:80/", "http:", "", " x",
    ])
    func unsupportedURLsAreRefused(url: String) throws {
        let error = try #require(throws: ConfigError.self) {
            try load("{\"feeds\": [{\"url\": \(String(reflecting: url))}]}")
        }
        #expect(error.description.contains("feed 1"))
        #expect(error.description.contains("key \"url\""))
    }

    @Test(arguments: ["feeds/local.xml", "/srv/feeds/a.xml", "HTTPS://Example.org/feed", "http://127.0.0.1:8080/f"])
    func pathsAndHTTPAreAccepted(url: String) throws {
        let file = try load("{\"feeds\": [{\"url\": \"\(url)\"}]}")
        #expect(file.feedList.feeds.map(\.url) == [url])
    }

    @Test func unknownOutputFormatIsNamed() throws {
        let error = try #require(throws: ConfigError.self) {
            try load("{\"output\": {\"atom\": \"a.xml\", \"rdf\": \"x\"}}")
        }
        #expect(error.description.contains("output"))
        #expect(error.description.contains("\"rdf\""))
    }

    @Test func wrongTypesNameFeedAndKey() throws {
        let error = try #require(throws: ConfigError.self) {
            try load("{\"feeds\": [{\"url\": \"https://a.example/\", \"tags\": [1]}]}")
        }
        #expect(error.description.contains("feed 1 (\"https://a.example/\"): key \"tags\""))
        let settings = try #require(throws: ConfigError.self) { try load("{\"fetch\": {\"timeout\": \"30\"}}") }
        #expect(settings.description.contains("fetch: key \"timeout\": expected a number, found a string"))
    }
}

@Suite struct Settings {
    @Test func defaultsWhenOnlyFeeds() throws {
        let file = try load("{\"feeds\": []}")
        #expect(file.feedList.output == OutputSettings())
        #expect(file.feedList.fetch == FetchSettings())
        #expect(file.feedList.store == StoreSettings())
    }

    @Test func settingsAreDecoded() throws {
        let file = try load(
            """
            {"title": "Balkans", "site": "https://example.org/", "author": {"name": "Desk"},
             "output": {"dir": "out", "html": false, "jsonFeed": "feed.json", "entries": 50},
             "fetch": {"concurrency": 8, "timeout": 12.5, "allowPrivateAddresses": true},
             "link": {"related": 3, "enabled": false, "storyThreshold": 0.4, "windowHours": 48},
             "store": {"dir": "state", "retentionDays": 30}}
            """)
        let list = file.feedList
        #expect(list.site.title == "Balkans")
        #expect(list.site.author == Person(name: "Desk"))
        #expect(list.output.dir == "out")
        #expect(list.output.html == nil)
        #expect(list.output.atom == "atom.xml")
        #expect(list.output.jsonFeed == "feed.json")
        #expect(list.output.entries == 50)
        #expect(list.fetch.concurrency == 8)
        #expect(list.fetch.timeout == 12.5)
        #expect(list.fetch.allowPrivateAddresses)
        #expect(
            list.link
                == LinkSettings(enabled: false, related: 3, parameters: ["storyThreshold": 0.4, "windowHours": 48]))
        #expect(list.store == StoreSettings(dir: "state", retentionDays: 30, keepPerFeed: 50))
        #expect(file.resolvedPath(list.store.dir).path == "/tmp/state")
        #expect(file.resolvedPath("/abs/x").path == "/abs/x")
    }
}

@Suite struct Preservation {
    static let original = """
        {
            "zeta": {"kept": [1, 2.50, 3e2]},
            "title": "Σύνοψη — 新闻",
            "feeds": [
                { "url": "https://a.example/feed", "title": "Ä", "x-note": "mine" },
                { "url": "https://b.example/feed", "tags": ["news"] }
            ],
            "alpha": true
        }

        """

    @Test func untouchedFileIsByteIdentical() throws {
        let file = try load(Self.original)
        #expect(try rendered(file) == Self.original)
    }

    @Test func addKeepsOrderIndentationAndUnknownKeys() throws {
        var file = try load(Self.original)
        let addResult = try file.add(Subscription(url: "https://c.example/feed", title: "日本語", tags: ["t1", "t2"]))
        #expect(addResult)
        let expected = """
            {
                "zeta": {"kept": [1, 2.50, 3e2]},
                "title": "Σύνοψη — 新闻",
                "feeds": [
                    { "url": "https://a.example/feed", "title": "Ä", "x-note": "mine" },
                    { "url": "https://b.example/feed", "tags": ["news"] },
                    { "url": "https://c.example/feed", "title": "日本語", "tags": ["t1", "t2"] }
                ],
                "alpha": true
            }

            """
        let text = try rendered(file)
        #expect(text == expected, "\(text)")
        let reloaded = try load(try rendered(file))
        #expect(reloaded.feedList.feeds.last?.title == "日本語")
    }

    @Test func addingTwiceChangesNothing() throws {
        var file = try load(Self.original)
        let addResult = try file.add(Subscription(url: "https://a.example/feed", title: "other"))
        #expect(!addResult)
        #expect(try rendered(file) == Self.original)
    }

    @Test func removeAndReplaceTouchOnlyTheirFeed() throws {
        var file = try load(Self.original)
        let replaceURLResult = file.replaceURL("https://a.example/feed", with: "https://a.example/new")
        #expect(replaceURLResult)
        let missingReplaced = file.replaceURL("https://missing.example/", with: "https://x.example/")
        #expect(!missingReplaced)
        #expect(try rendered(file) == Self.original.replacingOccurrences(of: "a.example/feed", with: "a.example/new"))
        let removeResult = file.remove(url: "https://b.example/feed")
        #expect(removeResult)
        let removedAgain = file.remove(url: "https://b.example/feed")
        #expect(!removedAgain)
        let text = try rendered(file)
        #expect(text.contains("\"x-note\": \"mine\""))
        #expect(!text.contains("b.example"))
        #expect(text.contains("\"alpha\": true"))
    }

    @Test func tabsAndMultilineFeedsAreFollowed() throws {
        let original = "{\n\t\"feeds\": [\n\t\t{\n\t\t\t\"url\": \"https://a.example/\"\n\t\t}\n\t]\n}\n"
        var file = try load(original)
        let addResult = try file.add(Subscription(url: "b.xml"))
        #expect(addResult)
        let expected =
            "{\n\t\"feeds\": [\n\t\t{\n\t\t\t\"url\": \"https://a.example/\"\n\t\t},\n\t\t{\n\t\t\t\"url\": \"b.xml\"\n\t\t}\n\t]\n}\n"
        #expect(try rendered(file) == expected)
    }

    @Test func windowsLineEndingsAndByteOrderMarkAreKept() throws {
        let original = "\u{FEFF}{\r\n  \"feeds\": [\r\n    {\"url\": \"a.xml\"}\r\n  ]\r\n}\r\n"
        var file = try load(original)
        let added = try file.add(Subscription(url: "b.xml"))
        #expect(added)
        let expected =
            "\u{FEFF}{\r\n  \"feeds\": [\r\n    {\"url\": \"a.xml\"},\r\n    {\"url\": \"b.xml\"}\r\n  ]\r\n}\r\n"
        #expect(try rendered(file) == expected)
    }

    @Test func missingFeedsKeyIsAppended() throws {
        var file = try load("{\n  \"title\": \"t\"\n}\n")
        let addResult = try file.add(Subscription(url: "https://a.example/"))
        #expect(addResult)
        #expect(
            try rendered(file)
                == "{\n  \"title\": \"t\",\n  \"feeds\": [\n    { \"url\": \"https://a.example/\" }\n  ]\n}\n"
        )
    }

    @Test func escapesRoundTrip() throws {
        var file = try load("{\"feeds\": []}")
        let title = "quote \" backslash \\ tab \t newline \n bell \u{07} emoji 🦆"
        let addResult = try file.add(Subscription(url: "https://a.example/", title: title))
        #expect(addResult)
        let reloaded = try load(try rendered(file))
        #expect(reloaded.feedList.feeds.first?.title == title)
        let escaped = try load("{\"title\": \"\\u00e9\\ud83e\\udd86\\/\"}")
        #expect(escaped.feedList.site.title == "é🦆/")
    }
}

@Suite struct Saving {
    @Test func saveWritesAtomicallyAndKeepsPermissions() throws {
        let folder = try TemporaryFolder()
        let url = try folder.write("{\n  \"feeds\": []\n}\n")
        try FileManager.default.setAttributes([.posixPermissions: 0o600], ofItemAtPath: url.path)
        var file = try FeedListFile.load(from: url)
        let addResult = try file.add(Subscription(url: "https://a.example/", title: "Ωmega"))
        #expect(addResult)
        try file.save()
        let reloaded = try FeedListFile.load(from: url)
        #expect(reloaded.feedList.feeds == [Subscription(url: "https://a.example/", title: "Ωmega")])
        let attributes = try FileManager.default.attributesOfItem(atPath: url.path)
        #expect((attributes[.posixPermissions] as? Int) == 0o600)
        let leftovers = try FileManager.default.contentsOfDirectory(atPath: folder.url.path)
        #expect(leftovers == ["feeds.json"])
    }

    @Test func updateAppliesAChangeToTheCurrentFile() throws {
        let folder = try TemporaryFolder()
        let url = try folder.write("{\"feeds\": [{\"url\": \"http://old.example/\", \"mine\": 1}]}")
        let replaced = try FeedListFile.update(at: url) {
            $0.replaceURL("http://old.example/", with: "https://new.example/")
        }
        #expect(replaced)
        #expect(
            try String(contentsOf: url, encoding: .utf8)
                == "{\"feeds\": [{\"url\": \"https://new.example/\", \"mine\": 1}]}")
    }

    @Test func fileChangedOnDiskIsNotOverwritten() throws {
        let folder = try TemporaryFolder()
        let url = try folder.write("{\"feeds\": []}")
        var file = try FeedListFile.load(from: url)
        let addResult = try file.add(Subscription(url: "https://a.example/"))
        #expect(addResult)
        _ = try folder.write("{\"feeds\": [ broken")
        let error = try #require(throws: ConfigError.self) { try file.save() }
        #expect(error.description.contains("changed on disk"))
        #expect(try String(contentsOf: url, encoding: .utf8) == "{\"feeds\": [ broken")
    }

    @Test func invalidFileIsNeverOverwritten() throws {
        let folder = try TemporaryFolder()
        let url = try folder.write("{\"feeds\": [}")
        #expect(throws: ConfigError.self) { try FeedListFile.load(from: url) }
        #expect(try String(contentsOf: url, encoding: .utf8) == "{\"feeds\": [}")
    }

    @Test func missingFileAndFolderAreReported() throws {
        let folder = try TemporaryFolder()
        let missing = folder.url.appendingPathComponent("nope/feeds.json")
        let error = try #require(throws: ConfigError.self) { try FeedListFile.load(from: missing) }
        #expect(error.description.contains("does not exist"))
        let created = try #require(throws: ConfigError.self) { try FeedListFile.create(at: missing, title: "x") }
        #expect(created.description.contains("does not exist"))
    }

    @Test func readOnlyFolderIsReportedAndFileKept() throws {
        guard getuid() != 0 else { return }  // root writes anywhere; nothing to observe
        let folder = try TemporaryFolder()
        let url = try folder.write("{\"feeds\": []}")
        var file = try FeedListFile.load(from: url)
        let addResult = try file.add(Subscription(url: "https://a.example/"))
        #expect(addResult)
        try FileManager.default.setAttributes([.posixPermissions: 0o555], ofItemAtPath: folder.url.path)
        let error = try #require(throws: ConfigError.self) { try file.save() }
        #expect(error.description.contains("not writable"))
        #expect(try String(contentsOf: url, encoding: .utf8) == "{\"feeds\": []}")
    }

    /// sysfs refuses new files even to root (CI runs as root, where the permission test above has nothing to
    /// observe): the failure must be reported, and nothing left behind.
    @Test(.enabled(if: FileManager.default.fileExists(atPath: "/sys/kernel")))
    func unwritableFolderEvenForRoot() throws {
        let url = URL(fileURLWithPath: "/sys/tributary-feeds.json")
        let error = try #require(throws: ConfigError.self) { try FeedListFile.create(at: url, title: "x") }
        #expect(error.description.hasPrefix("/sys/tributary-feeds.json: "))
        #expect(!FileManager.default.fileExists(atPath: url.path))
    }

    @Test func createRefusesAnExistingFile() throws {
        let folder = try TemporaryFolder()
        let url = folder.url.appendingPathComponent("feeds.json")
        let created = try FeedListFile.create(at: url, title: "Νέα", site: "https://example.org/")
        #expect(created.feedList.site.title == "Νέα")
        #expect(created.feedList.feeds.isEmpty)
        let error = try #require(throws: ConfigError.self) { try FeedListFile.create(at: url, title: "again") }
        #expect(error.description.contains("already exists"))
        #expect(try FeedListFile.load(from: url).feedList.site.title == "Νέα")
    }
}

@Test(arguments: [
    ("http://a.example/f", true), ("HTTPS://A.example/f", true), ("Https://a", true), ("https:/a", false),
    ("httpx://a", false), ("feeds/local.xml", false), ("/srv/http://x", false), ("ht", false), ("", false),
])
func remoteFeedsAreTheHTTPOnes(url: String, remote: Bool) {
    #expect(Subscription(url: url).isRemote == remote)
}
