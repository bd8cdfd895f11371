import Foundation

/// What every sheet format shows in its header block.
public struct SheetContext: Sendable {
    public var organisation: String
    public var campaign: String
    public var asOf: Day
    public var deadline: Day
    public var language: Language
    public var csvSeparator: Character

    public init(organisation: String, campaign: String, asOf: Day, deadline: Day, language: Language, csvSeparator: Character) {
        self.organisation = organisation
        self.campaign = campaign
        self.asOf = asOf
        self.deadline = deadline
        self.language = language
        self.csvSeparator = csvSeparator
    }

    func t(_ da: String, _ en: String) -> String { language == .da ? da : en }

    public var columns: [String] {
        [t("Række-id", "Row id"), t("Person", "Identity"), t("Navn", "Name"), t("Stilling", "Title"), t("Afdeling", "Department"),
         t("System", "System"), t("Konto", "Account"), t("Rolle", "Role"), t("Følsomhed", "Sensitivity"),
         t("Grundlag", "Ground"), t("Fund", "Findings"), t("Ny siden sidste attestation", "New since last attestation"),
         t("Attesteres som", "Reviewed as"), t("Beslutning (Behold/Fjern)", "Decision (Keep/Remove)"), t("Kommentar", "Comment")]
    }

    func cells(_ row: Sheet.Row) -> [String] {
        [row.rowId] + signedCells(row.line, capacity: row.capacity) + ["", ""]
    }

    /// The cells a row id is bound to: everything shown except the row id, Decision and Comment.
    func signedCells(_ line: AccessLine, capacity: Sheet.Capacity) -> [String] {
        let messages = Messages(language)
        return [line.identity ?? "", line.name ?? "", line.title ?? "", line.department ?? "", line.system, line.account,
                line.role, messages.sensitivityName(line.sensitivity), messages.groundName(line.ground),
                line.codes.map(\.rawValue).joined(separator: " "), messages.yesNo(true), capacityName(capacity)]
    }

    func capacityName(_ capacity: Sheet.Capacity) -> String {
        capacity == .manager ? t("leder", "manager") : t("systemejer", "system owner")
    }

    /// Decision words in the sheet's language: Keep first, Remove second.
    public var decisionWords: [String] { language == .da ? ["Behold", "Fjern"] : ["Keep", "Remove"] }

    /// The header block above the table: label and value, one a row. The table's column
    /// headers follow on row `SheetLayout.headerRow` in every format.
    public func headerBlock(_ sheet: Sheet) -> [(String, String)] {
        [
            (t("Organisation", "Organisation"), organisation),
            (t("Kampagne", "Campaign"), campaign),
            (t("Attestant", "Reviewer"), sheet.reviewer + (sheet.reviewerName.map { " — \($0)" } ?? "")),
            (t("Frist", "Deadline"), deadline.description),
            (t("Øjebliksbillede", "Snapshot date"), asOf.description),
            (t("Linjer", "Lines"), "\(sheet.rows.count) (\(t("med fund", "with findings")): \(sheet.flaggedRows))"),
            (t("Underskrift", "Sign-off"), t("Navn: ____________________  Dato: __________", "Name: ____________________  Date: __________")),
        ]
    }

    /// The instructions sheet.
    public func instructions(reviewer: String, name: String?) -> [String] {
        let who = name.map { "\($0) (\(reviewer))" } ?? reviewer
        return language == .da ? [
            "Attestation af adgange — \(organisation), \(campaign)",
            "Til \(who). Arket viser de adgange, du skal tage stilling til som leder eller systemejer.",
            "For hver linje: vælg Behold eller Fjern i kolonnen Beslutning. Skriv en begrundelse i Kommentar.",
            "Linjer med et alvorligt fund (kritisk eller høj) kan kun beholdes med en kommentar.",
            "Ret ikke i de øvrige kolonner, og tilføj eller slet ikke linjer: hver linje er bundet til sit række-id, og et ændret ark afvises.",
            "Frist: \(deadline). Send arket tilbage til IT-sikkerhed; fjernede adgange sendes til systemernes administratorer.",
            "Farver: rød = kritisk, orange = høj, gul = mellem, blå = lav (det alvorligste fund på linjen).",
        ] : [
            "Access attestation — \(organisation), \(campaign)",
            "For \(who). The sheet lists the access you decide on as manager or system owner.",
            "For each line: choose Keep or Remove in the Decision column. Give a reason in Comment.",
            "Lines with a serious finding (critical or high) can only be kept with a comment.",
            "Do not change other columns, and do not add or delete lines: each line is bound to its row id, and a changed sheet is refused.",
            "Deadline: \(deadline). Return the sheet to IT security; removed access goes to the systems' administrators.",
            "Colours: red = critical, orange = high, yellow = medium, blue = low (the worst finding on the line).",
        ]
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
}

/// `sheets/index.html`: every reviewer's sheet, with counts, for whoever sends them out.
public enum SheetIndexRenderer {
    public static func render(_ sheets: [Sheet], context: SheetContext, formats: [String]) -> Data {
        let t = context.t
        var html = """
        <!DOCTYPE html>
        <html lang="\(context.language.rawValue)">
        <head><meta charset="utf-8"><title>\(t("Attestationsark", "Attestation sheets")) \(context.campaign.htmlEscaped)</title>
        <style>body{font-family:sans-serif;margin:2em}table{border-collapse:collapse}td,th{border:1px solid #ccc;padding:4px 8px;text-align:left}td.n{text-align:right}</style>
        </head>
        <body>
        <h1>\(t("Attestationsark", "Attestation sheets")) — \(context.organisation.htmlEscaped), \(context.campaign.htmlEscaped)</h1>
        <p>\(t("Øjebliksbillede", "Snapshot date")) \(context.asOf) · \(t("frist", "deadline")) \(context.deadline) · \(sheets.count) \(t("attestanter", "reviewers"))</p>
        <table>
        <thead><tr><th>\(t("Attestant", "Reviewer"))</th><th>\(t("Navn", "Name"))</th><th>\(t("Linjer", "Lines"))</th><th>\(t("Med fund", "With findings"))</th><th>\(t("Ark", "Sheets"))</th></tr></thead>
        <tbody>

        """
        for sheet in sheets {
            let links = formats.map { "<a href=\"\(sheet.reviewer.htmlEscaped).\($0)\">\($0.uppercased())</a>" }.joined(separator: " ")
            html += "<tr><td>\(sheet.reviewer.htmlEscaped)</td><td>\((sheet.reviewerName ?? "").htmlEscaped)</td>"
            html += "<td class=\"n\">\(sheet.rows.count)</td><td class=\"n\">\(sheet.flaggedRows)</td><td>\(links)</td></tr>\n"
        }
        html += "</tbody>\n</table>\n</body>\n</html>\n"
        return Data(html.utf8)
    }
}

/// Where the attestation sheet's rows and columns are, in every format (the CSV keeps the
/// workbook's rows): the returned-sheet reader finds the decisions by these.
public enum SheetLayout {
    /// The row (0-based) of the column headers; data starts on the next row.
    public static let headerRow = XLSXSheetWriter.headerRow
    public static let decisionColumn = XLSXSheetWriter.decisionColumn
    public static let commentColumn = XLSXSheetWriter.commentColumn
}

// MARK: - Workbook and PDF

extension SheetContext {
    /// The sheet as the workbook and PDF writers lay it out, in the context's language.
    func printable(_ sheet: Sheet) -> PrintableSheet {
        let name = sheet.reviewerName
        return PrintableSheet(
            title: "\(t("Attestation", "Attestation")) \(campaign) — \(sheet.reviewer)",
            organisation: organisation,
            created: asOf.ordinal * 86_400 + 12 * 3600,
            instructionsName: t("Vejledning", "Instructions"),
            attestationName: t("Attestation", "Attestation"),
            instructions: instructions(reviewer: sheet.reviewer, name: name),
            headerBlock: headerBlock(sheet),
            columns: columns,
            rowCount: sheet.rows.count,
            cells: { cells(sheet.rows[$0]) },
            shade: { sheet.rows[$0].line.worstSeverity.map(\.shade) },
            decisionWords: decisionWords,
            validation: .init(
                errorTitle: t("Ugyldig beslutning", "Invalid decision"),
                errorMessage: t("Vælg Behold eller Fjern.", "Choose Keep or Remove."),
                inputTitle: t("Beslutning", "Decision"),
                inputMessage: t("Behold eller Fjern", "Keep or Remove")),
            pageTitle: "\(organisation) — \(t("Attestation af adgange", "Access attestation")) \(campaign) — \(sheet.reviewer)"
                + (name.map { " (\($0))" } ?? ""),
            pageNumber: { number, total in t("Side \(number) af \(total)", "Page \(number) of \(total)") },
            footer: "\(t("Frist", "Deadline")) \(deadline) · \(t("Øjebliksbillede", "Snapshot")) \(asOf)",
            signOff: .init(
                title: t("Attestation", "Sign-off"),
                statement: t(
                    "Jeg har gennemgået adgangene ovenfor og truffet en beslutning for hver linje.",
                    "I have reviewed the access above and made a decision for every line."),
                labels: [t("Navn", "Name"), t("Dato", "Date"), t("Underskrift", "Signature")],
                reviewerLine: "\(t("Attestant", "Reviewer")): \(sheet.reviewer)" + (name.map { " — \($0)" } ?? "")))
    }
}

/// The protected workbook with a Keep/Remove list (libxlsxwriter).
public enum XLSXSheet {
    public static func write(_ sheet: Sheet, context: SheetContext, to path: String) throws {
        try XLSXSheetWriter.write(context.printable(sheet), to: path)
    }
}

/// The PDF to print, sign and archive (libharu, embedded DejaVu Sans).
public enum PDFSheet {
    public static func write(_ sheet: Sheet, context: SheetContext, to path: String) throws {
        try PDFSheetWriter.write(context.printable(sheet), to: path)
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
