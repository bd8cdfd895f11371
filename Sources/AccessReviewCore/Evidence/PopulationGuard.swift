import Foundation

/// The guard of docs/outputs.md#guards: a run stops, writing nothing, when the directory or an export has
/// fewer than (1 − max_population_drop) of the previous run's records — a truncated export
/// must not make leavers disappear.
public enum PopulationGuard {
    public static func check(current: [String: Int], previous: [String: Int], maxDrop: Double) throws {
        var problems: [String] = []
        for (source, before) in previous.sorted(by: { $0.key < $1.key }) where before > 0 {
            guard let now = current[source] else { continue }
            if Double(now) < Double(before) * (1 - maxDrop) {
                let what =
                    source == "directory"
                    ? "the directory has \(now) users" : "the export of \(source) has \(now) accounts"
                problems.append(
                    "\(what), \(before) in the previous run (a drop of \(Int((1 - Double(now) / Double(before)) * 100)) %, more than max_population_drop \(Int(maxDrop * 100)) %)"
                )
            }
        }
        guard problems.isEmpty else {
            throw ToolError(
                .guardStopped,
                "accessreview: stopped by the population guard, nothing was written:\n  "
                    + problems.joined(separator: "\n  ")
                    + "\nA truncated export or directory must not make leavers disappear. If the change is real, run again with --accept-population-change."
            )
        }
    }
}
