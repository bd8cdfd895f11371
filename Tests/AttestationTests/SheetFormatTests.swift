@testable import AccessReviewCore
import Foundation
import AccessReviewApp
import Testing
import TestSupport
import ZIPFoundation

/// Each sheet format read back: the XLSX parts (validation, protection, locked cells,
/// frozen header, autofilter, colours), the PDF through pdftotext.
@Suite(.serialized, .processStarted) struct SheetFormatTests {
    let output = TemporaryFolder()

    init() throws {
        var config = try RunConfig.load(path: Repository.path("Samples/accessreview.yaml"))
        config.output = output.path
        _ = try Application(config: config).run()
    }

    func part(_ name: String, of reviewer: String) throws -> String {
        let archive = try Archive(
            url: URL(fileURLWithPath: output.file("2026-H2/sheets/\(reviewer).xlsx")), accessMode: .read)
        let entry = try #require(archive[name], "no \(name)")
        var data = Data()
        _ = try archive.extract(entry) { data.append($0) }
        return String(decoding: data, as: UTF8.self)
    }

    @Test func xlsxHasTheListValidationProtectionFrozenHeaderAndAutofilter() throws {
        let sheet = try part("xl/worksheets/sheet2.xml", of: "maso")
        #expect(sheet.contains("<pane ySplit=\"9\" topLeftCell=\"A10\" activePane=\"bottomLeft\" state=\"frozen\"/>"))
        #expect(sheet.contains("<autoFilter ref=\"A9:O126\"/>"))
        #expect(sheet.contains("<sheetProtection"))
        let validation = try #require(
            sheet.range(of: "<dataValidation ").map { String(sheet[$0.lowerBound...].prefix(600)) })
        #expect(validation.contains("type=\"list\"") && validation.contains("sqref=\"N10:N126\""))
        #expect(
            validation.contains("showErrorMessage=\"1\"") && !validation.contains("errorStyle=\"warning\""),
            "a stop message")
        #expect(validation.contains("<formula1>\"Behold,Fjern\"</formula1>"))
        #expect(!sheet.contains("<f>"), "no cell is a formula")
        #expect(sheet.contains("<t>Mads Sørensen</t>") || sheet.contains("maso — Mads Sørensen"))
    }

    @Test func onlyDecisionAndCommentAreUnlocked() throws {
        let sheet = try part("xl/worksheets/sheet2.xml", of: "maso")
        let styles = try part("xl/styles.xml", of: "maso")
        // The style index of each cell in row 10, by column letter.
        let row = try #require(
            sheet.range(of: "<row r=\"10\"").map { String(sheet[$0.lowerBound...].prefix { $0 != "\n" }) })
        var styleOf: [String: Int] = [:]
        for match in row.matches(of: /<c r="([A-Z]+)10"(?: s="(\d+)")?/) {
            styleOf[String(match.1)] = match.2.flatMap { Int($0) } ?? 0
        }
        let xfs = try #require(styles.range(of: "<cellXfs").map { String(styles[$0.lowerBound...]) })
        let entries = xfs.components(separatedBy: "<xf ").dropFirst().map {
            $0.components(separatedBy: "</xf>").first ?? $0
        }
        func unlocked(_ column: String) -> Bool {
            guard let index = styleOf[column], index < entries.count else { return false }
            return entries[index].contains("locked=\"0\"")
        }
        #expect(unlocked("N") && unlocked("O"))
        for column in ["A", "B", "H", "J", "L", "M"] { #expect(!unlocked(column), "column \(column) must stay locked") }
    }

    @Test func documentPropertiesCarryTheSnapshotDate() throws {
        let core = try part("docProps/core.xml", of: "maso")
        #expect(core.contains("2026-11-29T12:00:00Z"))
    }

    @Test func pdfTextIsExtractableWithDanishLettersPageNumbersAndSignOff() throws {
        let pdf = output.file("2026-H2/sheets/maso.pdf")
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/pdftotext")
        process.arguments = ["-layout", pdf, "-"]
        let pipe = Pipe()
        process.standardOutput = pipe
        process.standardError = FileHandle.nullDevice
        try process.run()
        let text = String(decoding: pipe.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        process.waitUntilExit()
        #expect(text.contains("Mads Sørensen"))
        #expect(text.contains("Øjebliksbillede") && text.contains("Planlægger"))
        #expect(text.contains("Side 1 af 4") && text.contains("Side 4 af 4"))
        #expect(text.contains("Underskrift:") && text.contains("Jeg har gennemgået adgangene"))
        let ids = try CSVSheetRows.ids(output.file("2026-H2/sheets/maso.csv"))
        #expect(ids.count == 117)
    }

    @Test func indexLinksEveryFormat() throws {
        let html = try #require(output.read("2026-H2/sheets/index.html"))
        for format in ["xlsx", "pdf", "csv"] { #expect(html.contains("href=\"maso.\(format)\"")) }
    }
}

enum CSVSheetRows {
    static func ids(_ path: String) throws -> [String] {
        let text = try String(contentsOfFile: path, encoding: .utf8)
        return ReturnedSheetReader.parseCSV(text, separator: ";").dropFirst(9).compactMap {
            $0.count > 13 ? $0[0] : nil
        }
    }
}
