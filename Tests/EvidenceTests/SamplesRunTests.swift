@testable import AccessReviewCore
import Crypto
import Foundation
import AccessReviewApp
import Testing
import TestSupport

/// The whole pipeline on the Samples: golden files, determinism, sheet properties, and
/// failures that leave nothing behind.
@Suite(.serialized, .processStarted) struct SamplesRunTests {
    static let goldenFolder = Repository.path("Tests/EvidenceTests/Golden")
    static let goldenSheet = "sheets/maso.csv"

    func runSamples(into output: TemporaryFolder, configPath: String = Repository.path("Samples/accessreview.yaml"))
        throws -> Application.RunSummary
    {
        var config = try RunConfig.load(path: configPath)
        config.output = output.path
        return try Application(config: config).run()
    }

    @Test func goldenFindingsAndSheet() throws {
        let output = TemporaryFolder()
        let summary = try runSamples(into: output)
        let record = ProcessInfo.processInfo.environment["ACCESSREVIEW_RECORD"] != nil
        for (name, relative) in [("findings.csv", "findings.csv"), ("sheet-maso.csv", Self.goldenSheet)] {
            // Row ids are keyed by the campaign's random secret: the golden file holds them masked.
            let actual = Self.maskRowIds(
                try #require(
                    FileManager.default.contents(atPath: (summary.folder as NSString).appendingPathComponent(relative)))
            )
            let goldenPath = (Self.goldenFolder as NSString).appendingPathComponent(name)
            if record {
                FileManager.default.createFile(atPath: goldenPath, contents: actual)
                continue
            }
            let expected = try #require(
                FileManager.default.contents(atPath: goldenPath),
                "no golden file \(goldenPath); record with ACCESSREVIEW_RECORD=1")
            if actual != expected {
                let a = String(decoding: actual, as: UTF8.self).components(separatedBy: "\r\n")
                let e = String(decoding: expected, as: UTF8.self).components(separatedBy: "\r\n")
                let diff = a.difference(from: e).map { change -> String in
                    switch change {
                    case .insert(let offset, let line, _): return "+\(offset + 1): \(line)"
                    case .remove(let offset, let line, _): return "-\(offset + 1): \(line)"
                    }
                }
                Issue.record(
                    "\(name) differs from the golden file (re-record with ACCESSREVIEW_RECORD=1):\n\(diff.prefix(40).joined(separator: "\n"))"
                )
            }
        }
    }

    static func maskRowIds(_ data: Data) -> Data {
        let text = String(decoding: data, as: UTF8.self)
        let masked = text.components(separatedBy: "\r\n").map { line -> String in
            guard line.count > 25, line.prefix(24).allSatisfy(\.isHexDigit), line.dropFirst(24).first == ";" else {
                return line
            }
            return "<row-id>" + line.dropFirst(24)
        }
        return Data(masked.joined(separator: "\r\n").utf8)
    }

    @Test func findingsHaveTheDesignHeaderAndEveryFirstRunCode() throws {
        let output = TemporaryFolder()
        let summary = try runSamples(into: output)
        let csv = try #require(output.read("2026-H2/findings.csv"))
        #expect(csv.hasPrefix("code,severity,identity,system,account,role,rule,reviewer,detail\r\n"))
        let codes = Set(summary.findings.map(\.code))
        for code in FindingCode.allCases where !code.needsHistory {
            #expect(codes.contains(code), "the Samples give no \(code.rawValue)")
        }
    }

    @Test func twoRunsWithTheSameStateStoreGiveByteIdenticalOutputs() throws {
        let first = TemporaryFolder(), second = TemporaryFolder()
        _ = try runSamples(into: first)
        try FileManager.default.copyItem(atPath: first.file("state.sqlite"), toPath: second.file("state.sqlite"))
        _ = try runSamples(into: second)
        let files = try FileManager.default.subpathsOfDirectory(atPath: first.file("2026-H2")).filter {
            // The manifest and the report say when the run was made.
            !$0.hasSuffix("manifest.json") && !$0.hasSuffix("report.html")
        }
        #expect(files.count > 10)
        for file in files {
            var isDirectory: ObjCBool = false
            guard FileManager.default.fileExists(atPath: first.file("2026-H2/\(file)"), isDirectory: &isDirectory),
                !isDirectory.boolValue
            else { continue }
            #expect(
                FileManager.default.contents(atPath: first.file("2026-H2/\(file)"))
                    == FileManager.default.contents(atPath: second.file("2026-H2/\(file)")),
                "\(file) differs between two runs")
        }
    }

    @Test func everyReviewerHasOneSheetAndNoOneSeesTheirOwnAccess() throws {
        var config = try RunConfig.load(path: Repository.path("Samples/accessreview.yaml"))
        let output = TemporaryFolder()
        config.output = output.path
        let pipeline = InputLoader(config: config)
        let inputs = try pipeline.loadAll()
        let result = try Reconciler(
            ReconcileInput(
                directory: inputs.directory, hr: inputs.hr, exports: inputs.exports, mappings: inputs.mappings,
                handbook: inputs.handbook, asOf: inputs.asOf, language: .da)
        ).run()
        let context = SheetContext(
            organisation: "E", campaign: "2026-H2", asOf: inputs.asOf, deadline: inputs.asOf + 30, language: .da,
            csvSeparator: ";")
        let sheets = SheetBuilder(context: context, key: SymmetricKey(size: .bits256)).sheets(for: result)
        #expect(Set(sheets.map(\.reviewer)).count == sheets.count)
        #expect(Set(sheets.map(\.reviewer)) == Set(result.reviewers))
        var managerRows: [String: Int] = [:]
        for sheet in sheets {
            for row in sheet.rows {
                #expect(row.line.identity != sheet.reviewer, "\(sheet.reviewer) has their own line")
                // The primary reviewer: the manager of a person's line, the owner of a line of no person.
                if row.line.reviewer == sheet.reviewer && row.capacity == Sheet.primaryCapacity(row.line) {
                    #expect(row.capacity == (row.line.identity == nil ? .systemOwner : .manager))
                    let key = "\(row.line.system)|\(row.line.account)|\(row.line.role)"
                    managerRows[key, default: 0] += 1
                }
            }
        }
        #expect(managerRows.count == result.lines.count, "every line on its primary reviewer's sheet")
        #expect(managerRows.values.allSatisfy { $0 == 1 }, "and on exactly one")
        let total = try FileManager.default.contentsOfDirectory(atPath: output.path).count
        #expect(total == 0, "nothing written by the in-memory check")
    }

    @Test func aBrokenMappingLeavesNoOutputFolder() throws {
        let samples = Repository.copyOfSamples()
        try samples.replace(
            in: "Mappings/systems/esdh.yaml", "      roles: \"Role/@name\"",
            with: "      roles: \"Role/@name[\"\n      colour: blue")
        let output = TemporaryFolder()
        do {
            _ = try runSamples(into: output, configPath: samples.file("Samples/accessreview.yaml"))
            Issue.record("a broken mapping must stop the run")
        } catch let list as DiagnosticList {
            #expect(
                list.diagnostics.contains {
                    $0.file.hasSuffix("esdh.yaml") && $0.line == 15 && $0.message.contains("does not compile")
                })
        }
        #expect(try FileManager.default.contentsOfDirectory(atPath: output.path).isEmpty)
    }

    @Test func aBrokenHandbookLeavesNoOutputFolder() throws {
        let samples = Repository.copyOfSamples()
        try samples.replace(
            in: "Mappings/handbook.yaml", "  dormant_after_days: 90", with: "  dormant_after_days: ninety")
        let output = TemporaryFolder()
        #expect(throws: DiagnosticList.self) {
            _ = try runSamples(into: output, configPath: samples.file("Samples/accessreview.yaml"))
        }
        #expect(try FileManager.default.contentsOfDirectory(atPath: output.path).isEmpty)
    }

    @Test func verifyNamesAnAlteredFile() throws {
        let output = TemporaryFolder()
        let summary = try runSamples(into: output)
        #expect(try ManifestVerifier.verify(folder: summary.folder).ok)
        try "tampered".write(
            toFile: (summary.folder as NSString).appendingPathComponent("sheets/maso.csv"), atomically: true,
            encoding: .utf8)
        let report = try ManifestVerifier.verify(folder: summary.folder)
        #expect(report.altered == ["sheets/maso.csv"])
    }
}
