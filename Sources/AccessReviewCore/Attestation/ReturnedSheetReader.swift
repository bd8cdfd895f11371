import Foundation

/// A returned sheet as read back: its header block and its rows, each with the row number a
/// spreadsheet shows (1-based), so that every refusal can name the row.
public struct ReturnedSheet: Sendable {
    public var header: [String: String]
    public var rows: [(number: Int, cells: [String])]
    /// Problems found while reading that refuse the file whatever its rows hold.
    public var refusals: [String]
}

/// Reads returned XLSX and CSV sheets. Nothing in the file is trusted: an XLSX is unzipped
/// with size limits (a zip bomb is refused without filling memory), macros and external
/// links refuse the file, and formulas in Decision or Comment are refused.
public enum ReturnedSheetReader {
    /// The most a returned workbook may unpack to, in total and per part.
    public static let maximumUnpackedBytes: UInt64 = 256 << 20
    public static let maximumPartBytes: UInt64 = 128 << 20
    /// The most a returned CSV may hold.
    public static let maximumCSVBytes = 64 << 20

    /// Reads a returned sheet; more than `maximumRows` rows with text (beyond the header)
    /// refuse it while it is read.
    public static func read(path: String, maximumRows: Int = 1_048_576) throws -> ReturnedSheet {
        let lower = path.lowercased()
        let rows = maximumRows + SheetLayout.headerRow + 1
        if lower.hasSuffix(".xlsx") || lower.hasSuffix(".xlsm") { return try readXLSX(path: path, maximumRows: rows) }
        if lower.hasSuffix(".csv") { return try readCSV(path: path, maximumRows: rows) }
        throw ToolError(.input, "\(path): error: not a returned sheet (.xlsx or .csv)")
    }

    // MARK: - CSV

    public static func readCSV(path: String, maximumRows: Int = 1_048_576) throws -> ReturnedSheet {
        let size = (try? FileManager.default.attributesOfItem(atPath: path)[.size] as? Int) ?? 0
        guard size <= maximumCSVBytes else {
            throw ToolError(
                .input, "\(path): error: the file has \(size >> 20) MB; a returned sheet is never that large — refused")
        }
        guard let data = FileManager.default.contents(atPath: path) else {
            throw ToolError(.input, "\(path): error: cannot read the file")
        }
        var bytes = [UInt8](data)
        if bytes.starts(with: [0xEF, 0xBB, 0xBF]) { bytes.removeFirst(3) }
        guard let text = String(bytes: bytes, encoding: .utf8) else {
            throw ToolError(.input, "\(path): error: the sheet is not UTF-8 (save it as \"CSV UTF-8\")")
        }
        let firstLine = text.prefix { $0 != "\n" && $0 != "\r\n" }
        let separator: Character =
            [";", "\t", ","].max { a, b in firstLine.filter { $0 == a }.count < firstLine.filter { $0 == b }.count }
            ?? ";"
        let records = parseCSV(text, separator: separator)
        let filled = records.lazy.filter { $0.contains { !$0.isEmpty } }.count
        guard filled <= maximumRows else {
            throw ToolError(
                .input,
                "\(path): error: the file has \(filled) rows with text; the largest sheet of the campaign has \(maximumRows - SheetLayout.headerRow - 1) — refused"
            )
        }
        var header: [String: String] = [:]
        var rows: [(Int, [String])] = []
        for (index, record) in records.enumerated() {
            let number = index + 1
            let cells = record.map(unneutralised)
            if number <= SheetLayout.headerRow {
                if cells.count >= 2 { header[cells[0]] = cells[1] }
            } else if number > SheetLayout.headerRow + 1 {
                rows.append((number, cells))
            }
        }
        return ReturnedSheet(header: header, rows: rows, refusals: [])
    }

    /// RFC 4180 with any separator; quoted fields may hold separators, quotes and line breaks.
    static func parseCSV(_ text: String, separator: Character) -> [[String]] {
        var records: [[String]] = []
        var record: [String] = []
        var field = ""
        var quoted = false
        var iterator = Array(text).makeIterator()
        var pending: Character? = nil
        func next() -> Character? {
            if let p = pending { pending = nil; return p }
            return iterator.next()
        }
        while let ch = next() {
            if quoted {
                if ch == "\"" {
                    if let following = next() {
                        if following == "\"" { field.append("\"") } else { quoted = false; pending = following }
                    } else {
                        quoted = false
                    }
                } else {
                    field.append(ch)
                }
            } else if ch == "\"" && field.isEmpty {
                quoted = true
            } else if ch == separator {
                record.append(field)
                field = ""
            } else if ch == "\n" || ch == "\r\n" || ch == "\r" {
                record.append(field)
                records.append(record)
                record = []
                field = ""
            } else {
                field.append(ch)
            }
        }
        if !field.isEmpty || !record.isEmpty {
            record.append(field)
            records.append(record)
        }
        return records
    }

    /// Undoes the quote that neutralised a formula-looking value when the sheet was written.
    static func unneutralised(_ value: String) -> String {
        guard value.hasPrefix("'"), let second = value.dropFirst().unicodeScalars.first,
            "=+-@\t\r".unicodeScalars.contains(second)
        else {
            return value
        }
        return String(value.dropFirst())
    }

    // MARK: - XLSX

    public static func readXLSX(path: String, maximumRows: Int = 1_048_576) throws -> ReturnedSheet {
        let archive = try WorkbookArchive(path: path)
        var refusals: [String] = []
        for entry in archive.entries {
            let name = entry.name, lowered = entry.name.lowercased()
            if lowered.contains("vbaproject") {
                refusals.append("the workbook contains macros (\(name)); save it as a plain .xlsx")
            }
            if lowered.hasPrefix("xl/externallinks/") || lowered == "xl/connections.xml" {
                refusals.append(
                    "the workbook links to other files or data sources (\(name)); remove the external links")
            }
        }
        let total = archive.declaredUnpackedBytes
        if total > maximumUnpackedBytes {
            throw ToolError(
                .input,
                "\(path): error: the workbook would unpack to \(total >> 20) MB; refused (a sheet is never that large — a zip bomb?)"
            )
        }
        func part(_ name: String) throws -> Data? { try archive.part(name, limit: Int(maximumPartBytes)) }
        if let types = try part("[Content_Types].xml"), String(decoding: types, as: UTF8.self).contains("macroEnabled")
        {
            refusals.append("the workbook is macro-enabled; save it as a plain .xlsx")
        }
        guard let workbook = try part("xl/workbook.xml"), let relations = try part("xl/_rels/workbook.xml.rels") else {
            throw ToolError(.input, "\(path): error: not an XLSX workbook (no xl/workbook.xml)")
        }
        /// A part's XML, scanned; a part that cannot be read whole refuses the file.
        func scanned<T>(_ name: String, _ body: () throws -> T) throws -> T {
            do {
                return try body()
            } catch let failure as XMLScan.Failure {
                throw ToolError(
                    .input,
                    "\(path): error: \(name)\(failure.line > 0 ? " line \(failure.line)" : ""): \(failure.message); refused"
                )
            }
        }
        let sheets = try scanned("xl/workbook.xml") { try XMLScan.elements(workbook, named: "sheet") }
        let attestationNames = ["Attestation"]
        guard
            let sheet = sheets.first(where: { attestationNames.contains($0["name"] ?? "") })
                ?? (sheets.count >= 2 ? sheets[1] : sheets.first),
            let relationId = sheet["r:id"] ?? sheet["id"]
        else {
            throw ToolError(.input, "\(path): error: the workbook has no attestation sheet")
        }
        let target =
            try scanned("xl/_rels/workbook.xml.rels") { try XMLScan.elements(relations, named: "Relationship") }
            .first { $0["Id"] == relationId }?["Target"] ?? ""
        let sheetPath = target.hasPrefix("/") ? String(target.dropFirst()) : "xl/" + target
        guard let sheetXML = try part(sheetPath) else {
            throw ToolError(.input, "\(path): error: the workbook lacks \(sheetPath)")
        }
        let shared =
            try part("xl/sharedStrings.xml").map { data in
                try scanned("xl/sharedStrings.xml") { try XMLScan.sharedStrings(data) }
            } ?? []
        let cells = try scanned(sheetPath) {
            try XMLScan.cells(sheetXML, sharedStrings: shared, maximumRows: maximumRows)
        }
        var header: [String: String] = [:]
        var rows: [(Int, [String])] = []
        for (number, values) in cells.rows.sorted(by: { $0.key < $1.key }) {
            var list = Array(repeating: "", count: (values.keys.max() ?? -1) + 1)
            for (column, value) in values { list[column] = value }
            if number <= SheetLayout.headerRow {
                if list.count >= 2 { header[list[0]] = list[1] }
            } else if number > SheetLayout.headerRow + 1 {
                rows.append((number, list))
            }
        }
        for (row, column) in cells.formulas.sorted(by: { $0.row < $1.row })
        where column == SheetLayout.decisionColumn || column == SheetLayout.commentColumn {
            refusals.append(
                "row \(row): a formula in \(column == SheetLayout.decisionColumn ? "Decision" : "Comment"); type the value instead"
            )
        }
        return ReturnedSheet(header: header, rows: rows, refusals: refusals)
    }
}
