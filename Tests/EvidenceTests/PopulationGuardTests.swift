@testable import AccessReviewCore
import Foundation
import AccessReviewApp
import Testing
import TestSupport

/// The population guard: a truncated export stops the run with exit 4 and writes nothing.
@Suite(.processStarted) struct PopulationGuardTests {
    @Test func aTruncatedExportStopsTheRunUnlessAccepted() throws {
        let samples = Repository.copyOfSamples()
        var config = try RunConfig.load(path: samples.file("Samples/accessreview.yaml"))
        let first = try Application(config: config).run()
        let manifest = try #require(samples.read("out/2026-H2/manifest.json"))

        // Half of ESDH's users vanish from its export.
        let path = samples.file("Samples/exports/esdh.xml")
        let text = try String(contentsOfFile: path, encoding: .utf8)
        let truncated = text.replacing(
            /[ ]{4}<User id="E1\d*[02468]"[^\n]*\n( {6}<Role[^\n]*\n)* {4}<\/User>\n/, with: "")
        try truncated.write(toFile: path, atomically: true, encoding: .utf8)
        config.asOf = Day(iso: "2026-11-30")
        do {
            _ = try Application(config: config).run()
            Issue.record("the guard must stop the run")
        } catch let error as ToolError {
            #expect(error.status == .guardStopped)
            #expect(
                error.message.contains("the export of esdh has") && error.message.contains("--accept-population-change")
            )
        }
        #expect(samples.read("out/2026-H2/manifest.json") == manifest, "nothing was written")

        let second = try Application(config: config).run(acceptPopulationChange: true)
        #expect(second.lines < first.lines)
    }

    @Test(arguments: [(100, 80, true), (100, 79, false), (0, 0, true)])
    func theThresholdIsTheHandbooksMaxPopulationDrop(_ before: Int, _ now: Int, _ passes: Bool) {
        let outcome = Result {
            try PopulationGuard.check(current: ["sys": now], previous: ["sys": before], maxDrop: 0.2)
        }
        #expect(((try? outcome.get()) != nil) == passes)
    }
}
