@testable import AccessReviewCore
import AccessReviewApp
import Foundation
import Testing
import TestSupport

/// The run's state and its output folder are published together: the state is written in one
/// transaction, the folder moved into place, then the transaction committed. A failure of the
/// move or of the commit leaves both as the previous run left them.
@Suite(.processStarted) struct PublicationTests {
    struct Snapshot: Equatable {
        var manifest: String?
        var issued: [StateStore.IssuedRow]
        var previousRun: Day?
        var counts: [String: Int]
        var leftovers: [String]
    }

    func snapshot(_ samples: TemporaryFolder) throws -> Snapshot {
        let state = try StateStore(path: samples.file("out/state.sqlite"))
        let names = try FileManager.default.contentsOfDirectory(atPath: samples.file("out"))
        return Snapshot(
            manifest: samples.read("out/2026-H2/manifest.json"), issued: try state.issuedRows(campaign: "2026-H2"),
            previousRun: try state.history(before: Day(iso: "2030-01-01")!).previousRun, counts: try state.lastCounts(),
            leftovers: names.filter { $0.contains(".partial") || $0.contains(".replaced") })
    }

    @Test(arguments: ["publish", "state"])
    func aFailedPublicationLeavesTheStateAndTheFolderOfThePreviousRun(failAt: String) throws {
        let samples = Repository.copyOfSamples()
        let config = samples.file("Samples/accessreview.yaml")
        let cli = CommandLineTests()
        #expect(try cli.run(["run", "--config", config, "--quiet"]).status == 0)
        let before = try snapshot(samples)
        #expect(before.previousRun == Day(iso: "2026-11-29"))
        #expect(!before.issued.isEmpty)

        // A week later: a run that would record a new day in the history, were it kept.
        let failed = try cli.run(
            ["run", "--config", config, "--quiet", "--as-of", "2026-12-06"],
            environment: ["ACCESSREVIEW_FAIL_AT": failAt])
        #expect(failed.status == 5, "output could not be written: \(failed.stderr)")
        #expect(failed.stderr.contains("ACCESSREVIEW_FAIL_AT=\(failAt)"))
        #expect(
            try snapshot(samples) == before,
            "the folder, the issued rows, the history and the counts are the first run's")

        let succeeded = try cli.run(["run", "--config", config, "--quiet", "--as-of", "2026-12-06"])
        #expect(succeeded.status == 0)
        let after = try snapshot(samples)
        #expect(after.previousRun == Day(iso: "2026-12-06"))
        #expect(after.manifest != before.manifest)
        #expect(after.leftovers.isEmpty)
    }
}

/// Commands that change the state store take a lock on the output folder: a second one
/// waits a bounded time, then exits naming the process that holds it.
@Suite(.processStarted) struct StateLockTests {
    @Test func aSecondCommandWaitsThenNamesTheHolder() throws {
        let samples = Repository.copyOfSamples()
        let config = samples.file("Samples/accessreview.yaml")
        var holder: ProcessLock? = try ProcessLock(folder: samples.file("out"), waitSeconds: 0)
        #expect(holder != nil)
        let started = Date()
        let blocked = try Tool.run(
            ["run", "--config", config, "--quiet"], environment: ["ACCESSREVIEW_LOCK_WAIT": "1"])
        #expect(blocked.status == 4, "a guard stopped it: \(blocked.stderr)")
        #expect(blocked.stderr.contains("(pid \(getpid()))"), "names the holder: \(blocked.stderr)")
        #expect(blocked.stderr.contains("waited 1 s"))
        #expect(Date().timeIntervalSince(started) < 8)
        #expect(!samples.exists("out/2026-H2") && !samples.exists("out/state.sqlite"), "nothing was written")
        let importing = try Tool.run(
            ["decisions", "import", "--config", config, "--quiet", samples.file("none.csv")],
            environment: ["ACCESSREVIEW_LOCK_WAIT": "0"])
        #expect(importing.status == 4 && importing.stderr.contains("(pid \(getpid()))"))
        holder = nil
        #expect(try Tool.run(["run", "--config", config, "--quiet"]).status == 0, "runs once the lock is released")
    }

    @Test func outputFoldersAndFilesAreOwnerOnlyWhateverTheUmask() throws {
        let samples = Repository.copyOfSamples()
        let outcome = try Tool.run(
            [
                "sh", "-c", "umask 000 && exec \"$0\" run --config \"$1\" --quiet",
                Tool.binaryPath,
                samples.file("Samples/accessreview.yaml"),
            ], executable: "/bin/sh")
        #expect(outcome.status == 0, "\(outcome.stderr)")
        let root = samples.file("out/2026-H2")
        var checked = 0
        let enumerator = FileManager.default.enumerator(atPath: root)
        while let relative = enumerator?.nextObject() as? String {
            let attributes = try FileManager.default.attributesOfItem(
                atPath: (root as NSString).appendingPathComponent(relative))
            let mode = (attributes[.posixPermissions] as? Int ?? 0) & 0o777
            let folder = attributes[.type] as? FileAttributeType == .typeDirectory
            #expect(mode == (folder ? 0o700 : 0o600), "\(relative): \(String(mode, radix: 8))")
            checked += 1
        }
        #expect(checked > 50)
        let store = try FileManager.default.attributesOfItem(atPath: samples.file("out/state.sqlite"))
        #expect((store[.posixPermissions] as? Int ?? 0) & 0o777 == 0o600)
    }
}

@Suite(.processStarted) struct ImportOrderTests {
    @Test func twoFilesOfOneReviewerInOneImportSayWhichIsInForce() throws {
        let samples = Repository.copyOfSamples()
        let app = Application(config: try RunConfig.load(path: samples.file("Samples/accessreview.yaml")))
        _ = try app.run()
        let first = samples.file("first.csv"), second = samples.file("second.csv")
        let sheet = try String(contentsOfFile: samples.file("out/2026-H2/sheets/maso.csv"), encoding: .utf8)
        try sheet.write(toFile: first, atomically: true, encoding: .utf8)
        // The second decides the first line Remove.
        let newline = sheet.contains("\r\n") ? "\r\n" : "\n"
        var lines = sheet.components(separatedBy: newline)
        var fields = lines[9].components(separatedBy: ";")
        fields[SheetLayout.decisionColumn] = "Fjern"
        lines[9] = fields.joined(separator: ";")
        try lines.joined(separator: newline).write(toFile: second, atomically: true, encoding: .utf8)
        let summary = try app.importDecisions([first, second])
        #expect(summary.refused == 0, "\(summary.outcomes)")
        #expect(
            summary.notes == [
                "maso: 2 files recorded in this import; the last named, \(second), is in force (a later file supersedes an earlier one: name them oldest first)"
            ])
        #expect(summary.linesToRemove == 1)
    }
}
