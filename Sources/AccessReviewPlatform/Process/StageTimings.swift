import Foundation

/// Where a stage spends its time (for `pull --timings` and the benchmark); filled from any thread.
public final class StageTimings: Sendable {
    private let items = LockedValue<[(name: String, seconds: Double)]>([])

    public init() {}

    public func record(_ name: String, since start: Date) {
        let seconds = Date().timeIntervalSince(start)
        items.withLock { $0.append((name, seconds)) }
    }

    public var all: [(name: String, seconds: Double)] { items.withLock { $0 } }
}

/// Wall-clock time of each stage of a run.
public struct StageClock: Sendable {
    private var last = Date()
    public private(set) var laps: [(name: String, seconds: Double)] = []

    public init() {}

    /// Ends a stage; its name carries the peak memory so far, so that `--timings` shows
    /// which stage raised it, and what the process holds after it. Memory the stage freed
    /// goes back to the system before the next stage allocates: glibc keeps freed memory in
    /// the arena of the thread that allocated it, where the next stage's threads may not
    /// reuse it.
    public mutating func lap(_ name: String) {
        ProcessSetup.releaseFreeMemory()
        let now = Date()
        laps.append(
            (
                name
                    + String(
                        format: " (peak %.0f MB, after %.0f MB)", Double(ProcessSetup.peakMemoryBytes()) / 1e6,
                        Double(ProcessSetup.currentMemoryBytes()) / 1e6),
                now.timeIntervalSince(last)
            ))
        last = now
    }
}
