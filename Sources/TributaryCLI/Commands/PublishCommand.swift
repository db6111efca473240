import ArgumentParser
import Foundation
import Logging
import Tributary
import TributaryPublisher

/// `tributary publish`: rewrite the outputs from the store, without fetching.
struct PublishCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "publish", abstract: "Rewrite the outputs from the store without fetching anything.")

    @OptionGroup var options: ConfigOptions

    @Flag(name: .long, help: "Print nothing unless something failed.")
    var quiet = false

    func run() async throws {
        let file = try options.load()
        let logger = Pipeline.logger(level: quiet ? .error : .info)
        do {
            let report = try await Aggregator(file: file, logger: logger).publish()
            if !quiet {
                printError(
                    "tributary publish: \(report.entryCount) entries; \(report.written.count) files written, "
                        + "\(report.unchanged.count) unchanged")
            }
        } catch {
            throw Pipeline.failure(for: error, quiet: quiet)
        }
    }
}
