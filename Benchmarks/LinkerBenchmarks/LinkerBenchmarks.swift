import Benchmark
import Foundation
import TributaryCore
import TributaryLinker

/// Links `count` synthetic articles in batches of 10,000 (the generator's own cost is measured separately by
/// "generate", so it can be subtracted).
func linkSynthetic(_ count: Int, parameters: [String: Double]) -> Int {
    var generator = SyntheticArticles()
    var linker = Linker(settings: LinkSettings(parameters: parameters))
    var remaining = count
    while remaining > 0 {
        let size = min(remaining, 10_000)
        linker.add(generator.batch(size))
        remaining -= size
    }
    return linker.finish().count
}

let benchmarks: @Sendable () -> Void = {
    Benchmark.defaultConfiguration = .init(
        metrics: [.wallClock, .peakMemoryResident, .mallocCountTotal], timeUnits: .milliseconds,
        maxDuration: .seconds(20), maxIterations: 3)

    for size in [10_000, 100_000, 1_000_000] {
        let label = size >= 1_000_000 ? "\(size / 1_000_000)M" : "\(size / 1000)k"
        // Articles per second = size / wall-clock time of one iteration.
        let configuration = Benchmark.Configuration(
            metrics: [.wallClock, .peakMemoryResident, .mallocCountTotal], timeUnits: .milliseconds,
            maxDuration: .seconds(size >= 1_000_000 ? 300 : 60), maxIterations: size >= 1_000_000 ? 1 : 3)

        Benchmark("generate \(label) articles", configuration: configuration) { _ in
            var generator = SyntheticArticles()
            var remaining = size
            while remaining > 0 {
                blackHole(generator.batch(min(remaining, 10_000)))
                remaining -= 10_000
            }
        }

        Benchmark("duplicate layers, \(label) articles", configuration: configuration) { _ in
            blackHole(linkSynthetic(size, parameters: ["storyLayer": 0]))
        }

        Benchmark("link end to end, \(label) articles", configuration: configuration) { _ in
            blackHole(linkSynthetic(size, parameters: [:]))
        }
    }
}
