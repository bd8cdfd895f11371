import Foundation

/// Writes one reviewer's sheet as a PDF to print, sign and archive, with an embedded
/// DejaVu Sans (so æøå and other letters render and `pdftotext` extracts them): the rows
/// paginated, a header and "page n of N" on every page, and a sign-off block.
///
/// The PDF is written here, object by object (PDF 1.4: a Type 0 font with Identity-H glyph
/// ids, each page's content compressed with zlib, a cross-reference table), and streamed to
/// the file as it goes. The font's objects are made once a run (`EmbeddedFont`) and copied
/// into each PDF: loading and compressing the font for every document was most of a PDF's
/// cost when libharu wrote them (5.3 ms a sheet).
package enum PDFSheetWriter {
    public static let fontPath = "/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf"

    package static let pageWidth: Float = 842, pageHeight: Float = 595, margin: Float = 36
    package static let lineHeight: Float = 13, fontSize: Float = 7.5, rowLine: Float = 9
    /// zlib level of the page contents: the fastest; text compresses well at any level.
    static let contentLevel: Int32 = 1

    /// Writes the PDF into `handle` (`path` names it in errors); returns its SHA-256 and size.
    package static func write(_ sheet: PrintableSheet, to handle: FileHandle, path: String) throws -> (
        sha256: String, bytes: Int
    ) {
        guard FileManager.default.fileExists(atPath: fontPath) else {
            throw ToolError(
                .configuration, "\(fontPath): error: the DejaVu font is missing (apt-get install fonts-dejavu-core)")
        }
        let layout = try PDFFont.layout(original: fontPath)
        let block = sheet.headerBlock
        let printed = sheet.layout.printed
        let decisionColumn = sheet.layout.decisionColumn
        let decision = wrap(
            layout, "☐ \(sheet.decisionWords[0])  ☐ \(sheet.decisionWords[1])",
            (printed.first { $0.index == decisionColumn }?.width ?? 100) - 4)
        // The characters the base font variant lacks, if any: the sheet gets a variant with them.
        var extra = Set<UInt32>()
        for text in fixedTexts(sheet) { _ = layout.width(of: text, noting: &extra) }
        // Each printed column's values that need more than one line, wrapped once a sheet.
        var wrapped = [[String: [String]]](repeating: [:], count: printed.count)
        let header = printed.map { index, width in wrap(layout, sheet.columns[index], width - 4) }
        let headerHeight = Float(header.map(\.count).max() ?? 1) * rowLine + 3
        let top = pageHeight - margin - 30
        let bottom = margin + 6
        let firstTop = top - Float(block.count + 1) * lineHeight
        // Every cell wraps within its column: a row is as tall as its tallest cell. Rows go
        // onto pages by their heights; the sign-off block needs about seven lines below the
        // last. Kept a row: its height and which of its cells wrap (a bit a printed column).
        var pages: [Range<Int>] = []
        var start = 0, room = firstTop - headerHeight - bottom
        var heights: [Float] = [], wrapping: [UInt32] = []
        heights.reserveCapacity(sheet.rowCount)
        wrapping.reserveCapacity(sheet.rowCount)
        for row in 0..<sheet.rowCount {
            let cells = sheet.cells(row)
            var most = 1, mask: UInt32 = 0
            for (slot, (index, width)) in printed.enumerated() {
                if index == decisionColumn {
                    most = max(most, decision.count)
                    continue
                }
                let value = cells[index]
                guard layout.width(of: value, noting: &extra) * fontSize / 1000 > width - 4 else { continue }
                mask |= 1 << UInt32(slot)
                if let lines = wrapped[slot][value] {
                    most = max(most, lines.count)
                } else {
                    let lines = wrap(layout, value, width - 4)
                    wrapped[slot][value] = lines
                    most = max(most, lines.count)
                }
            }
            let h = Float(most) * rowLine + 3
            heights.append(h)
            wrapping.append(mask)
            if h > room && row > start {
                pages.append(start..<row)
                start = row
                room = top - headerHeight - bottom
            }
            room -= h
        }
        pages.append(start..<sheet.rowCount)
        let signOffHeight = lineHeight * 10
        let needsSignOffPage = room < signOffHeight
        let total = pages.count + (needsSignOffPage ? 1 : 0)
        // DejaVu Sans with the characters this sheet uses (see `PDFFont`).
        let font = try PDFFont.font(covering: extra, original: fontPath)

        var file = PDFFile(handle, path: path)
        // 1 catalog, 2 page tree, 3 document information, 4–8 the font, then each page and
        // its content stream.
        let firstPage = EmbeddedFont.fontObject + font.offsets.count
        try file.object(1, "<< /Type /Catalog /Pages 2 0 R >>")
        let kids = (0..<total).map { "\(firstPage + 2 * $0) 0 R" }.joined(separator: " ")
        try file.object(2, "<< /Type /Pages /Kids [\(kids)] /Count \(total) >>")
        try file.object(
            3,
            "<< /Title \(PDFBytes.textString(sheet.title)) /Creator (accessreview) /Producer (accessreview) /CreationDate (\(PDFBytes.date(sheet.created))) >>"
        )
        try file.copy(font.objects, offsets: font.offsets, first: EmbeddedFont.fontObject)

        var page = PageContent(layout: layout)
        func finish(_ number: Int) throws {
            let object = firstPage + 2 * (number - 1)
            let packed = page.bytes.bytes.withUnsafeBytes { Deflate.compress($0, level: contentLevel, format: .zlib) }
            try file.object(
                object,
                "<< /Type /Page /Parent 2 0 R /MediaBox [0 0 \(PDFBytes.number(pageWidth)) \(PDFBytes.number(pageHeight))] /Resources << /Font << /F1 \(EmbeddedFont.fontObject) 0 R >> >> /Contents \(object + 1) 0 R >>"
            )
            try file.object(object + 1, "<< /Length \(packed.count) /Filter /FlateDecode >>", stream: packed)
            page = PageContent(layout: layout)
        }
        func startPage(_ number: Int) {
            page.text(10, margin, pageHeight - margin - 10, sheet.pageTitle)
            page.text(8, pageWidth - margin - 60, margin - 14, sheet.pageNumber(number, total))
            page.text(8, margin, margin - 14, sheet.footer)
            page.lineWidth(0.5)
            page.line(margin, pageHeight - margin - 16, pageWidth - margin, pageHeight - margin - 16)
        }
        /// Draws a row's cells below `y`, the lines of a wrapped cell under one another.
        func draw(_ lines: (Int) -> [String], at y: Float) {
            var x = margin
            for (slot, column) in printed.enumerated() {
                for (number, line) in lines(slot).enumerated() where !line.isEmpty {
                    page.text(fontSize, x, y - Float(number + 1) * rowLine + 1.5, line)
                }
                x += column.width
            }
        }

        var y: Float = 0
        for (number, range) in pages.enumerated() {
            startPage(number + 1)
            y = top
            if number == 0 {
                for (label, value) in block {
                    page.text(8.5, margin, y - lineHeight + 4, "\(label): \(value)")
                    y -= lineHeight
                }
                y -= lineHeight
            }
            draw({ header[$0] }, at: y)
            y -= headerHeight
            page.line(margin, y + 1, pageWidth - margin, y + 1)
            for row in range {
                let h = heights[row]
                if let severity = sheet.shade(row) {
                    page.fill(shade(severity), margin, y - h, pageWidth - 2 * margin, h)
                }
                let cells = sheet.cells(row), mask = wrapping[row]
                draw(
                    { slot in
                        let index = printed[slot].index
                        if index == decisionColumn { return decision }
                        return mask & 1 << UInt32(slot) != 0 ? wrapped[slot][cells[index]]! : [cells[index]]
                    }, at: y)
                y -= h
            }
            if number == pages.count - 1 && !needsSignOffPage { signOff(&page, sheet, y: y - lineHeight * 1.5) }
            try finish(number + 1)
        }
        if needsSignOffPage {
            startPage(total)
            signOff(&page, sheet, y: pageHeight - margin - 40)
            try finish(total)
        }
        return try file.close(root: 1, info: 3, objects: firstPage + 2 * total)
    }

    /// Every text the PDF prints besides the table's cells.
    static func fixedTexts(_ sheet: PrintableSheet) -> [String] {
        var texts = [sheet.pageTitle, sheet.footer, sheet.pageNumber(1, 1)] + sheet.columns + sheet.decisionWords
        for (label, value) in sheet.headerBlock { texts += [label, value] }
        texts += [sheet.signOff.title, sheet.signOff.statement, sheet.signOff.reviewerLine] + sheet.signOff.labels
        return texts
    }

    private static func signOff(_ page: inout PageContent, _ sheet: PrintableSheet, y: Float) {
        var y = y
        page.text(10, margin, y, sheet.signOff.title)
        y -= lineHeight * 1.5
        page.text(9, margin, y, sheet.signOff.statement)
        y -= lineHeight * 2.5
        for label in sheet.signOff.labels {
            page.text(9, margin, y, "\(label):")
            page.line(margin + 70, y - 2, margin + 330, y - 2)
            y -= lineHeight * 2
        }
        page.text(8, margin, y, sheet.signOff.reviewerLine)
    }

    private static func shade(_ severity: PrintableSheet.Shade) -> (Float, Float, Float) {
        switch severity {
        case .critical: return (0.96, 0.71, 0.71)
        case .high: return (0.97, 0.80, 0.68)
        case .medium: return (1.0, 0.90, 0.60)
        case .low: return (0.87, 0.92, 0.97)
        }
    }

    /// A value in lines that fit `width` at the table's font size: broken between words, and a
    /// word wider than the column between characters. Nothing is cut off.
    static func wrap(_ layout: FontLayout, _ value: String, _ width: Float) -> [String] {
        func fits(_ text: String) -> Bool { layout.width(of: text) * fontSize / 1000 <= width }
        guard !value.isEmpty else { return [""] }
        if fits(value) { return [value] }
        var lines: [String] = []
        var current = ""
        for word in value.split(separator: " ", omittingEmptySubsequences: true).map(String.init) {
            let candidate = current.isEmpty ? word : current + " " + word
            if fits(candidate) {
                current = candidate
                continue
            }
            if !current.isEmpty { lines.append(current) }
            current = ""
            for character in word {
                if fits(current + String(character)) || current.isEmpty {
                    current.append(character)
                } else {
                    lines.append(current)
                    current = String(character)
                }
            }
        }
        if !current.isEmpty { lines.append(current) }
        return lines
    }
}
