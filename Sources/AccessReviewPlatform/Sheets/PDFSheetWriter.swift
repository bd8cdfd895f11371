import CHaru
import Foundation

/// Writes one reviewer's sheet as a PDF to print, sign and archive, with libharu and an
/// embedded DejaVu Sans (so æøå and other letters render and `pdftotext` extracts them):
/// the rows paginated, a header and "page n of N" on every page, and a sign-off block.
///
/// The only type that holds libharu pointers.
package enum PDFSheetWriter {
    public static let fontPath = "/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf"

    package static let pageWidth: Float = 842, pageHeight: Float = 595, margin: Float = 36
    package static let lineHeight: Float = 13, fontSize: Float = 7.5, rowLine: Float = 9

    package static func write(_ sheet: PrintableSheet, to path: String) throws {
        guard FileManager.default.fileExists(atPath: fontPath) else {
            throw ToolError(
                .configuration, "\(fontPath): error: the DejaVu font is missing (apt-get install fonts-dejavu-core)")
        }
        var status: UInt = 0
        guard
            let pdf = HPDF_New(
                { error, _, data in
                    data?.assumingMemoryBound(to: UInt.self).pointee = UInt(error)
                }, &status)
        else {
            throw ToolError(.outputNotWritten, "\(path): error: libharu cannot start a PDF")
        }
        defer { HPDF_Free(pdf) }
        HPDF_SetCompressionMode(pdf, UInt32(HPDF_COMP_ALL))
        HPDF_UseUTFEncodings(pdf)
        HPDF_SetCurrentEncoder(pdf, "UTF-8")
        // DejaVu Sans with a cmap of the characters this sheet uses (see `PDFFont`).
        let fontFile = try PDFFont.file(covering: characters(of: sheet), original: fontPath)
        guard let fontName = HPDF_LoadTTFontFromFile(pdf, fontFile, 1), let font = HPDF_GetFont(pdf, fontName, "UTF-8")
        else {
            throw ToolError(
                .configuration, "\(path): error: libharu cannot load \(fontFile) (error 0x\(String(status, radix: 16)))"
            )
        }
        HPDF_SetInfoAttr(pdf, HPDF_INFO_TITLE, sheet.title)
        HPDF_SetInfoAttr(pdf, HPDF_INFO_CREATOR, "accessreview")

        let block = sheet.headerBlock
        let printed = sheet.layout.printed
        let widths = GlyphWidths(font: font)
        let decision = "☐ \(sheet.decisionWords[0])  ☐ \(sheet.decisionWords[1])"
        // Every cell wraps within its column: a row is as tall as its tallest cell.
        func lines(_ cells: [String]) -> [[String]] {
            printed.map { index, width in
                wrap(widths, index == sheet.layout.decisionColumn ? decision : cells[index], width - 4)
            }
        }
        func height(_ wrapped: [[String]]) -> Float {
            Float(max(1, wrapped.map(\.count).max() ?? 1)) * rowLine + 3
        }
        let header = printed.map { index, width in wrap(widths, sheet.columns[index], width - 4) }
        let headerHeight = height(header)
        let top = pageHeight - margin - 30
        let bottom = margin + 6
        let firstTop = top - Float(block.count + 1) * lineHeight
        // Rows onto pages by their heights; the sign-off block needs about seven lines below the last.
        var pages: [Range<Int>] = []
        var start = 0, room = firstTop - headerHeight - bottom
        // Each row wrapped once, for both its height here and its drawing below.
        var wrapped: [[[String]]] = []
        var heights: [Float] = []
        wrapped.reserveCapacity(sheet.rowCount)
        heights.reserveCapacity(sheet.rowCount)
        for row in 0..<sheet.rowCount {
            wrapped.append(lines(sheet.cells(row)))
            let h = height(wrapped[row])
            heights.append(h)
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

        func newPage(_ number: Int) -> HPDF_Page {
            let page = HPDF_AddPage(pdf)!
            HPDF_Page_SetSize(page, HPDF_PAGE_SIZE_A4, HPDF_PAGE_LANDSCAPE)
            text(page, font, 10, margin, pageHeight - margin - 10, sheet.pageTitle)
            text(page, font, 8, pageWidth - margin - 60, margin - 14, sheet.pageNumber(number, total))
            text(page, font, 8, margin, margin - 14, sheet.footer)
            HPDF_Page_SetLineWidth(page, 0.5)
            HPDF_Page_MoveTo(page, margin, pageHeight - margin - 16)
            HPDF_Page_LineTo(page, pageWidth - margin, pageHeight - margin - 16)
            HPDF_Page_Stroke(page)
            return page
        }

        /// Draws a row's wrapped cells below `y`, each column's lines under one another.
        func draw(_ page: HPDF_Page, _ wrapped: [[String]], at y: Float) {
            var x = margin
            for (column, cellLines) in wrapped.enumerated() {
                for (number, line) in cellLines.enumerated() {
                    text(page, font, fontSize, x, y - Float(number + 1) * rowLine + 1.5, line)
                }
                x += printed[column].width
            }
        }

        var y: Float = 0
        for (number, range) in pages.enumerated() {
            let page = newPage(number + 1)
            y = top
            if number == 0 {
                for (label, value) in block {
                    text(page, font, 8.5, margin, y - lineHeight + 4, "\(label): \(value)")
                    y -= lineHeight
                }
                y -= lineHeight
            }
            draw(page, header, at: y)
            y -= headerHeight
            HPDF_Page_MoveTo(page, margin, y + 1)
            HPDF_Page_LineTo(page, pageWidth - margin, y + 1)
            HPDF_Page_Stroke(page)
            for row in range {
                let h = heights[row]
                if let severity = sheet.shade(row) {
                    let (r, g, b) = shade(severity)
                    HPDF_Page_SetRGBFill(page, r, g, b)
                    HPDF_Page_Rectangle(page, margin, y - h, pageWidth - 2 * margin, h)
                    HPDF_Page_Fill(page)
                    HPDF_Page_SetRGBFill(page, 0, 0, 0)
                }
                draw(page, wrapped[row], at: y)
                y -= h
            }
            if number == pages.count - 1 && !needsSignOffPage { signOff(page, font, sheet, y: y - lineHeight * 1.5) }
        }
        if needsSignOffPage {
            let page = newPage(total)
            signOff(page, font, sheet, y: pageHeight - margin - 40)
        }
        errno = 0
        guard HPDF_SaveToFile(pdf, path) == HPDF_OK else {
            let cause = errno != 0 ? String(cString: strerror(errno)) : "libharu error 0x\(String(status, radix: 16))"
            throw ToolError(.outputNotWritten, "\(path): error: cannot write the PDF: \(cause)")
        }
    }

    /// Every character the PDF prints.
    static func characters(of sheet: PrintableSheet) -> Set<UInt32> {
        var scalars = Set<UInt32>()
        func add(_ text: String) {
            for scalar in text.unicodeScalars where scalar.value >= 0x80 { scalars.insert(scalar.value) }
        }
        for text in [sheet.pageTitle, sheet.footer, sheet.pageNumber(1, 1)] + sheet.columns + sheet.decisionWords {
            add(text)
        }
        for (label, value) in sheet.headerBlock {
            add(label)
            add(value)
        }
        for text in [sheet.signOff.title, sheet.signOff.statement, sheet.signOff.reviewerLine] + sheet.signOff.labels {
            add(text)
        }
        for row in 0..<sheet.rowCount {
            let cells = sheet.cells(row)
            for (index, _) in sheet.layout.printed where index < cells.count { add(cells[index]) }
        }
        return scalars
    }

    private static func signOff(_ page: HPDF_Page, _ font: HPDF_Font, _ sheet: PrintableSheet, y: Float) {
        var y = y
        text(page, font, 10, margin, y, sheet.signOff.title)
        y -= lineHeight * 1.5
        text(page, font, 9, margin, y, sheet.signOff.statement)
        y -= lineHeight * 2.5
        for label in sheet.signOff.labels {
            text(page, font, 9, margin, y, "\(label):")
            HPDF_Page_MoveTo(page, margin + 70, y - 2)
            HPDF_Page_LineTo(page, margin + 330, y - 2)
            HPDF_Page_Stroke(page)
            y -= lineHeight * 2
        }
        text(page, font, 8, margin, y, sheet.signOff.reviewerLine)
    }

    private static func shade(_ severity: PrintableSheet.Shade) -> (Float, Float, Float) {
        switch severity {
        case .critical: return (0.96, 0.71, 0.71)
        case .high: return (0.97, 0.80, 0.68)
        case .medium: return (1.0, 0.90, 0.60)
        case .low: return (0.87, 0.92, 0.97)
        }
    }

    private static func text(
        _ page: HPDF_Page, _ font: HPDF_Font, _ size: Float, _ x: Float, _ y: Float, _ value: String
    ) {
        HPDF_Page_BeginText(page)
        HPDF_Page_SetFontAndSize(page, font, size)
        HPDF_Page_TextOut(page, x, y, value)
        HPDF_Page_EndText(page)
    }

    /// A value in lines that fit `width` at the table's font size: broken between words, and a
    /// word wider than the column between characters. Nothing is cut off.
    static func wrap(_ widths: GlyphWidths, _ value: String, _ width: Float) -> [String] {
        func fits(_ text: String) -> Bool { widths.width(of: text) * fontSize / 1000 <= width }
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

/// Each character's advance width in the font (1/1000 em), asked of libharu once a document:
/// measuring a string through libharu looks every character up in the font's cmap, and the
/// table's wrapping measures each cell several times.
final class GlyphWidths {
    private let font: HPDF_Font
    private var widths: [UInt32: Float] = [:]

    init(font: HPDF_Font) { self.font = font }

    func width(of text: String) -> Float {
        var total: Float = 0
        for scalar in text.unicodeScalars {
            if let known = widths[scalar.value] {
                total += known
                continue
            }
            let bytes = Array(String(scalar).utf8)
            let measured = bytes.withUnsafeBufferPointer { buffer in
                Float(HPDF_Font_TextWidth(font, buffer.baseAddress, UInt32(buffer.count)).width)
            }
            widths[scalar.value] = measured
            total += measured
        }
        return total
    }
}
