@testable import AccessReviewCore
@testable import AccessReviewPlatform
import Foundation
import Testing
import TestSupport
import ZIPFoundation

/// The workbook writer on its own: text that XML cannot carry as it is comes back as it was
/// written, and lines past a worksheet's row limit continue on sheets of their own.
@Suite(.processStarted) struct WorkbookWriterTests {
    let folder = TemporaryFolder()

    func printable(rows: [[String]]) -> PrintableSheet {
        PrintableSheet(
            title: "Attestation T — abc", organisation: "Kommune & Co <test>", created: 1_796_000_000,
            instructionsName: "Vejledning", attestationName: "Attestation", instructions: ["Titel", "Gør sådan"],
            headerBlock: [("Organisation", "Kommune"), ("Attestant", "abc")], columns: ["A", "B", "C"],
            layout: .init(
                headerRow: SheetLayout.headerRow, decisionColumn: 1, commentColumn: 2, rowIdColumn: 0,
                widths: [10, 10, 10],
                printed: [(0, 100), (1, 100), (2, 100)]),
            rowCount: rows.count, cells: { rows[$0] }, shade: { $0 % 2 == 0 ? .high : nil },
            decisionWords: ["Behold", "Fjern"],
            validation: .init(errorTitle: "Fejl", errorMessage: "Vælg \"Behold\"", inputTitle: "B", inputMessage: "B"),
            pageTitle: "T", pageNumber: { "\($0)/\($1)" }, footer: "F",
            signOff: .init(title: "S", statement: "S", labels: ["Navn"], reviewerLine: "abc"))
    }

    func write(_ sheet: PrintableSheet, maximumRows: Int = XLSXSheetWriter.maximumRows) throws -> String {
        let path = folder.file("sheet-\(maximumRows).xlsx")
        FileManager.default.createFile(atPath: path, contents: nil)
        let handle = try FileHandle(forWritingTo: URL(fileURLWithPath: path))
        let (sha256, bytes) = try XLSXSheetWriter.write(sheet, to: handle, path: path, maximumRows: maximumRows)
        try handle.close()
        let data = try Data(contentsOf: URL(fileURLWithPath: path))
        #expect(bytes == data.count && sha256 == Hashing.sha256Hex(data), "the hash is of the bytes written")
        return path
    }

    @Test func controlCharactersMarkupAndEscapeLookalikesReadBackAsWritten() throws {
        let values = [
            "tab\there", "bell\u{7}and\u{1B}escape", "a & b < c > \"d\"", "_x0041_ stays itself", " leading",
            "trailing ", "Ærø_x00", "_x005F_",
        ]
        let rows = values.map { ["id", "", $0] }
        let returned = try ReturnedSheetReader.readXLSX(path: try write(printable(rows: rows)))
        #expect(returned.rows.map { $0.1.count > 2 ? $0.1[2] : "" } == values)
        #expect(returned.header["Organisation"] == "Kommune")
    }

    @Test func linesPastTheRowLimitContinueOnSheetsOfTheirOwn() throws {
        // A row limit six rows past the header row: six lines a sheet.
        let rows = (0..<15).map { ["id\($0)", "", "line \($0)"] }
        let limit = SheetLayout.headerRow + 1 + 6
        let path = try write(printable(rows: rows), maximumRows: limit)
        let archive = try Archive(url: URL(fileURLWithPath: path), accessMode: .read)
        func part(_ name: String) throws -> String {
            var data = Data()
            _ = try archive.extract(try #require(archive[name], "no \(name)")) { data.append($0) }
            return String(decoding: data, as: UTF8.self)
        }
        let workbook = try part("xl/workbook.xml")
        #expect(workbook.contains("name=\"Attestation (2)\"") && workbook.contains("name=\"Attestation (3)\""))
        #expect(!workbook.contains("Attestation (4)"))
        var seen: [String] = []
        for number in 2...4 {
            let sheet = try part("xl/worksheets/sheet\(number).xml")
            #expect(
                sheet.contains("<t>Organisation</t>") && sheet.contains("<pane ySplit=\"\(SheetLayout.headerRow + 1)\"")
            )
            seen += sheet.matches(of: /<t>(line \d+)<\/t>/).map { String($0.1) }
            #expect(!sheet.contains("<row r=\"\(limit + 1)\""), "no row past the limit")
        }
        #expect(seen == rows.map { $0[2] }, "every line once, in order")
    }
}
