@testable import AccessReviewCore
import Foundation
import AccessReviewApp
import Testing
import TestSupport

/// Properties on generated organisations: a finding for every injected anomaly and nowhere
/// else; the order of directory entries and export records changes no output byte.
@Suite(.serialized, .processStarted) struct GeneratedOrganisationTests {
    func run(_ folder: TemporaryFolder) throws -> Application.RunSummary {
        let config = try RunConfig.load(path: folder.file("accessreview.yaml"))
        return try Application(config: config).run()
    }

    @Test(arguments: [(UInt64(1), 400, 5), (UInt64(2), 900, 9), (UInt64(3), 120, 1)])
    func everyInjectedAnomalyIsFoundAndNothingElse(_ seed: UInt64, _ people: Int, _ systems: Int) throws {
        let folder = TemporaryFolder()
        let expected = try OrganisationGenerator(people: people, systems: systems, seed: seed).write(to: folder.path)
        let summary = try run(folder)
        let found = summary.findings.map(OrganisationGenerator.Expected.init).sorted()
        #expect(Set(found).count == found.count, "no finding twice")
        let missing = Set(expected).subtracting(found), extra = Set(found).subtracting(expected)
        #expect(missing.isEmpty, "not found: \(missing.sorted().prefix(5))")
        #expect(extra.isEmpty, "found but not injected: \(extra.sorted().prefix(5))")
        for code in FindingCode.allCases where !code.needsHistory && (systems >= 2 || code != .staleExport) {
            #expect(expected.contains { $0.code == code.rawValue }, "the generator injects no \(code.rawValue)")
        }
    }

    @Test func shufflingEntriesAndRecordsChangesNoOutputByte() throws {
        let plain = TemporaryFolder(), shuffled = TemporaryFolder()
        try OrganisationGenerator(people: 300, systems: 4, seed: 9).write(to: plain.path)
        try OrganisationGenerator(people: 300, systems: 4, seed: 9, orderSeed: 77).write(to: shuffled.path)
        #expect(plain.read("directory.ldif") != shuffled.read("directory.ldif"), "the order differs")
        _ = try run(plain)
        try FileManager.default.createDirectory(atPath: shuffled.file("out"), withIntermediateDirectories: true)
        try FileManager.default.copyItem(
            atPath: plain.file("out/state.sqlite"), toPath: shuffled.file("out/state.sqlite"))
        _ = try run(shuffled)
        let files = try FileManager.default.subpathsOfDirectory(atPath: plain.file("out/GEN")).filter {
            // The manifest and the report say when the run was made.
            !$0.hasSuffix("manifest.json") && !$0.hasSuffix("report.html") && $0.contains(".")
        }
        #expect(files.count > 20)
        for file in files {
            var a = FileManager.default.contents(atPath: plain.file("out/GEN/\(file)"))
            var b = FileManager.default.contents(atPath: shuffled.file("out/GEN/\(file)"))
            if file == "accounts.json" {
                // It records each export's SHA-256, which is the one thing that must differ.
                let strip = { (data: Data?) in
                    data.map {
                        Data(
                            String(decoding: $0, as: UTF8.self).replacing(/"export_sha256":"[0-9a-f]{64}"/, with: "")
                                .utf8)
                    }
                }
                a = strip(a)
                b = strip(b)
            }
            #expect(a != nil && a == b, "\(file) depends on input order")
        }
    }

    @Test func everyLineIsOnExactlyOneManagerSheetAndNoOneReviewsThemselves() throws {
        let folder = TemporaryFolder()
        try OrganisationGenerator(people: 500, systems: 6, seed: 4).write(to: folder.path)
        let config = try RunConfig.load(path: folder.file("accessreview.yaml"))
        let inputs = try InputLoader(config: config).loadAll()
        let result = try Reconciler(
            ReconcileInput(
                directory: inputs.directory, hr: inputs.hr, exports: inputs.exports, mappings: inputs.mappings,
                handbook: inputs.handbook, asOf: inputs.asOf, language: .da)
        ).run()
        for line in result.lines {
            #expect(!line.reviewer.isEmpty && line.reviewer != line.identity)
            if let second = line.secondReviewer { #expect(second != line.identity) }
        }
        let keys = result.lines.map { "\($0.system)|\($0.account)|\($0.role)" }
        #expect(Set(keys).count == keys.count, "each line once, on its one manager sheet")

        // Freeing the accounts once correlated (as a run does) changes nothing in the result.
        var releasing = ReconcileInput(
            directory: inputs.directory, hr: inputs.hr, exports: inputs.exports, mappings: inputs.mappings,
            handbook: inputs.handbook, asOf: inputs.asOf, language: .da)
        let trims = Counter()
        releasing.release = InputRelease(returnFreedMemory: { _ = trims.increment() })
        let released = try Reconciler(releasing).run()
        #expect(released.lines == result.lines)
        #expect(trims.count > inputs.exports.count, "the application's hook is called after each release")
        #expect(released.findings.map(\.detail) == result.findings.map(\.detail))
        #expect(inputs.exports.allSatisfy { !$0.accounts.isEmpty }, "a caller's copy of the accounts is never touched")
    }
}

/// A million identities hold 7.4 M lines: each byte of a line is 7 MB at the run's peak.
@Suite struct AccessLineLayoutTests {
    @Test func aLineTakesNoMoreThan136Bytes() {
        // The one-byte fields sit after the ground's tag; in declaration order they padded the line to 160.
        #expect(MemoryLayout<AccessLine>.stride <= 136, "stride \(MemoryLayout<AccessLine>.stride)")
    }
}

/// An export of 2.5 M accounts holds 2.5 M of these: each byte is 2.5 MB at the peak.
@Suite struct AccountLayoutTests {
    @Test func anAccountTakesNoMoreThan80Bytes() {
        // Its keys are 24 (shared names, one string of values); the rest is packed around the days' tag bytes.
        #expect(MemoryLayout<Account>.stride <= 80, "stride \(MemoryLayout<Account>.stride)")
    }
}
