import Foundation

/// What every sheet format shows in its header block.
public struct SheetContext: Sendable {
    public var organisation: String
    public var campaign: String
    public var asOf: Day
    public var deadline: Day
    public var language: Language
    public var csvSeparator: Character
    /// Job role id → its name in the handbook: the Ground column shows the name.
    public var jobRoleNames: [String: String] = [:]

    public init(
        organisation: String, campaign: String, asOf: Day, deadline: Day, language: Language, csvSeparator: Character
    ) {
        self.organisation = organisation
        self.campaign = campaign
        self.asOf = asOf
        self.deadline = deadline
        self.language = language
        self.csvSeparator = csvSeparator
    }

    var messages: Messages { Messages(language) }

    public var columns: [String] { messages.sheetColumns }

    func cells(_ row: Sheet.Row) -> [String] {
        SheetLayout.cells(signed: signedCells(row.line, capacity: row.capacity), rowId: row.rowId)
    }

    /// The cells a row id is bound to: everything shown except the row id, Decision and
    /// Comment, in column order (`SheetLayout.signedCells`).
    func signedCells(_ line: AccessLine, capacity: Sheet.Capacity) -> [String] {
        let messages = messages
        return [
            line.identity ?? "", line.name ?? "", line.title ?? "", line.department ?? "", line.system, line.account,
            line.role, messages.sensitivityName(line.sensitivity), groundText(line.ground),
            messages.findingPhrases(line.codes), messages.yesNo(line.isNew), messages.capacityName(capacity),
            messages.recommendationWord(Recommendation.of(line)), line.codes.map(\.rawValue).joined(separator: " "),
        ]
    }

    /// The ground as a manager reads it: a job role by its name in the handbook.
    func groundText(_ ground: Ground) -> String {
        if case .jobRole(let id) = ground, let name = jobRoleNames[id], !name.isEmpty { return name }
        return messages.groundName(ground)
    }

    /// Decision words in the sheet's language: Keep first, Remove second.
    public var decisionWords: [String] { messages.decisionWords }

    /// The header block above the table: label and value, one a row. The table's column
    /// headers follow on row `SheetLayout.headerRow` in every format.
    public func headerBlock(_ sheet: Sheet) -> [(String, String)] {
        let m = messages
        return [
            (m.organisationLabel, organisation),
            (m.campaignLabel, campaign),
            (m.reviewerLabel, sheet.reviewer + (sheet.reviewerName.map { " — \($0)" } ?? "")),
            (m.deadlineLabel, deadline.description),
            (m.snapshotDateLabel, asOf.description),
            (m.linesLabel, "\(sheet.rows.count) (\(m.withFindings): \(sheet.flaggedRows))"),
            (m.signOffLabel, m.signOffBlanks),
        ]
    }

    /// The instructions sheet.
    public func instructions(reviewer: String, name: String?, codes: [FindingCode] = []) -> [String] {
        messages.instructions(
            organisation: organisation, campaign: campaign, who: name.map { "\($0) (\(reviewer))" } ?? reviewer,
            deadline: deadline, codes: codes)
    }

    /// The codes on a sheet, in the order of the catalogue.
    func codes(on sheet: Sheet) -> [FindingCode] {
        var present = Set<FindingCode>()
        for row in sheet.rows { present.formUnion(row.line.codes) }
        return FindingCode.allCases.filter(present.contains)
    }
}

/// The CSV sheet: UTF-8 with a byte-order mark, `;` for Danish Excel and `,` for English.
public enum CSVSheetRenderer {
    public static func render(_ sheet: Sheet, context: SheetContext) -> Data {
        var csv = CSVWriter(separator: context.csvSeparator, byteOrderMark: true, neutraliseFormulas: true)
        let block = context.headerBlock(sheet)
        for (label, value) in block { csv.row([label, value]) }
        for _ in block.count..<SheetLayout.headerRow { csv.row([]) }
        csv.row(context.columns)
        for row in sheet.rows { csv.row(context.cells(row)) }
        return csv.data
    }

    /// The same CSV streamed into `handle` in blocks of about 1 MB, with its SHA-256 and size:
    /// the top of a hierarchy may review hundreds of thousands of lines (250 MB of CSV at a
    /// million identities), which must not be held whole, let alone twice.
    public static func write(
        _ sheet: Sheet, context: SheetContext, cells: SheetCells? = nil, to handle: FileHandle, path: String
    ) throws -> (sha256: String, bytes: Int) {
        var csv = CSVWriter(separator: context.csvSeparator, byteOrderMark: true, neutraliseFormulas: true)
        var output = HashedOutput(handle, path: path)
        func flush() throws { try output.write(csv.take()) }
        let block = context.headerBlock(sheet)
        for (label, value) in block { csv.row([label, value]) }
        for _ in block.count..<SheetLayout.headerRow { csv.row([]) }
        csv.row(context.columns)
        for (index, row) in sheet.rows.enumerated() {
            csv.row(cells?[index] ?? context.cells(row))
            if csv.text.utf8.count >= 1 << 20 { try flush() }
        }
        try flush()
        return try output.finish()
    }
}

/// `sheets/index.html`: every reviewer's sheet, with counts, for whoever sends them out.
public enum SheetIndexRenderer {
    /// With `versions` from a re-run, each sheet's version, and a mark on those a reviewer
    /// must get again because their lines changed.
    public static func render(
        _ sheets: [Sheet], context: SheetContext, formats: [String],
        versions: StateStore.SheetVersions = StateStore.SheetVersions()
    ) -> Data {
        let m = context.messages
        var html = """
            <!DOCTYPE html>
            <html lang="\(context.language.rawValue)">
            <head><meta charset="utf-8"><title>\(m.attestationSheets) \(context.campaign.htmlEscaped)</title>
            <style>body{font-family:sans-serif;margin:2em}table{border-collapse:collapse}td,th{border:1px solid #ccc;padding:4px 8px;text-align:left}td.n{text-align:right}</style>
            </head>
            <body>
            <h1>\(m.attestationSheets) — \(context.organisation.htmlEscaped), \(context.campaign.htmlEscaped)</h1>
            <p>\(m.snapshotDateLabel) \(context.asOf) · \(m.deadlineWord) \(context.deadline) · \(sheets.count) \(m.reviewersWord)\(!versions.resend.isEmpty ? " · \(versions.resend.count) \(m.mustGetNewVersion)" : "")</p>
            <table>
            <thead><tr><th>\(m.reviewerLabel)</th><th>\(m.nameLabel)</th><th>\(m.linesLabel)</th><th>\(m.withFindingsLabel)</th><th>\(m.sheetsLabel)</th><th>\(m.versionLabel)</th></tr></thead>
            <tbody>

            """
        for sheet in sheets {
            let links = formats.map { "<a href=\"\(sheet.reviewer.htmlEscaped).\($0)\">\($0.uppercased())</a>" }.joined(
                separator: " ")
            html += "<tr><td>\(sheet.reviewer.htmlEscaped)</td><td>\((sheet.reviewerName ?? "").htmlEscaped)</td>"
            let version = versions.version[sheet.reviewer] ?? 1
            let resend = versions.resend.contains(sheet.reviewer)
            html +=
                "<td class=\"n\">\(sheet.rows.count)</td><td class=\"n\">\(sheet.flaggedRows)</td><td>\(links)</td>"
            html += "<td>\(version)\(resend ? " <strong>\(m.sendAgain)</strong>" : "")</td></tr>\n"
        }
        html += "</tbody>\n</table>\n</body>\n</html>\n"
        return Data(html.utf8)
    }
}

/// Where the attestation sheet's rows and columns are, in every format (the CSV keeps the
/// workbook's rows): the returned-sheet reader finds the decisions by these.
public enum SheetLayout {
    /// The row (0-based) of the column headers; data starts on the next row.
    public static let headerRow = 8
    /// The Findings column (in words) and the Codes column (the finding codes).
    public static let findingColumn = 9
    public static let codesColumn = 15
    public static let recommendationColumn = 12
    public static let decisionColumn = 13
    public static let commentColumn = 14
    /// The row id: last, so that the reviewer reads the person first.
    public static let rowIdColumn = 16
    public static let columnCount = 17

    /// A row's cells from its signed cells and row id.
    static func cells(signed: [String], rowId: String) -> [String] {
        Array(signed[0..<decisionColumn]) + ["", ""] + Array(signed[decisionColumn...]) + [rowId]
    }

    /// The cells a row id is bound to, from a row as the sheet holds it: every column but
    /// Decision, Comment and the row id.
    public static func signedCells(_ cells: [String]) -> [String] {
        Array(cells[0..<decisionColumn]) + Array(cells[(commentColumn + 1)..<rowIdColumn])
    }

    /// Where the findings are among the signed cells: in words, and as codes.
    static let signedFindingIndex = findingColumn
    static let signedCodesIndex = decisionColumn

    /// The workbook's widest column widths, in characters, in `Messages.sheetColumns` order;
    /// each column is as wide as its content up to this.
    static let widths: [Double] = [16, 22, 24, 18, 10, 12, 24, 14, 28, 34, 5, 13, 13, 16, 40, 18, 17]
    /// What the PDF prints on A4 landscape (points, 770 in all): every column but title,
    /// department, codes and row id. Cells wrap; nothing is cut off.
    static let printed: [(index: Int, width: Float)] = [
        (0, 42), (1, 70), (4, 48), (5, 50), (6, 70), (7, 46), (8, 78), (9, 110), (10, 24), (11, 48), (12, 50),
        (13, 70), (14, 64),
    ]
    static var printable: PrintableSheet.Layout {
        .init(
            headerRow: headerRow, decisionColumn: decisionColumn, commentColumn: commentColumn,
            rowIdColumn: rowIdColumn, widths: widths, printed: printed)
    }
}

// MARK: - Workbook and PDF

extension SheetContext {
    /// The sheet as the workbook and PDF writers lay it out, in the context's language;
    /// `cells`, where given, are its rows' cells made beforehand (`SheetCells`).
    func printable(_ sheet: Sheet, cells made: SheetCells? = nil) -> PrintableSheet {
        let name = sheet.reviewerName, m = messages
        return PrintableSheet(
            title: "\(m.attestationWord) \(campaign) — \(sheet.reviewer)",
            organisation: organisation,
            created: asOf.ordinal * 86_400 + 12 * 3600,
            instructionsName: m.instructionsSheetName,
            attestationName: m.attestationWord,
            instructions: instructions(reviewer: sheet.reviewer, name: name, codes: codes(on: sheet)),
            headerBlock: headerBlock(sheet),
            columns: columns,
            layout: SheetLayout.printable,
            rowCount: sheet.rows.count,
            cells: made.map { made in { made[$0] } } ?? { cells(sheet.rows[$0]) },
            shade: { sheet.rows[$0].line.worstSeverity.map(\.shade) },
            decisionWords: decisionWords,
            validation: .init(
                errorTitle: m.invalidDecisionTitle, errorMessage: m.invalidDecisionMessage,
                inputTitle: m.decisionTitle, inputMessage: m.decisionPrompt),
            pageTitle: "\(organisation) — \(m.accessAttestation) \(campaign) — \(sheet.reviewer)"
                + (name.map { " (\($0))" } ?? ""),
            pageNumber: m.pageNumber,
            footer: "\(m.deadlineLabel) \(deadline) · \(m.snapshotLabel) \(asOf)",
            signOff: .init(
                title: m.signOffTitle, statement: m.signOffStatement, labels: m.signOffFields,
                reviewerLine: "\(m.reviewerLabel): \(sheet.reviewer)" + (name.map { " — \($0)" } ?? "")))
    }
}

/// A sheet's cells, every row's made once for all the formats written (each format reads
/// a row's cells once or twice, and making them — words, the row id's hex — cost more than
/// writing them). Only for sheets of up to `limit` rows: a larger one is read row by row.
public struct SheetCells: Sendable {
    public static let limit = 50_000
    private let rows: [[String]]

    public init?(_ sheet: Sheet, context: SheetContext) {
        guard sheet.rows.count <= Self.limit else { return nil }
        rows = sheet.rows.map(context.cells)
    }

    subscript(index: Int) -> [String] { rows[index] }
}

/// The protected workbook with a Keep/Remove list.
public enum XLSXSheet {
    /// Streams the workbook into `handle` (`path` names it in errors); returns its SHA-256 and size.
    public static func write(
        _ sheet: Sheet, context: SheetContext, cells: SheetCells? = nil, to handle: FileHandle, path: String
    ) throws -> (sha256: String, bytes: Int) {
        try XLSXSheetWriter.write(context.printable(sheet, cells: cells), to: handle, path: path)
    }
}

/// The PDF to print, sign and archive (embedded DejaVu Sans), streamed into `handle`
/// (`path` names it in errors); returns its SHA-256 and size.
public enum PDFSheet {
    public static func write(
        _ sheet: Sheet, context: SheetContext, cells: SheetCells? = nil, to handle: FileHandle, path: String
    ) throws -> (sha256: String, bytes: Int) {
        try PDFSheetWriter.write(context.printable(sheet, cells: cells), to: handle, path: path)
    }
}

extension Severity {
    var shade: PrintableSheet.Shade {
        switch self {
        case .critical: .critical
        case .high: .high
        case .medium: .medium
        case .low: .low
        }
    }
}
