import AccessReviewCore
import Foundation

/// The application layer: one function per command, each composing the stages
/// (`InputLoader` → `Reconciler` → `SheetBuilder`/`SheetFiles` → `Manifest`/`StateStore`).
/// The executable parses options and calls these; the stages know nothing of commands.
public struct Application: Sendable {
    public var config: RunConfig
    public var progress: ProgressDisplay
    /// How long a command that changes the state store waits for another one to finish
    /// (`ACCESSREVIEW_LOCK_WAIT` seconds, default 30).
    public var lockWaitSeconds =
        ProcessInfo.processInfo.environment["ACCESSREVIEW_LOCK_WAIT"].flatMap(Double.init) ?? 30

    public init(config: RunConfig, progress: ProgressDisplay = ProgressDisplay(quiet: true)) {
        self.config = config
        self.progress = progress
    }

    /// The config file at `path`, read and checked.
    public static func loadConfig(_ path: String) throws -> RunConfig { try RunConfig.load(path: path) }

    /// The load stage for a given day (the config's `as_of` unless overridden).
    public func loader(asOf: Day? = nil) -> InputLoader {
        var loader = InputLoader(config: config, asOf: asOf, progress: progress)
        loader.returnFreedMemory = { ProcessSetup.releaseFreeMemory() }
        return loader
    }

    /// The campaign a command works on: the config's, for its `as_of` or the given day.
    public func campaign(asOf: Day?) -> String {
        config.campaignName(asOf: config.asOf(overriddenBy: asOf))
    }

    /// The lock of the output and its state store, held by a command that changes them
    /// (`run`, `decisions import`) until it returns.
    func lockState() throws -> ProcessLock {
        try ProcessLock(folder: config.output, waitSeconds: lockWaitSeconds)
    }

    /// What earlier runs saw, from the state store; empty when there is no store yet (a
    /// command that only reads never creates one).
    func history(before asOf: Day) throws -> History {
        guard FileManager.default.fileExists(atPath: config.statePath) else { return History() }
        return try StateStore(path: config.statePath).history(before: asOf)
    }
}
