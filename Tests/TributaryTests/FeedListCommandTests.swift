import Foundation
import Testing

/// Runs the built `tributary` executable (built next to the test bundle by `swift build --build-tests`).
private struct CLI {
    let folder: URL
    let config: URL

    init() throws {
        folder = FileManager.default.temporaryDirectory.appendingPathComponent("tributary-cli-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        config = folder.appendingPathComponent("feeds.json")
    }

    static var executable: URL {
        Bundle.module.bundleURL.deletingLastPathComponent().appendingPathComponent("tributary")
    }

    struct Output {
        let status: Int32
        let stdout: String
        let stderr: String
    }

    func run(
        _ arguments: [String], config useConfig: Bool = true, environment: [String: String] = [:]
    ) throws
        -> Output
    {
        let process = Process()
        process.executableURL = Self.executable
        process.arguments = arguments + (useConfig ? ["--config", config.path] : [])
        process.currentDirectoryURL = folder
        process.environment = ProcessInfo.processInfo.environment.merging(environment) { $1 }
        let out = Pipe()
        let err = Pipe()
        process.standardOutput = out
        process.standardError = err
        try process.run()
        let stdout = out.fileHandleForReading.readDataToEndOfFile()
        let stderr = err.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return Output(
            status: process.terminationStatus, stdout: String(decoding: stdout, as: UTF8.self),
            stderr: String(decoding: stderr, as: UTF8.self))
    }

    func write(_ text: String, to name: String) throws -> String {
        let url = folder.appendingPathComponent(name)
        try Data(text.utf8).write(to: url)
        return url.path
    }

    func remove() {
        try? FileManager.default.removeItem(at: folder)
    }
}

@Suite(.serialized) struct FeedListCommandTests {
    @Test func executableWasBuilt() {
        #expect(FileManager.default.isExecutableFile(atPath: CLI.executable.path))
    }

    @Test func addListRemove() throws {
        let cli = try CLI()
        defer { cli.remove() }
        #expect(try cli.run(["init", "--title", "Σύνοψη"]).status == 0)
        let added = try cli.run(["add", "https://a.example/feed", "--title", "Ünïcode — 日本", "--tag", "news"])
        #expect(added.status == 0)
        #expect(added.stdout == "added https://a.example/feed\n")
        let again = try cli.run(["add", "https://a.example/feed"])
        #expect(again.status == 0)
        #expect(again.stderr.contains("already subscribed"))
        #expect(again.stdout.isEmpty)
        let refused = try cli.run(["add", "file:///etc/passwd", "https://b.example/"])
        #expect(refused.status == 2)
        #expect(refused.stderr.contains("\"file:\" is not supported"))
        let list = try cli.run(["list"])
        #expect(list.stdout == "https://a.example/feed\tÜnïcode — 日本\tnews\n")
        let json = try cli.run(["list", "--format", "json"])
        let feeds = try JSONSerialization.jsonObject(with: Data(json.stdout.utf8)) as? [[String: Any]]
        #expect(feeds?.count == 1)
        #expect(feeds?.first?["title"] as? String == "Ünïcode — 日本")
        let unknown = try cli.run(["remove", "https://nope.example/", "https://a.example/feed"])
        #expect(unknown.status == 2)
        #expect(unknown.stderr.contains("not subscribed: https://nope.example/"))
        #expect(try cli.run(["list"]).stdout.contains("https://a.example/feed"))
        let removed = try cli.run(["remove", "https://a.example/feed"])
        #expect(removed.status == 0)
        #expect(try cli.run(["list"]).stdout.isEmpty)
    }

    @Test func importReportsAddedAndSkipped() throws {
        let cli = try CLI()
        defer { cli.remove() }
        #expect(try cli.run(["init"]).status == 0)
        #expect(try cli.run(["add", "https://a.example/feed"]).status == 0)
        let opml = try cli.write(
            """
            <opml version="2.0"><head/><body>
              <outline text="News"><outline text="A" xmlUrl="https://a.example/feed"/>
                <outline text="B" xmlUrl="https://b.example/feed"/></outline>
              <outline text="C" type="rss" xmlUrl="https://c.example/feed"/>
              <outline text="F" type="rss" xmlUrl="file:///etc/passwd"/>
            </body></opml>
            """, to: "list.opml")
        let result = try cli.run(["import", opml])
        #expect(result.status == 0)
        #expect(result.stdout == "added 2, skipped 1 already present, refused 1 (not http(s) or a path)\n")
        let export = try cli.run(["export", "--format", "json"])
        #expect(export.stdout.contains("\"News\""))
        let before = try Data(contentsOf: cli.config)
        let broken = try cli.write("<opml><body><outline xmlUrl='https://d.example/'>", to: "broken.opml")
        let refused = try cli.run(["import", broken])
        #expect(refused.status == 2)
        #expect(refused.stderr.contains("not well-formed OPML"))
        #expect(try Data(contentsOf: cli.config) == before)
    }

    @Test func exportRoundTripsThroughImport() throws {
        let cli = try CLI()
        defer { cli.remove() }
        #expect(try cli.run(["init"]).status == 0)
        #expect(try cli.run(["add", "https://a.example/", "--tag", "eu/balkans", "--tag", "news"]).status == 0)
        #expect(try cli.run(["add", "https://b.example/", "--title", "B & <b>"]).status == 0)
        let opml = try cli.run(["export"])
        #expect(opml.stdout.contains("<opml version=\"2.0\">"))
        #expect(try cli.run(["export"]).stdout == opml.stdout)
        let path = try cli.write(opml.stdout, to: "export.opml")
        let other = cli.folder.appendingPathComponent("other.json")
        #expect(try cli.run(["init", "--config", other.path], config: false).status == 0)
        #expect(try cli.run(["import", path, "--config", other.path], config: false).status == 0)
        let original = try cli.run(["export", "--format", "json"]).stdout
        let imported = try cli.run(["export", "--format", "json", "--config", other.path], config: false).stdout
        #expect(imported == original)
    }

    @Test func configComesFromTheEnvironment() throws {
        let cli = try CLI()
        defer { cli.remove() }
        let environment = ["TRIBUTARY_CONFIG": cli.config.path]
        #expect(try cli.run(["init"], config: false, environment: environment).status == 0)
        #expect(try cli.run(["add", "https://a.example/"], config: false, environment: environment).status == 0)
        #expect(try cli.run(["list"]).stdout.hasPrefix("https://a.example/"))
    }

    @Test func configErrorsAndUsageErrorsExitTwo() throws {
        let cli = try CLI()
        defer { cli.remove() }
        let missing = try cli.run(["list"])
        #expect(missing.status == 2)
        #expect(missing.stderr.contains("does not exist"))
        _ = try cli.write("{\n  \"feeds\": [\n    {\"url\": 3}\n  ]\n}", to: "feeds.json")
        let wrong = try cli.run(["list"])
        #expect(wrong.status == 2)
        #expect(wrong.stderr.contains("feed 1: key \"url\": expected a string"))
        _ = try cli.write("{\n  \"feeds\": [\n    {\"url\": \"x\"\n  ]\n}", to: "feeds.json")
        #expect(try cli.run(["list"]).stderr.contains("feeds.json:4:3:"))
        let usage = try cli.run(["add"])
        #expect(usage.status == 2)
        #expect(try cli.run(["list", "--format", "yaml"]).status == 2)
    }

    @Test(arguments: ["init", "add", "remove", "list", "import", "export"])
    func everyCommandHasHelp(command: String) throws {
        let cli = try CLI()
        defer { cli.remove() }
        let help = try cli.run([command, "--help"], config: false)
        #expect(help.status == 0)
        #expect(help.stdout.contains("USAGE: tributary \(command)"))
        #expect(help.stdout.contains("--config <path>"))
    }
}
