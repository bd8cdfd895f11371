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
        let messages = Messages(language)
        let line = row.line
        return [row.rowId, line.identity ?? "", line.name ?? "", line.title ?? "", line.department ?? "", line.system, line.account,
                line.role, messages.sensitivityName(line.sensitivity), messages.groundName(line.ground),
                line.codes.map(\.rawValue).joined(separator: " "), messages.yesNo(true),
                row.capacity == .manager ? t("leder", "manager") : t("systemejer", "system owner"), "", ""]
    }
}

/// The CSV sheet: UTF-8 with a byte-order mark, `;` for Danish Excel and `,` for English.
public enum CSVSheetRenderer {
    public static func render(_ sheet: Sheet, context: SheetContext) -> Data {
        var csv = CSVWriter(separator: context.csvSeparator, byteOrderMark: true, neutraliseFormulas: true)
        csv.row([context.t("Organisation", "Organisation"), context.organisation])
        csv.row([context.t("Kampagne", "Campaign"), context.campaign])
        csv.row([context.t("Attestant", "Reviewer"), sheet.reviewer, sheet.reviewerName ?? ""])
        csv.row([context.t("Frist", "Deadline"), context.deadline.description])
        csv.row([context.t("Øjebliksbillede", "Snapshot date"), context.asOf.description])
        csv.row([context.t("Linjer", "Lines"), String(sheet.rows.count), context.t("med fund", "with findings"), String(sheet.flaggedRows)])
        csv.row([])
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
