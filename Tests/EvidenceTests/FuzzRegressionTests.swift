import Foundation
import Testing
import TestSupport

/// Every input with which `make fuzz` once crashed or hung a reader
/// (`Tests/Fuzz/regressions/<target>-….<ending>`), given to the tool as a person would: each
/// must be refused with a message naming it, within 10 s, without a crash.
@Suite(.processStarted) struct FuzzRegressionTests {
    static let folder = Repository.path("Tests/Fuzz/regressions")
    static let inputs = ((try? FileManager.default.contentsOfDirectory(atPath: folder)) ?? []).sorted()

    @Test func thereAreRegressions() { #expect(Self.inputs.count >= 3) }

    @Test(arguments: inputs)
    func aFormerCrashIsRefused(_ name: String) throws {
        let samples = Repository.copyOfSamples()
        let input = (Self.folder as NSString).appendingPathComponent(name)
        let config = samples.file("Samples/accessreview.yaml")
        let outcome: Tool.Outcome
        if name.hasPrefix("ldif-") {
            try FileManager.default.removeItem(atPath: samples.file("Samples/directory.ldif"))
            try FileManager.default.copyItem(atPath: input, toPath: samples.file("Samples/directory.ldif"))
            outcome = try Tool.run(["run", "--config", config, "--quiet"])
            try outcome.expect(status: 2, naming: "directory.ldif", message: "error:")
        } else {
            #expect(try Tool.run(["run", "--config", config, "--quiet"]).status == 0)
            outcome = try Tool.run(["decisions", "import", "--config", config, "--quiet", input])
            try outcome.expect(status: 2, naming: name, message: "error:")
        }
    }
}
