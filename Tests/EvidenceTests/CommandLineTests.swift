import Foundation
import Testing
import TestSupport

/// The command as a person runs it: exit codes, messages on stderr, the summary line.
@Suite(.processStarted) struct CommandLineTests {
    struct Outcome {
        var status: Int32
        var stdout: String
        var stderr: String
    }

    func run(_ arguments: [String], in folder: String? = nil, environment: [String: String] = [:]) throws -> Outcome {
        let binary = Tool.binaryPath
        try #require(FileManager.default.isExecutableFile(atPath: binary), "build the tool first (swift build)")
        let process = Process()
        process.executableURL = URL(fileURLWithPath: binary)
        process.arguments = arguments
        if let folder { process.currentDirectoryURL = URL(fileURLWithPath: folder) }
        if !environment.isEmpty {
            process.environment = ProcessInfo.processInfo.environment.merging(environment) { $1 }
        }
        let out = Pipe(), err = Pipe()
        process.standardOutput = out
        process.standardError = err
        try process.run()
        let outData = out.fileHandleForReading.readDataToEndOfFile()
        let errData = err.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return Outcome(
            status: process.terminationStatus, stdout: String(decoding: outData, as: UTF8.self),
            stderr: String(decoding: errData, as: UTF8.self))
    }

    @Test func runPrintsASummaryAndFailOnGivesExitOne() throws {
        let samples = Repository.copyOfSamples()
        let config = samples.file("Samples/accessreview.yaml")
        let ok = try run(["run", "--config", config, "--quiet"])
        #expect(ok.status == 0)
        #expect(ok.stdout.contains("findings (critical"))
        #expect(ok.stdout.contains("sheets/index.html"))
        let failing = try run(["run", "--config", config, "--quiet", "--fail-on", "critical"])
        #expect(failing.status == 1)
    }

    @Test func checkReportsEveryErrorWithFileAndLineAndExitsTwo() throws {
        let samples = Repository.copyOfSamples()
        let config = samples.file("Samples/accessreview.yaml")
        try samples.replace(
            in: "Samples/accessreview.yaml", "deadline_days: 30", with: "deadline_days: 30\ncolour: blue\nlanguage_: en"
        )
        let outcome = try run(["check", "--config", config])
        #expect(outcome.status == 2)
        #expect(outcome.stderr.contains("accessreview.yaml:8:1: error: unknown key 'colour'"))
        #expect(outcome.stderr.contains("accessreview.yaml:9:1: error: unknown key 'language_'"))
    }

    @Test func badArgumentsExitTwoWithAMessage() throws {
        let outcome = try run(["generate", "--people", "10", "--systems", "2", "--out", "/tmp/x"])
        #expect(outcome.status == 2)
        #expect(outcome.stderr.contains("at least 60"))
        #expect(outcome.stdout.isEmpty)
    }

    @Test func helpExplainsTheCommands() throws {
        let outcome = try run(["--help"])
        #expect(outcome.status == 0)
        for command in ["run", "check", "pull", "accounts", "decisions", "status", "explain", "verify", "generate"] {
            #expect(outcome.stdout.contains("  \(command)"), "--help does not list \(command)")
        }
    }

    @Test func pullAndAccountsWriteTheirSnapshots() throws {
        let samples = Repository.copyOfSamples()
        let config = samples.file("Samples/accessreview.yaml")
        let pull = try run(["pull", "--config", config, "--output", samples.file("directory.json"), "--quiet"])
        #expect(pull.status == 0)
        let directory =
            try JSONSerialization.jsonObject(
                with: Data(contentsOf: URL(fileURLWithPath: samples.file("directory.json")))) as? [String: Any]
        #expect((directory?["users"] as? [Any])?.count == 318)
        let accounts = try run(["accounts", "--config", config, "--output", samples.file("accounts.json"), "--quiet"])
        #expect(accounts.status == 0)
        #expect(samples.exists("accounts.json"))
    }
}
