import Dispatch
import Foundation

/// Splits independent per-item work across a few tasks or threads (publishing 10,000 entries, turning a run's link
/// decisions into records, the linker's final passes). Such work is CPU-bound and the machines Tributary runs on
/// have a few cores; the results are joined in their original order, so the output does not depend on which part
/// finished first.
public enum Parallel {
    /// How many tasks to use: one per core, at most 8, and only for work large enough to be worth a task (at
    /// least `worthIt` items).
    public static func width(for count: Int, worthIt: Int = 2_000) -> Int {
        guard count >= worthIt else { return 1 }
        return max(1, min(8, ProcessInfo.processInfo.activeProcessorCount))
    }

    /// `count` items cut into at most `width` contiguous ranges of near-equal size.
    public static func slices(_ count: Int, width: Int) -> [Range<Int>] {
        let parts = max(1, min(width, count))
        guard count > 0 else { return [] }
        return (0..<parts).map { part in (count * part / parts)..<(count * (part + 1) / parts) }
    }

    /// Runs `transform` on every range at once and returns the results in the ranges' order.
    public static func map<Result: Sendable>(
        _ ranges: [Range<Int>], _ transform: @escaping @Sendable (Range<Int>) -> Result
    ) async -> [Result] {
        await withTaskGroup(of: (Int, Result).self) { group in
            for (index, range) in ranges.enumerated() {
                group.addTask { (index, transform(range)) }
            }
            var results: [Result?] = Array(repeating: nil, count: ranges.count)
            for await (index, result) in group {
                results[index] = result
            }
            return results.compactMap { $0 }
        }
    }

    /// `map` for synchronous code (the linker's final passes): the ranges run on Dispatch's threads, one each, and
    /// the caller blocks until all are done. A single range runs on the caller's thread.
    public static func mapBlocking<Result>(
        _ ranges: [Range<Int>], _ transform: @Sendable (Range<Int>) -> Result
    )
        -> [Result]
    {
        var results = [Result?](repeating: nil, count: ranges.count)
        results.withUnsafeMutableBufferPointer { buffer in
            // Each thread writes its own slot, and the buffer outlives them all.
            nonisolated(unsafe) let results = buffer
            DispatchQueue.concurrentPerform(iterations: ranges.count) { part in
                results[part] = transform(ranges[part])
            }
        }
        // Every slot was written: concurrentPerform returns once every iteration has.
        return results.compactMap { $0 }
    }
}
