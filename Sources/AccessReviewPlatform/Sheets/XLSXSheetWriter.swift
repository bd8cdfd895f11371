import CXLSXWriter
import Foundation

/// Writes one reviewer's workbook with libxlsxwriter: an instructions sheet and the
/// attestation sheet (header block, one row per access line, Decision as a list validation
/// with a stop message, Comment free text, only those two columns unlocked on a protected
/// sheet, frozen header, autofilter, rows coloured by their worst finding). Constant-memory
/// mode keeps large sheets small in memory; the creation date is `as_of`, so the same run
/// gives the same file.
///
/// The only type that holds libxlsxwriter pointers.
package enum XLSXSheetWriter {

    package static func write(_ sheet: PrintableSheet, to path: String) throws {
        var options = lxw_workbook_options()
        options.constant_memory = 1
        guard let workbook = workbook_new_opt(path, &options) else {
            throw ToolError(
                .outputNotWritten, "\(path): error: cannot create the workbook: \(String(cString: strerror(errno)))")
        }
        var closed = false
        defer { if !closed { workbook_close(workbook) } }
        let strings = StringPool()

        var properties = lxw_doc_properties()
        properties.title = strings.c(sheet.title)
        properties.company = strings.c(sheet.organisation)
        properties.author = strings.c("accessreview")
        properties.created = time_t(sheet.created)
        workbook_set_properties(workbook, &properties)

        let bold = workbook_add_format(workbook)
        format_set_bold(bold)
        let title = workbook_add_format(workbook)
        format_set_bold(title)
        format_set_font_size(title, 14)
        let header = workbook_add_format(workbook)
        format_set_bold(header)
        format_set_bg_color(header, 0xD9D9D9)
        format_set_text_wrap(header)
        let wrap = workbook_add_format(workbook)
        format_set_text_wrap(wrap)
        let editable = workbook_add_format(workbook)
        format_set_unlocked(editable)
        format_set_bg_color(editable, 0xFFF2CC)
        format_set_text_wrap(editable)
        let small = workbook_add_format(workbook)
        format_set_font_size(small, 7)
        var fills: [PrintableSheet.Shade: OpaquePointer] = [:]
        for (severity, color) in [
            (PrintableSheet.Shade.critical, 0xF4B6B6), (.high, 0xF8CBAD), (.medium, 0xFFE699), (.low, 0xDDEBF7),
        ] as [(PrintableSheet.Shade, UInt32)] {
            let format = workbook_add_format(workbook)!
            format_set_bg_color(format, color)
            format_set_text_wrap(format)
            fills[severity] = OpaquePointer(format)
        }

        // Instructions: one paragraph a row, wrapped to a column that fits a portrait page.
        let guide = workbook_add_worksheet(workbook, strings.c(sheet.instructionsName))
        worksheet_set_column(guide, 0, 0, 95, wrap)
        format_set_text_wrap(title)
        let instructions = sheet.instructions
        for (index, line) in instructions.enumerated() {
            // Rows are as tall as their wrapped text: spreadsheet programs do not grow them.
            let lines = max(1, Int((Double(line.count) / 90).rounded(.up)))
            if lines > 1 { worksheet_set_row(guide, lxw_row_t(index), 15 * Double(lines), nil) }
            worksheet_write_string(guide, lxw_row_t(index), 0, strings.c(line), index == 0 ? title : wrap)
        }
        worksheet_set_paper(guide, 9)  // A4
        worksheet_fit_to_pages(guide, 1, 0)
        worksheet_protect(guide, nil, nil)

        // The attestation sheet: printed landscape, one page wide, the header row on every page.
        let ws = workbook_add_worksheet(workbook, strings.c(sheet.attestationName))
        worksheet_set_landscape(ws)
        worksheet_set_paper(ws, 9)  // A4
        worksheet_fit_to_pages(ws, 1, 0)
        worksheet_set_margins(ws, 0.4, 0.4, 0.5, 0.5)
        let (headerRow, decisionColumn) = (sheet.layout.headerRow, sheet.layout.decisionColumn)
        let commentColumn = sheet.layout.commentColumn, rowIdColumn = sheet.layout.rowIdColumn
        worksheet_repeat_rows(ws, lxw_row_t(headerRow), lxw_row_t(headerRow))
        let widths = columnWidths(sheet)
        for (column, width) in widths.enumerated() {
            let format = column == rowIdColumn ? small : column == commentColumn ? wrap : nil
            worksheet_set_column(ws, lxw_col_t(column), lxw_col_t(column), width, format)
        }
        let block = sheet.headerBlock
        for (index, pair) in block.enumerated() {
            worksheet_write_string(ws, lxw_row_t(index), 0, strings.c(pair.0), bold)
            worksheet_write_string(ws, lxw_row_t(index), 1, strings.c(pair.1), nil)
        }
        for (column, name) in sheet.columns.enumerated() {
            worksheet_write_string(ws, lxw_row_t(headerRow), lxw_col_t(column), strings.c(name), header)
        }
        for offset in 0..<sheet.rowCount {
            let r = lxw_row_t(headerRow + 1 + offset)
            let fill = sheet.shade(offset).flatMap { fills[$0] }.map { UnsafeMutablePointer<lxw_format>($0) }
            let cells = sheet.cells(offset)
            let lines =
                cells.enumerated().map { column, value in
                    column == rowIdColumn || column >= widths.count
                        ? 1 : Int((Double(value.count) / max(1, widths[column] - 1.5)).rounded(.up))
                }.max() ?? 1
            if lines > 1 { worksheet_set_row(ws, r, 15 * Double(lines), nil) }
            for (column, value) in cells.enumerated() {
                let format =
                    column == decisionColumn || column == commentColumn
                    ? editable : column == rowIdColumn ? small : fill ?? wrap
                // Always written as text: a value from a source never becomes a formula.
                worksheet_write_string(ws, r, lxw_col_t(column), strings.c(value), format)
            }
            strings.drain()
        }
        let lastRow = lxw_row_t(headerRow + max(sheet.rowCount, 1))
        if sheet.rowCount > 0 {
            var validation = lxw_data_validation()
            validation.validate = UInt8(LXW_VALIDATION_TYPE_LIST.rawValue)
            let choices = sheet.decisionWords
            let list = CStringList(choices)
            validation.value_list = list.pointer
            validation.show_error = UInt8(LXW_VALIDATION_ON.rawValue)
            validation.error_type = UInt8(LXW_VALIDATION_ERROR_TYPE_STOP.rawValue)
            validation.error_title = strings.c(sheet.validation.errorTitle)
            validation.error_message = strings.c(sheet.validation.errorMessage)
            validation.input_title = strings.c(sheet.validation.inputTitle)
            validation.input_message = strings.c(sheet.validation.inputMessage)
            validation.show_input = UInt8(LXW_VALIDATION_ON.rawValue)
            worksheet_data_validation_range(
                ws, lxw_row_t(headerRow + 1), lxw_col_t(decisionColumn), lastRow, lxw_col_t(decisionColumn), &validation
            )
            withExtendedLifetime(list) {}
        }
        worksheet_freeze_panes(ws, lxw_row_t(headerRow + 1), 0)
        worksheet_autofilter(ws, lxw_row_t(headerRow), 0, lastRow, lxw_col_t(sheet.columns.count - 1))
        var protection = lxw_protection()
        protection.autofilter = 1
        protection.sort = 0
        worksheet_protect(ws, nil, &protection)

        closed = true
        errno = 0
        let result = workbook_close(workbook)
        guard result == LXW_NO_ERROR else {
            let cause = errno != 0 ? ": \(String(cString: strerror(errno)))" : ""
            throw ToolError(
                .outputNotWritten,
                "\(path): error: cannot write the workbook: \(String(cString: lxw_strerror(result)))\(cause)")
        }
    }
}

extension XLSXSheetWriter {
    /// Each column as wide as its widest cell or header word (characters, plus a margin),
    /// at most the layout's width for it; the row id, in a small font, narrower.
    static func columnWidths(_ sheet: PrintableSheet) -> [Double] {
        var widest = sheet.columns.map { header in
            Double(header.split(separator: " ").map(\.count).max() ?? header.count)
        }
        // The header block's labels are in the first column.
        widest[0] = max(widest[0], Double(sheet.headerBlock.map(\.0.count).max() ?? 0))
        for offset in 0..<sheet.rowCount {
            for (column, value) in sheet.cells(offset).enumerated() where column < widest.count {
                widest[column] = max(widest[column], Double(value.count))
            }
        }
        widest[sheet.layout.decisionColumn] = max(
            widest[sheet.layout.decisionColumn], Double(sheet.decisionWords.map(\.count).max() ?? 0))
        return widest.enumerated().map { column, width in
            let cap = column < sheet.layout.widths.count ? sheet.layout.widths[column] : 30
            let scaled = column == sheet.layout.rowIdColumn ? width * 0.65 : width
            return min(cap, max(4, scaled + 1.5))
        }
    }
}

/// C strings that live until the pool is drained or released.
private final class StringPool {
    private var owned: [UnsafeMutablePointer<CChar>] = []
    private var kept: [UnsafeMutablePointer<CChar>] = []

    func c(_ text: String) -> UnsafeMutablePointer<CChar> {
        let pointer = strdup(text)!
        owned.append(pointer)
        return pointer
    }

    /// Frees strings of written cells (libxlsxwriter copies cell text), keeping the first ones
    /// (properties, sheet names) that it reads at close.
    package func drain() {
        if kept.isEmpty { kept = owned } else { for pointer in owned { free(pointer) } }
        owned.removeAll(keepingCapacity: true)
    }

    deinit {
        for pointer in owned + kept { free(pointer) }
    }
}

/// A NULL-terminated `char**` for libxlsxwriter's validation lists.
private final class CStringList {
    private var pointers: [UnsafeMutablePointer<CChar>?]
    let pointer: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>

    package init(_ strings: [String]) {
        pointers = strings.map { strdup($0) } + [nil]
        pointer = UnsafeMutablePointer.allocate(capacity: pointers.count)
        pointer.initialize(from: pointers, count: pointers.count)
    }

    deinit {
        for p in pointers { free(p) }
        pointer.deallocate()
    }
}
