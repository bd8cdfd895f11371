@testable import AccessReviewCore
import Foundation
import AccessReviewApp
import Testing
import TestSupport
import ZIPFoundation

/// The attestation round trip on the Samples: run, fill in sheets programmatically, import,
/// and check the revocation lists; then one test per tamper case, each naming the row.
@Suite(.serialized, .processStarted) struct RoundTripTests {
    let output = TemporaryFolder()
    let config: RunConfig
    let state: StateStore

    init() throws {
        var config = try RunConfig.load(path: Repository.path("Samples/accessreview.yaml"))
        config.output = output.path
        _ = try Application(config: config).run()
        self.config = config
        state = try StateStore(path: output.file("state.sqlite"))
    }

    var importer: DecisionImporter { get throws { try DecisionImporter(state: state, campaign: "2026-H2") } }

    func sheet(_ reviewer: String, _ format: String) -> String { output.file("2026-H2/sheets/\(reviewer).\(format)") }

    // MARK: CSV helpers

    func csvRows(_ reviewer: String) throws -> [[String]] {
        let text = try String(contentsOfFile: sheet(reviewer, "csv"), encoding: .utf8)
        return ReturnedSheetReader.parseCSV(String(text.drop { $0 == "\u{FEFF}" }), separator: ";")
    }

    /// Writes a returned CSV: `edit` may change any cell of any row (0-based record index).
    func returnedCSV(_ reviewer: String, name: String = "returned.csv", _ edit: (inout [[String]]) -> Void) throws
        -> String
    {
        var rows = try csvRows(reviewer)
        edit(&rows)
        var writer = CSVWriter(separator: ";", byteOrderMark: true)
        for row in rows { writer.row(row) }
        return output.write(name, data: writer.data)
    }

    /// Decides every data row: Remove where the line has findings, Keep elsewhere.
    func decideAll(_ rows: inout [[String]], keep: String = "Behold", remove: String = "Fjern") {
        for index in 9..<rows.count where rows[index].count > 13 {
            rows[index][SheetLayout.decisionColumn] = rows[index][SheetLayout.codesColumn].isEmpty ? keep : remove
        }
    }

    func refusal(_ outcome: DecisionImporter.Outcome) -> [Diagnostic] {
        if case .refused(let problems) = outcome { return problems }
        Issue.record("expected a refusal, got \(outcome)")
        return []
    }

    // MARK: Round trip

    @Test func csvRoundTripGivesRevocationListsAndIsIdempotent() throws {
        let path = try returnedCSV("maso") { decideAll(&$0) }
        let outcome = try importer.importFile(path)
        #expect(outcome == .recorded(reviewer: "maso", decided: 117, undecided: 0))
        #expect(
            try importer.importFile(path) == .alreadyImported(reviewer: "maso"), "the same file twice changes nothing")
        let revocations = try CampaignReport(state: state, campaign: "2026-H2").revocations()
        let flagged = try csvRows("maso").dropFirst(9).filter { $0.count > 13 && !$0[SheetLayout.codesColumn].isEmpty }
        #expect(revocations.count == flagged.count)
        #expect(
            revocations.contains {
                $0.identity == "rape" && $0.system == "omsorg" && $0.role == "Planlægger" && $0.reviewer == "maso"
            })
        let files = try CampaignReport(state: state, campaign: "2026-H2").revocationFiles(revocationDays: 14)
        let omsorg = try #require(files["omsorg.csv"].map { String(decoding: $0, as: UTF8.self) })
        #expect(omsorg.hasPrefix("\u{FEFF}identity,account,role,reviewer,decided_at,decided_on,remove_by,comment\r\n"))
        #expect(omsorg.contains("rape,OM5002,Planlægger,maso,"))
        let progress = try CampaignReport(state: state, campaign: "2026-H2").progress(today: Day(iso: "2026-12-01")!)
        let maso = try #require(progress.first { $0.reviewer == "maso" })
        #expect(maso.decided == 117 && maso.total == 117 && !maso.overdue)
        #expect(progress.first { $0.reviewer == "vist" }?.decided == 0)
        let late = try CampaignReport(state: state, campaign: "2026-H2").progress(today: Day(iso: "2027-01-05")!)
        #expect(
            late.first { $0.reviewer == "vist" }?.overdue == true
                && late.first { $0.reviewer == "maso" }?.overdue == false)
    }

    @Test func aLaterFileSupersedesTheEarlierAndBothStayInTheHistory() throws {
        let first = try returnedCSV("vist", name: "first.csv") { rows in
            for index in 9..<rows.count where rows[index].count > 13 {
                rows[index][SheetLayout.decisionColumn] = "Fjern"
            }
        }
        _ = try importer.importFile(first)
        #expect(
            try CampaignReport(state: state, campaign: "2026-H2").revocations().filter { $0.reviewer == "vist" }.count
                == 9)
        let second = try returnedCSV("vist", name: "second.csv") { rows in
            for index in 9..<rows.count where rows[index].count > 13 {
                rows[index][SheetLayout.decisionColumn] = "KEEP"
            }
        }
        #expect(try importer.importFile(second) == .recorded(reviewer: "vist", decided: 9, undecided: 0))
        #expect(
            try CampaignReport(state: state, campaign: "2026-H2").revocations().filter { $0.reviewer == "vist" }.isEmpty
        )
        #expect(try state.importCount(campaign: "2026-H2") == 2)
    }

    @Test func aRemoveFromEitherReviewerOfASharedLineRevokesIt() throws {
        // esdh/Administrator lines go to the manager and to esdh's owner (aekj).
        let owner = try csvRows("aekj")
        let shared = try #require(owner.dropFirst(9).first { $0.count > 14 && $0[11] == "systemejer" })
        let path = try returnedCSV("aekj") { rows in
            for index in 9..<rows.count where rows[index].count > 13 {
                rows[index][SheetLayout.decisionColumn] =
                    rows[index][SheetLayout.rowIdColumn] == shared[SheetLayout.rowIdColumn] ? "Fjern" : "Behold"
                rows[index][SheetLayout.commentColumn] = "set"
            }
        }
        #expect(try importer.importFile(path) != .refused([]))
        #expect(
            try CampaignReport(state: state, campaign: "2026-H2").revocations().contains {
                $0.account == shared[5] && $0.role == shared[6] && $0.reviewer == "aekj"
            })
    }

    @Test func xlsxRoundTrip() throws {
        let source = sheet("maso", "xlsx")
        let target = output.file("maso-returned.xlsx")
        try rewriteXLSX(source, to: target) { name, xml in
            guard name == "xl/worksheets/sheet2.xml" else { return xml }
            // Decide every row: Fjern (Remove) on rows 10 and 11, Behold on the rest, a comment everywhere.
            var text = xml
            for row in 10...126 {
                let decision = row <= 11 ? "Fjern" : "behold"
                text = fill(text, cell: "N\(row)", decision)
                text = fill(text, cell: "O\(row)", "gennemgået")
            }
            return text
        }
        let outcome = try importer.importFile(target)
        #expect(outcome == .recorded(reviewer: "maso", decided: 117, undecided: 0))
        #expect(try CampaignReport(state: state, campaign: "2026-H2").revocations().count == 2)
    }

    /// ECMA-376 lets a writer leave out the `r` of a cell: it follows the one before.
    /// Such a workbook is read as the same sheet (it crashed the reader once).
    @Test func aWorkbookWithoutCellReferencesReadsTheSame() throws {
        let target = output.file("no-references.xlsx")
        try rewriteXLSX(sheet("maso", "xlsx"), to: target) { name, xml in
            guard name == "xl/worksheets/sheet2.xml" else { return xml }
            var text = fill(fill(xml, cell: "N10", "Fjern"), cell: "O10", "ikke længere")
            // Decision and Comment follow the "reviewed as" cell of each row: their r can go.
            text = text.replacingOccurrences(of: #"<c r="[MN][0-9]+""#, with: "<c", options: .regularExpression)
            return text
        }
        let stripped = try ReturnedSheetReader.read(path: target)
        let original = try ReturnedSheetReader.read(path: sheet("maso", "xlsx"))
        #expect(stripped.rows.count == original.rows.count)
        #expect(stripped.rows.map { Array($0.cells.prefix(12)) } == original.rows.map { Array($0.cells.prefix(12)) })
        #expect(try importer.importFile(target) == .recorded(reviewer: "maso", decided: 1, undecided: 116))
    }

    // MARK: Tamper cases

    @Test func anAddedRowIsRefusedNamingIt() throws {
        let path = try returnedCSV("maso") { rows in
            decideAll(&rows)
            var extra = rows[10]
            extra[SheetLayout.rowIdColumn] = ""
            extra[6] = "Administrator"
            rows.append(extra)
        }
        let problems = refusal(try importer.importFile(path))
        #expect(
            problems.contains {
                $0.line == 127
                    && $0.message == "row 127: was added (it has no row id); only Decision and Comment may be filled in"
            })
        #expect(try state.importCount(campaign: "2026-H2") == 0, "nothing of a refused file is recorded")
    }

    @Test func aRowEditedOutsideDecisionAndCommentIsRefused() throws {
        let path = try returnedCSV("maso") { rows in
            decideAll(&rows)
            rows[12][6] = "Administrator"
        }
        let problems = refusal(try importer.importFile(path))
        #expect(
            problems.map(\.message) == [
                "row 13: was edited outside Decision and Comment (the row no longer matches its row id \(try csvRows("maso")[12][SheetLayout.rowIdColumn]))"
            ])
    }

    @Test func aRowRemovedAndReplacedIsRefused() throws {
        let path = try returnedCSV("maso") { rows in
            decideAll(&rows)
            var replacement = rows[15]
            replacement[SheetLayout.rowIdColumn] = String(repeating: "ab", count: 12)
            rows[15] = replacement
        }
        let problems = refusal(try importer.importFile(path))
        #expect(problems.first?.message.hasPrefix("row 16: was added or its row id was changed") == true)
    }

    @Test func aRowFromAnotherReviewerIsRefused() throws {
        let other = try csvRows("vist")[9]
        let path = try returnedCSV("maso") { rows in
            decideAll(&rows)
            rows.append(other)
        }
        let problems = refusal(try importer.importFile(path))
        #expect(problems.contains { $0.message == "row 127: comes from vist's sheet, not maso's" })
    }

    @Test func aSheetFromAnotherCampaignIsRefused() throws {
        let path = try returnedCSV("maso") { rows in
            decideAll(&rows)
            rows[1][1] = "2026-H1"
        }
        let problems = refusal(try importer.importFile(path))
        #expect(problems.contains { $0.line == 2 && $0.message.contains("campaign '2026-H1'") })
    }

    @Test func aDecisionThatIsNotKeepOrRemoveIsRefused() throws {
        let path = try returnedCSV("maso") { rows in
            decideAll(&rows)
            rows[20][SheetLayout.decisionColumn] = "Måske"
        }
        let problems = refusal(try importer.importFile(path))
        #expect(problems.map(\.message) == ["row 21: the decision 'Måske' is neither Keep/Behold nor Remove/Fjern"])
    }

    @Test func keepingASeriousFindingNeedsAComment() throws {
        let rows = try csvRows("maso")
        let index = try #require(
            rows.indices.first {
                $0 >= 9 && rows[$0].count > 13 && rows[$0][SheetLayout.codesColumn].contains("LEAVER_ACCESS")
            })
        let path = try returnedCSV("maso") { rows in
            decideAll(&rows)
            rows[index][SheetLayout.decisionColumn] = "Behold"
        }
        let problems = refusal(try importer.importFile(path))
        #expect(
            problems.map(\.message) == [
                "row \(index + 1): keeping rape's \(rows[index][4])/\(rows[index][6]) with a critical finding needs a comment"
            ])
        let commented = try returnedCSV("maso", name: "commented.csv") { rows in
            decideAll(&rows)
            rows[index][SheetLayout.decisionColumn] = "Behold"
            rows[index][SheetLayout.commentColumn] = "Overdraget til efterfølger den 1.12"
        }
        #expect(try importer.importFile(commented) == .recorded(reviewer: "maso", decided: 117, undecided: 0))
    }

    @Test func formulasInDecisionOrCommentAndMacrosAreRefused() throws {
        let target = output.file("formula.xlsx")
        try rewriteXLSX(sheet("maso", "xlsx"), to: target) { name, xml in
            guard name == "xl/worksheets/sheet2.xml" else { return xml }
            guard let start = xml.range(of: "<c r=\"N10\""), let end = xml[start.upperBound...].range(of: "/>") else {
                return xml
            }
            return xml.replacingCharacters(
                in: start.lowerBound..<end.upperBound,
                with: "<c r=\"N10\" t=\"str\"><f>HYPERLINK(\"http://x\",\"Behold\")</f><v>Behold</v></c>")
        }
        let problems = refusal(try importer.importFile(target))
        #expect(problems.contains { $0.message.contains("row 10: a formula in Decision") })

        let macro = output.file("macro.xlsx")
        try rewriteXLSX(sheet("maso", "xlsx"), to: macro, extra: ["xl/vbaProject.bin": Data("not really".utf8)]) {
            _, xml in xml
        }
        #expect(refusal(try importer.importFile(macro)).contains { $0.message.contains("macros") })
    }

    @Test func aZipBombIsRefusedWithoutUnpackingIt() throws {
        let bomb = output.file("bomb.xlsx")
        let archive = try Archive(url: URL(fileURLWithPath: bomb), accessMode: .create)
        let chunk = Data(repeating: 0x20, count: 1 << 20)
        try archive.addEntry(
            with: "xl/worksheets/sheet2.xml", type: .file, uncompressedSize: Int64(300 << 20),
            compressionMethod: .deflate
        ) { position, size in
            chunk.prefix(size)
        }
        do {
            _ = try importer.importFile(bomb)
            Issue.record("a zip bomb must be refused")
        } catch let error as ToolError {
            #expect(error.message.contains("zip bomb") || error.message.contains("unpacks beyond"))
        }
        let size = try FileManager.default.attributesOfItem(atPath: bomb)[.size] as? Int ?? 0
        #expect(size < 2 << 20, "the bomb is small on disk")
    }

    @Test func sheetsAreReadableByTheOwnerOnly() throws {
        for format in ["xlsx", "pdf", "csv"] {
            let mode =
                try FileManager.default.attributesOfItem(atPath: sheet("maso", format))[.posixPermissions] as? Int
            #expect(mode == 0o600, "\(format) sheet mode \(String(mode ?? 0, radix: 8))")
        }
    }

    // MARK: XLSX helpers

    func fill(_ xml: String, cell: String, _ value: String) -> String {
        guard let range = xml.range(of: "<c r=\"\(cell)\" s=\"") else { return xml }
        let rest = xml[range.upperBound...]
        guard let close = rest.range(of: "/>") else { return xml }
        let style = rest[..<close.lowerBound].replacingOccurrences(of: "\"", with: "")
        return xml.replacingCharacters(
            in: range.lowerBound..<close.upperBound,
            with: "<c r=\"\(cell)\" s=\"\(style)\" t=\"inlineStr\"><is><t>\(value)</t></is></c>")
    }

    func rewriteXLSX(
        _ source: String, to target: String, extra: [String: Data] = [:], _ change: (String, String) -> String
    ) throws {
        let input = try Archive(url: URL(fileURLWithPath: source), accessMode: .read)
        let output = try Archive(url: URL(fileURLWithPath: target), accessMode: .create)
        var parts: [(String, Data)] = []
        for entry in input {
            var data = Data()
            _ = try input.extract(entry) { data.append($0) }
            parts.append((entry.path, Data(change(entry.path, String(decoding: data, as: UTF8.self)).utf8)))
        }
        parts += extra.map { ($0.key, $0.value) }
        for (name, data) in parts {
            try output.addEntry(
                with: name, type: .file, uncompressedSize: Int64(data.count), compressionMethod: .deflate
            ) { position, size in
                data.subdata(in: Int(position)..<Int(position) + size)
            }
        }
    }
}
