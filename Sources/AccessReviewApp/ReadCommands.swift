import AccessReviewCore
import Foundation

/// The commands that read and write no campaign: `check`, `pull`, `accounts`, `explain`.
extension Application {
    /// `check`: every input loaded and cross-checked; the warnings and what was read.
    public func check() throws -> LoadedInputs {
        try loader().loadAll()
    }

    /// `pull`: the directory only, written as `directory.json`.
    public func pull(to output: String) throws -> (
        snapshot: DirectorySnapshot, timings: [(name: String, seconds: Double)]
    ) {
        let loader = loader()
        let snapshot = try loader.loadDirectory()
        let writing = Date()
        try snapshot.writeJSON(toFile: output)
        return (snapshot, loader.directoryTimings.all + [("writing directory.json", Date().timeIntervalSince(writing))])
    }

    /// `accounts`: the system exports only, written as `accounts.json`.
    public func accounts(to output: String) throws -> (
        exports: [SystemExport], timings: [(name: String, seconds: Double)]
    ) {
        let loader = loader()
        let (mappings, _) = try loader.loadMappings()
        let reading = Date()
        let exports = try loader.loadExports(mappings: mappings)
        let writing = Date()
        try AccountsSnapshot(systems: exports).writeJSON(toFile: output)
        return (
            exports,
            [
                ("reading exports", writing.timeIntervalSince(reading)),
                ("writing accounts.json", Date().timeIntervalSince(writing)),
            ]
        )
    }

    /// One person's explanation, and the findings it shows.
    public struct Explained: Sendable {
        public var identity: String
        public var text: String
        public var findings: [Finding]
    }

    /// `explain`: the same reconciliation as `run` — same inputs, same day, the same history
    /// from the state store — so it shows exactly the findings the run reported.
    public func explain(_ identities: [String], asOf day: Day? = nil) throws -> [Explained] {
        let inputs = try loader(asOf: day).loadAll()
        var result = try Reconciler(inputs.reconcileInput(history: try history(before: inputs.asOf))).run()
        // Without a state store there is no line history: every line is new, nothing is overdue.
        if FileManager.default.fileExists(atPath: config.statePath) {
            let state = try StateStore(path: config.statePath)
            _ = try applyLineHistory(
                state: state, campaign: config.campaignName(asOf: inputs.asOf), handbook: inputs.handbook, to: &result)
        }
        return try identities.map { id in
            let identity = try Explanation.identity(id, in: result).user.id
            let text = try Explanation.render(
                identity: identity, result: result, handbook: inputs.handbook, language: config.language)
            return Explained(
                identity: identity, text: text, findings: result.findings.filter { $0.identity == identity })
        }
    }
}
