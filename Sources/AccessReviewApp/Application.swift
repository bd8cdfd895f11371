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
    /// (`run`, `decisions import`, `close`) until it returns. Taking it first finishes or
    /// undoes whatever a killed command left (`recoverInterrupted`).
    func lockState() throws -> ProcessLock {
        let lock = try ProcessLock(folder: config.output, waitSeconds: lockWaitSeconds)
        for note in try recoverInterrupted() { progress.warn(note) }
        return lock
    }

    /// What a command killed mid-publication left in the output, made whole: a run folder
    /// published but not committed in the state store is removed and the folder it replaced
    /// put back; one the store committed keeps its place; work folders are removed. Call
    /// only under the lock. Returns what was done.
    public func recoverInterrupted() throws -> [String] {
        let output = config.output
        let statePath = config.statePath
        let state = FileManager.default.fileExists(atPath: statePath) ? try StateStore(path: statePath) : nil
        let confirmed: (String) throws -> Bool = { token in
            guard let state, token.hasPrefix("run "), let number = Int(token.dropFirst(4)) else { return false }
            return try state.hasRun(number)
        }
        do {
            var done = try OutputFolder.recover(parent: output, isConfirmed: confirmed)
            let folders = (try? FileManager.default.contentsOfDirectory(atPath: output)) ?? []
            for name in folders.sorted() where !name.hasPrefix(".") {
                var isDirectory: ObjCBool = false
                let path = (output as NSString).appendingPathComponent(name)
                if FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory), isDirectory.boolValue {
                    done += try OutputFolder.recover(parent: path, isConfirmed: { _ in false }).map { "\(name)/\($0)" }
                }
            }
            return done.map { "\(output)/\($0)" }
        } catch let error as ToolError {
            throw error
        } catch {
            throw ToolError(
                .outputNotWritten,
                "\(output): error: cannot clean up after an interrupted run: \(error.localizedDescription)")
        }
    }

    /// What earlier runs saw, from the state store; empty when there is no store yet (a
    /// command that only reads never creates one).
    func history(before asOf: Day) throws -> History {
        guard FileManager.default.fileExists(atPath: config.statePath) else { return History() }
        return try StateStore(path: config.statePath).history(before: asOf)
    }
}
