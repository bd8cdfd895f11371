@testable import AccessReviewCore
@testable import AccessReviewPlatform
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
        #expect(sheet.contains("<autoFilter ref=\"A9:Q126\"/>"))
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

    /// What pdftotext prints on stdout.
    func pdftotext(_ arguments: [String]) throws -> String {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/pdftotext")
        process.arguments = arguments
        let pipe = Pipe()
        process.standardOutput = pipe
        process.standardError = FileHandle.nullDevice
        try process.run()
        let text = String(decoding: pipe.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        process.waitUntilExit()
        return text
    }

    @Test func pdfTextIsExtractableWithDanishLettersPageNumbersAndSignOff() throws {
        let pdf = output.file("2026-H2/sheets/maso.pdf")
        let text = try pdftotext(["-layout", pdf, "-"])
        #expect(text.contains("Mads Sørensen"))
        #expect(text.contains("Øjebliksbillede") && text.contains("Planlægger"))
        // Every page numbered "Side n af N", N the pages the PDF has.
        let pages = text.components(separatedBy: "\u{0C}").filter {
            !$0.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty
        }
        #expect(pages.count > 1)
        for (index, page) in pages.enumerated() { #expect(page.contains("Side \(index + 1) af \(pages.count)")) }
        #expect(text.contains("Underskrift:") && text.contains("Jeg har gennemgået adgangene"))
        let ids = try CSVSheetRows.ids(output.file("2026-H2/sheets/maso.csv"))
        #expect(ids.count == 117)
    }

    /// Every sheet's data rows, as the CSV holds them.
    func csvRows(_ reviewer: String) throws -> [[String]] {
        let text = try #require(output.read("2026-H2/sheets/\(reviewer).csv"))
        return ReturnedSheetReader.parseCSV(text.replacingOccurrences(of: "\u{FEFF}", with: ""), separator: ";")
            .dropFirst(SheetLayout.headerRow + 1).filter { $0.count == SheetLayout.columnCount }
    }

    @Test func aManagerReadsFindingsInWordsJobRolesByNameAndARecommendation() throws {
        let handbook = try String(contentsOfFile: Repository.path("Mappings/handbook.yaml"), encoding: .utf8)
        let jobRoleIds = handbook.matches(of: /- id: (JR-[A-Z-]+)/).map { String($0.1) }
        #expect(jobRoleIds.count > 5)
        let m = Messages(.da)
        var seen = (remove: 0, keep: 0, orphans: 0, codes: Set<String>())
        let reviewers = try FileManager.default.contentsOfDirectory(atPath: output.file("2026-H2/sheets"))
            .filter { $0.hasSuffix(".csv") }.map { String($0.dropLast(4)) }
        for reviewer in reviewers {
            for row in try csvRows(reviewer) {
                let codes = row[SheetLayout.codesColumn].split(separator: " ").compactMap {
                    FindingCode(rawValue: String($0))
                }
                seen.codes.formUnion(codes.map(\.rawValue))
                // Findings in words, the codes only in their own column.
                #expect(row[SheetLayout.findingColumn] == codes.map(m.findingPhrase).joined(separator: "; "))
                #expect(row[SheetLayout.findingColumn].firstMatch(of: /[A-Z]{3,}_[A-Z_]+/) == nil)
                // The ground by the job role's name, never its id.
                #expect(!jobRoleIds.contains(row[8]), "\(reviewer): ground \(row[8])")
                // A recommendation where the handbook implies one, never filled in as the decision.
                #expect(row[SheetLayout.decisionColumn].isEmpty)
                if codes.contains(.leaverAccess) || codes.contains(.unauthorisedRole) || codes.contains(.dormantAccount)
                {
                    #expect(row[SheetLayout.recommendationColumn] == "Fjern", "\(row)")
                    seen.remove += 1
                } else if codes.isEmpty && row[8] == "grundrettighed" {
                    #expect(row[SheetLayout.recommendationColumn] == "Behold", "\(row)")
                    seen.keep += 1
                }
                // A line of no person (orphan, ambiguous, service account) is reviewed as its owner.
                if row[0].isEmpty {
                    #expect(row[11] == "systemejer", "\(reviewer): \(row)")
                    seen.orphans += 1
                }
            }
        }
        #expect(seen.remove > 5 && seen.keep > 50 && seen.orphans > 0)
        #expect(seen.codes.isSuperset(of: ["LEAVER_ACCESS", "ORPHAN_ACCOUNT", "SOD_CONFLICT", "UNAUTHORISED_ROLE"]))
        // The instructions say what each finding on the sheet means.
        let instructions = try part("xl/worksheets/sheet1.xml", of: "maso")
        for code in Set(try csvRows("maso").flatMap { $0[SheetLayout.codesColumn].split(separator: " ") }) {
            let explanation = m.findingExplanation(try #require(FindingCode(rawValue: String(code))))
            #expect(instructions.contains(explanation.xmlEscapedForTest), "\(code) is explained")
        }
    }

    @Test func theWorkbookPrintsLandscapeOnePageWideWithTheHeaderOnEveryPage() throws {
        let sheet = try part("xl/worksheets/sheet2.xml", of: "maso")
        #expect(sheet.contains("orientation=\"landscape\"") && sheet.contains("paperSize=\"9\""))
        #expect(sheet.contains("fitToWidth=\"1\"") || sheet.contains("<pageSetUpPr fitToPage=\"1\"/>"))
        #expect(sheet.contains("fitToHeight=\"0\""))
        let workbook = try part("xl/workbook.xml", of: "maso")
        #expect(workbook.contains("_xlnm.Print_Titles") && workbook.contains("$9:$9"))
        // The row id is the last, narrow column; the person the first.
        let columns = sheet.matches(of: /<col min="(\d+)" max="\d+" width="([0-9.]+)"/).map {
            (Int($0.1)!, Double($0.2)!)
        }
        let widths = Dictionary(columns, uniquingKeysWith: { a, _ in a })
        #expect(widths[SheetLayout.rowIdColumn + 1].map { $0 < 20 } == true, "\(widths)")
    }

    /// The PDF cuts nothing off: each printed column's text, read back by position with
    /// `pdftotext -bbox`, is every cell of that column in order, whole; and a page renders.
    @Test func thePDFShowsEveryCellWhole() throws {
        let pdf = output.file("2026-H2/sheets/maso.pdf")
        let png = output.file("maso-page")
        _ = try Slapd.run("/usr/bin/pdftoppm", ["-png", "-r", "60", "-f", "1", "-l", "1", pdf, png])
        let image = try Data(contentsOf: URL(fileURLWithPath: png + "-1.png"))
        #expect(image.starts(with: [0x89, 0x50, 0x4E, 0x47]) && image.count > 10_000)
        let html = try pdftotext(["-bbox", pdf, "-"])
        let layout = SheetLayout.printed
        var starts: [Float] = []
        var x: Float = 36
        for column in layout {
            starts.append(x)
            x += column.width
        }
        let m = Messages(.da)
        let headers = m.sheetColumns
        var read = Array(repeating: "", count: layout.count)
        for page in html.components(separatedBy: "<page ").dropFirst() {
            let words = page.matches(
                of: /<word xMin="([0-9.]+)" yMin="([0-9.]+)" xMax="[0-9.]+" yMax="([0-9.]+)">([^<]*)<\/word>/
            )
            .map { (x: Float($0.1)!, y: Float($0.2)!, height: Float($0.3)! - Float($0.2)!, text: String($0.4)) }
            // The table starts at the header row ("Person" in the first column) and ends above
            // the sign-off block (its larger title) or the footer.
            guard let top = words.first(where: { $0.text == headers[0] && abs($0.x - 36) < 1 })?.y else { continue }
            let end = words.filter { $0.y > top && $0.height > 9.5 }.map(\.y).min() ?? 555
            for (index, start) in starts.enumerated() {
                let inColumn = words.filter {
                    $0.y >= top - 1 && $0.y < min(end, 555) && $0.x >= start - 0.5
                        && $0.x < start + layout[index].width - 0.5
                }
                .sorted { ($0.y, $0.x) < ($1.y, $1.x) }
                var text = inColumn.map(\.text).joined().unescapedForTest
                let header = headers[layout[index].index].filter { !$0.isWhitespace }
                #expect(text.hasPrefix(header), "page header of column \(header): \(text.prefix(60))")
                text.removeFirst(min(header.count, text.count))
                read[index] += text
            }
        }
        let rows = try csvRows("maso")
        for (index, column) in layout.enumerated() {
            let expected = rows.map { row in
                column.index == SheetLayout.decisionColumn
                    ? "☐\(m.decisionWords[0])☐\(m.decisionWords[1])" : row[column.index]
            }.joined().filter { !$0.isWhitespace }
            let same = zip(read[index], expected).prefix { $0 == $1 }.count
            #expect(
                read[index] == expected,
                "column \(headers[column.index]) differs after \(same) characters: …\(read[index].dropFirst(max(0, same - 20)).prefix(60)) ≠ …\(expected.dropFirst(max(0, same - 20)).prefix(60))"
            )
        }
    }

    /// The PDF's font variant maps every character it is asked for to DejaVu's own glyph,
    /// with the glyph's data unchanged, and other glyphs empty; an unusual character (Cyrillic,
    /// Greek) gets a variant of its own.
    @Test func theFontVariantKeepsDejaVusGlyphsForTheCharactersASheetUses() throws {
        let original = try TrueTypeFont(path: PDFSheetWriter.fontPath)
        let extra: Set<UInt32> = [0x0416, 0x03A9]  // Ж, Ω
        let embedded = try PDFFont.font(covering: extra, original: PDFSheetWriter.fontPath)
        #expect(embedded !== (try PDFFont.font(covering: [], original: PDFSheetWriter.fontPath)))
        let variant = try TrueTypeFont(bytes: embedded.program, source: "variant")
        let asked = PDFFont.baseSet.union(extra).filter { original.glyphs[$0] != nil }
        #expect(asked.count > 500 && asked.contains(0xE5) && asked.contains(0x2610))
        for scalar in asked {
            #expect(variant.glyphs[scalar] == original.glyphs[scalar], "U+\(String(scalar, radix: 16))")
        }
        #expect(variant.glyphs.count == asked.count, "nothing else is mapped")
        // The glyph of å is DejaVu's, byte for byte; a glyph of a character not asked for is empty.
        func glyph(_ font: TrueTypeFont, _ id: UInt16) -> [UInt8] {
            let head = font.tables["head"]!.offset, loca = font.tables["loca"]!.offset,
                glyf = font.tables["glyf"]!.offset
            let long = TrueTypeFont.u16(font.bytes, head + 50) == 1
            let (start, end) =
                long
                ? (
                    Int(TrueTypeFont.u32(font.bytes, loca + 4 * Int(id))),
                    Int(TrueTypeFont.u32(font.bytes, loca + 4 * Int(id) + 4))
                )
                : (
                    2 * Int(TrueTypeFont.u16(font.bytes, loca + 2 * Int(id))),
                    2 * Int(TrueTypeFont.u16(font.bytes, loca + 2 * Int(id) + 2))
                )
            return Array(font.bytes[glyf + start..<glyf + end])
        }
        let aring = try #require(original.glyphs[0xE5])
        #expect(!glyph(original, aring).isEmpty && glyph(variant, aring).starts(with: glyph(original, aring)))
        let hebrew = try #require(original.glyphs[0x05D0])
        #expect(glyph(variant, hebrew).isEmpty)
        // The file is a valid sfnt: its checksum adjustment makes the whole sum 0xB1B0AFBA.
        #expect(TrueTypeFont.checksum(variant.bytes) == 0xB1B0_AFBA)
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
            $0.count > SheetLayout.rowIdColumn ? $0[SheetLayout.rowIdColumn] : nil
        }
    }
}

extension String {
    var xmlEscapedForTest: String {
        replacingOccurrences(of: "&", with: "&amp;").replacingOccurrences(of: "<", with: "&lt;")
            .replacingOccurrences(of: ">", with: "&gt;")
    }
    var unescapedForTest: String {
        replacingOccurrences(of: "&lt;", with: "<").replacingOccurrences(of: "&gt;", with: ">")
            .replacingOccurrences(of: "&quot;", with: "\"").replacingOccurrences(of: "&amp;", with: "&")
    }
}
