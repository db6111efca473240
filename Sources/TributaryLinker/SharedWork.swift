internal import Dispatch
internal import Foundation

/// Read-only work over a run's window shared out among the cores: the items are cut into one contiguous slice per
/// core (at most 8), each slice is handed to `body` on a thread of its own, and the results come back in slice
/// order, so they never depend on which thread finished first. The caller blocks until all are done; only the
/// linker's final passes use it, when nothing else is left to run.
enum SharedWork {
    static func slices<Result>(_ count: Int, _ body: @Sendable (Range<Int>) -> Result) -> [Result] {
        let width = max(1, min(8, ProcessInfo.processInfo.activeProcessorCount, count))
        var results = [Result?](repeating: nil, count: width)
        results.withUnsafeMutableBufferPointer { buffer in
            // Each thread writes its own slot, and the buffer outlives them all.
            nonisolated(unsafe) let results = buffer
            DispatchQueue.concurrentPerform(iterations: width) { part in
                results[part] = body((count * part / width)..<(count * (part + 1) / width))
            }
        }
        // Every slot was written: concurrentPerform returns once every iteration has.
        return results.compactMap { $0 }
    }
}
