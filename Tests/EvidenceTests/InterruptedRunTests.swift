import AccessReviewApp
@testable import AccessReviewCore
import Foundation
import Testing
import TestSupport

/// A run killed (SIGKILL, no chance to clean up) at any point: once the next command has
/// taken the output's lock, the output folder and the state store are as they were before
/// the run, or as the complete run left them — never the sheets of one and the state of the other.
@Suite(.serialized, .processStarted) struct InterruptedRunTests {
    let work = TemporaryFolder()

    struct Snapshot: Equatable {
        var runs: Int
        var manifest: Data?
    }

    func snapshot(_ config: RunConfig) throws -> Snapshot {
        let state = try StateStore(path: config.statePath)
        let manifest = FileManager.default.contents(
            atPath: (config.output as NSString).appendingPathComponent("GEN/manifest.json"))
        return Snapshot(runs: try state.latestRun(), manifest: manifest)
    }

    /// After a kill: what the next command does first, then the invariants.
    func checkAfterKill(
        _ config: RunConfig, before: Snapshot, what: String, sourceLocation: SourceLocation = #_sourceLocation
    ) throws -> Snapshot {
        _ = try Application(config: config).recoverInterrupted()
        let after = try snapshot(config)
        if after.runs == before.runs {
            #expect(
                after.manifest == before.manifest, "\(what): the state as it was, so the folder too",
                sourceLocation: sourceLocation)
        } else {
            #expect(after.runs == before.runs + 1, "\(what)", sourceLocation: sourceLocation)
            #expect(
                after.manifest != nil && after.manifest != before.manifest,
                "\(what): the run was committed, so its folder is the one in place", sourceLocation: sourceLocation)
        }
        let folder = (config.output as NSString).appendingPathComponent("GEN")
        let report = try Application.verify(folder: folder)
        #expect(report.ok, "\(what): \(report)", sourceLocation: sourceLocation)
        let left = try FileManager.default.contentsOfDirectory(atPath: config.output).filter {
            $0.contains(".partial-") || $0.contains(".replaced-")
        }
        #expect(left.isEmpty, "\(what): left behind \(left)", sourceLocation: sourceLocation)
        return after
    }

    @Test func aRunKilledAtAnyPointLeavesTheOutputAndTheStoreAsTheyWereOrComplete() throws {
        let generated = try Tool.run([
            "generate", "--people", "1200", "--systems", "4", "--out", work.path, "--seed", "7",
        ])
        #expect(generated.status == 0, "\(generated.stderr)")
        let configPath = work.file("accessreview.yaml")
        let config = try RunConfig.load(path: configPath)
        let started = Date()
        let baseline = try Tool.run(["run", "--config", configPath, "--quiet"], limit: 120)
        #expect(baseline.status == 0, "\(baseline.stderr)")
        let duration = Date().timeIntervalSince(started)
        var state = try snapshot(config)
        #expect(state.runs == 1 && state.manifest != nil)

        // The three points inside a publication, each hit exactly.
        for point in ["between-moves", "before-commit", "after-commit"] {
            let killed = try Tool.run(
                ["run", "--config", configPath, "--quiet"], environment: ["ACCESSREVIEW_KILL_AT": point], limit: 120)
            #expect(killed.crashed, "killed at \(point): \(killed.stderr)")
            let after = try checkAfterKill(config, before: state, what: "killed at \(point)")
            #expect((after.runs == state.runs + 1) == (point == "after-commit"), "only a committed run stays")
            state = after
        }

        // And at random moments over the whole run (the delays are in any failure's message).
        var generator = SystemRandomNumberGenerator()
        for attempt in 0..<6 {
            let delay = Double.random(in: (0.15 * duration)...(1.05 * duration), using: &generator)
            let process = Process()
            process.executableURL = URL(fileURLWithPath: Tool.binaryPath)
            process.arguments = ["run", "--config", configPath, "--quiet"]
            process.standardOutput = FileHandle.nullDevice
            process.standardError = FileHandle.nullDevice
            try process.run()
            let deadline = Date().addingTimeInterval(delay)
            while process.isRunning && Date() < deadline { usleep(5_000) }
            let wasRunning = process.isRunning
            if wasRunning { kill(process.processIdentifier, SIGKILL) }
            process.waitUntilExit()
            state = try checkAfterKill(
                config, before: state,
                what:
                    "attempt \(attempt): killed after \(String(format: "%.2f", delay)) s of a \(String(format: "%.2f", duration)) s run\(wasRunning ? "" : " (it had finished)")"
            )
        }

        // The next run goes through.
        let last = try Tool.run(["run", "--config", configPath, "--quiet"], limit: 120)
        #expect(last.status == 0, "\(last.stderr)")
        #expect(try snapshot(config).runs == state.runs + 1)
    }

    @Test func verifyRefusesAFolderWhosePublicationWasInterrupted() throws {
        let samples = Repository.copyOfSamples()
        let config = samples.file("Samples/accessreview.yaml")
        #expect(try Tool.run(["run", "--config", config, "--quiet"]).status == 0)
        let killed = try Tool.run(
            ["run", "--config", config, "--quiet"], environment: ["ACCESSREVIEW_KILL_AT": "before-commit"])
        #expect(killed.crashed)
        let verify = try Tool.run(["verify", samples.file("out/2026-H2")])
        #expect(
            verify.status != 0 && verify.stderr.contains("a run was interrupted while publishing this folder"),
            "\(verify.stderr)")
        // The next command that takes the lock puts the earlier folder back.
        let status = try Tool.run([
            "decisions", "import", "--config", config, samples.file("Samples/returned/pila.csv"),
        ])
        #expect(status.status == 0, "\(status.stderr)")
        #expect(
            status.stderr.contains("a run killed before its state was committed; its folder removed"),
            "\(status.stderr)")
        #expect(try Tool.run(["verify", samples.file("out/2026-H2")]).status == 0)
    }
}
