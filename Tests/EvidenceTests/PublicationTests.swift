@testable import AccessReviewCore
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
