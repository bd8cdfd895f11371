import Foundation

/// The attestation stage's output: every reviewer's sheet in each configured format
/// (`sheets/<reviewer>.csv|xlsx|pdf`, readable by the owner only) and `sheets/index.html`.
public enum SheetFiles {
    /// Writes the sheets on every core. A sheet that cannot be written stops the run
    /// (exit 5), naming each reviewer whose sheet failed.
    public static func write(
        _ sheets: [Sheet], context: SheetContext, formats: [String], into folder: OutputFolder,
        progress: ProgressDisplay, versions: StateStore.SheetVersions = StateStore.SheetVersions()
    ) throws {
        let done = Counter()
        let failures = ResultSlots<Bool>(count: sheets.count)
        // The largest sheets first: the top of a large hierarchy (1.3 M rows at a million
        // identities) then runs beside the many small ones instead of alone at the end.
        let order = sheets.indices.sorted { sheets[$0].rows.count > sheets[$1].rows.count }
        DispatchQueue.concurrentPerform(iterations: sheets.count) { position in
            let index = order[position]
            let sheet = sheets[index]
            // The workbook and the PDF each read a row's cells twice (widths or heights, then
            // the row): made once, unless the sheet is CSV only.
            let cells = formats != ["csv"] ? SheetCells(sheet, context: context) : nil
            do {
                if formats.contains("csv") {
                    try folder.stream("sheets/\(sheet.reviewer).csv") {
                        try CSVSheetRenderer.write(sheet, context: context, cells: cells, to: $0, path: $1)
                    }
                }
                if formats.contains("xlsx") {
                    try folder.stream("sheets/\(sheet.reviewer).xlsx") {
                        try XLSXSheet.write(sheet, context: context, cells: cells, to: $0, path: $1)
                    }
                }
                if formats.contains("pdf") {
                    try folder.stream("sheets/\(sheet.reviewer).pdf") {
                        try PDFSheet.write(sheet, context: context, cells: cells, to: $0, path: $1)
                    }
                }
            } catch let error as ToolError {
                failures.set(index, .failure([Diagnostic(file: sheet.reviewer, error.message)]))
            } catch {
                failures.set(index, .failure([Diagnostic(file: sheet.reviewer, "\(error)")]))
            }
            progress.advance("writing sheets", done: done.increment(), total: sheets.count)
        }
        for case .failure(let diagnostics)? in failures.values {
            throw ToolError(.outputNotWritten, diagnostics.map(\.message).joined(separator: "\n"))
        }
        try folder.write(
            "sheets/index.html",
            SheetIndexRenderer.render(sheets, context: context, formats: formats, versions: versions))
    }

    /// The sheets a run issues, for the state store: each encoded when the store records it.
    public static func issuedSheets(_ sheets: [Sheet], _ add: (StateStore.IssuedSheetContent) -> Void) {
        for sheet in sheets {
            add(
                StateStore.IssuedSheetContent(reviewer: sheet.reviewer) {
                    var writer = IssuedSheetCodec.Writer(capacity: sheet.rows.count)
                    for row in sheet.rows {
                        let line = row.line
                        writer.add(
                            id: row.id, identity: line.identity ?? "", system: line.system,
                            account: line.account, role: line.role, worst: line.worstSeverity?.rawValue ?? "",
                            capacity: row.capacity.rawValue)
                    }
                    return writer
                })
        }
    }
}
