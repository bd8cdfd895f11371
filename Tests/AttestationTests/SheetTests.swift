@testable import AccessReviewCore
import Crypto
import Foundation
import Testing
import TestSupport

@Suite(.processStarted) struct SheetTests {
    static var key: SymmetricKey { SymmetricKey(data: Data(repeating: 7, count: 32)) }

    func context(_ campaign: String = "2026-H2", language: Language = .da) -> SheetContext {
        SheetContext(
            organisation: "Eksempel Kommune", campaign: campaign, asOf: Day(iso: "2026-11-29")!,
            deadline: Day(iso: "2026-12-29")!, language: language, csvSeparator: language == .da ? ";" : ",")
    }

    func sampleResult() throws -> ReconcileResult {
        var f = Fixture.basic()
        f.user("sec")
        f.user("own", manager: "sec")
        f.user("boss", manager: "sec")
        f.user("ann", title: "Clerk", manager: "boss", name: "=HYPERLINK(\"http://evil\")")
        f.system([.of("ann", ["Clerk", "Admin", "Reader"]), .of("boss", ["Reader"])])
        return try f.run()
    }

    @Test func eachReviewerGetsTheirLinesAndTheOwnerTheSensitiveOnes() throws {
        let sheets = SheetBuilder(context: context(), key: Self.key).sheets(for: try sampleResult())
        #expect(sheets.map(\.reviewer) == ["boss", "own", "sec"])
        #expect(sheets[0].rows.map(\.line.role) == ["Admin", "Clerk", "Reader"])
        #expect(sheets[1].rows.map(\.line.role) == ["Admin"] && sheets[1].rows.first?.capacity == .systemOwner)
        #expect(sheets[2].rows.map(\.line.identity) == ["boss"])
    }

    @Test func rowIdsDependOnCampaignReviewerAndContent() throws {
        let result = try sampleResult()
        let a = SheetBuilder(context: context(), key: Self.key).sheets(for: result)
        let b = SheetBuilder(context: context("2027-H1"), key: Self.key).sheets(for: result)
        #expect(Set(a[0].rows.map(\.rowId)).count == a[0].rows.count)
        #expect(a[0].rows.map(\.rowId) != b[0].rows.map(\.rowId))
        #expect(
            a[0].rows.first { $0.line.role == "Admin" }?.rowId != a[1].rows.first?.rowId,
            "manager and owner rows differ")
    }

    @Test func csvSheetHasABOMTheSeparatorAndNeutralisedFormulas() throws {
        let sheets = SheetBuilder(context: context(), key: Self.key).sheets(for: try sampleResult())
        let context = SheetContext(
            organisation: "Eksempel Kommune", campaign: "2026-H2", asOf: Day(iso: "2026-11-29")!,
            deadline: Day(iso: "2026-12-29")!, language: .da, csvSeparator: ";")
        let data = CSVSheetRenderer.render(sheets[0], context: context)
        #expect(Array(data.prefix(3)) == [0xEF, 0xBB, 0xBF])
        let text = String(decoding: data.dropFirst(3), as: UTF8.self)
        #expect(text.contains("Frist;2026-12-29\r\n"))
        #expect(text.contains(";\"'=HYPERLINK(\"\"http://evil\"\")\";"), "a formula from a source is shown as text")
        #expect(text.contains("Beslutning (Behold/Fjern)"))
        let english = SheetContext(
            organisation: "X", campaign: "2026-H2", asOf: Day(iso: "2026-11-29")!, deadline: Day(iso: "2026-12-29")!,
            language: .en, csvSeparator: ",")
        #expect(
            String(decoding: CSVSheetRenderer.render(sheets[0], context: english), as: UTF8.self).contains(
                "Decision (Keep/Remove),Comment"))
    }

    @Test func indexListsEverySheetEscaped() throws {
        let sheets = SheetBuilder(context: context(), key: Self.key).sheets(for: try sampleResult())
        let context = SheetContext(
            organisation: "A & B", campaign: "2026-H2", asOf: Day(iso: "2026-11-29")!,
            deadline: Day(iso: "2026-12-29")!,
            language: .en, csvSeparator: ",")
        let html = String(
            decoding: SheetIndexRenderer.render(sheets, context: context, formats: ["csv"]), as: UTF8.self)
        #expect(html.contains("A &amp; B"))
        for sheet in sheets { #expect(html.contains("href=\"\(sheet.reviewer).csv\"")) }
    }
}
