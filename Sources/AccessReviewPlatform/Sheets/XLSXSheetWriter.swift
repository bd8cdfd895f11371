import Foundation

/// Writes one reviewer's workbook (Office Open XML, SpreadsheetML): an instructions sheet and
/// the attestation sheet (header block, one row per access line, Decision as a list
/// validation with a stop message, Comment free text, only those two columns unlocked on a
/// protected sheet, frozen header, autofilter, rows coloured by their worst finding, printed
/// landscape one page wide with the header row on every page).
///
/// The parts are written here and zipped as they are made (`ZIPWriter`): the fixed ones are
/// the same in every workbook, the worksheet is deflated row by row as it is written, so a
/// large sheet is never held whole. Cell text is inline (no shared-string table to build);
/// the creation date is `as_of`, so the same run gives the same file. libxlsxwriter wrote
/// these workbooks before (2.2 ms a sheet, most of it its temporary files); the parts, styles
/// and cell layout are the same.
package enum XLSXSheetWriter {
    /// zlib level of every part: the fastest; cell XML compresses well at any level.
    static let compressionLevel: Int32 = 1
    /// The rows a worksheet holds (SpreadsheetML's limit). Lines past it continue on sheets
    /// of their own with the same header block, "Attestation (2)" and on.
    static let maximumRows = 1_048_576

    /// Style indices into `styles.xml`'s cellXfs.
    enum Style: Int {
        case plain = 0, title, wrap, bold, header, editable, small, critical, high, medium, low
    }

    /// Streams the workbook into `handle`; returns its SHA-256 and size. `path` names the
    /// file in errors; `maximumRows` is lower only in tests.
    package static func write(
        _ sheet: PrintableSheet, to handle: FileHandle, path: String, maximumRows: Int = maximumRows
    ) throws -> (sha256: String, bytes: Int) {
        let layout = sheet.layout
        let perSheet = maximumRows - layout.headerRow - 1
        let chunks = max(1, (sheet.rowCount + perSheet - 1) / perSheet)
        var names = [sheet.instructionsName, sheet.attestationName]
        for number in stride(from: 2, through: chunks, by: 1) { names.append("\(sheet.attestationName) (\(number))") }
        let columns = sheet.columns.count
        let lastColumn = column(columns - 1)

        var zip = ZIPWriter(handle, path: path)
        try zip.add("[Content_Types].xml", contentTypes(sheets: names.count))
        try zip.add("_rels/.rels", Array(Parts.packageRelations.utf8))
        try zip.add("docProps/app.xml", Array(appProperties(sheet, names: names).utf8))
        try zip.add("docProps/core.xml", Array(coreProperties(sheet).utf8))
        var workbook = """
            \(Parts.declaration)<workbook xmlns="\(Parts.main)" xmlns:r="\(Parts.relations)"><bookViews><workbookView xWindow="240" yWindow="15" windowWidth="16095" windowHeight="9660"/></bookViews><sheets>
            """
        for (index, name) in names.enumerated() {
            workbook += "<sheet name=\"\(escaped(name))\" sheetId=\"\(index + 1)\" r:id=\"rId\(index + 1)\"/>"
        }
        workbook += "</sheets><definedNames>"
        // The autofilter's range and the rows printed on every page, for each attestation sheet.
        for index in 1..<names.count {
            let rows = min(perSheet, sheet.rowCount - (index - 1) * perSheet)
            let quoted = "'" + escaped(names[index]).replacingOccurrences(of: "'", with: "''") + "'"
            workbook += """
                <definedName name="_xlnm._FilterDatabase" localSheetId="\(index)" hidden="1">\(quoted)!$A$\(layout.headerRow + 1):$\(lastColumn)$\(layout.headerRow + 1 + max(rows, 1))</definedName>
                """
        }
        for index in 1..<names.count {
            let quoted = "'" + escaped(names[index]).replacingOccurrences(of: "'", with: "''") + "'"
            workbook += """
                <definedName name="_xlnm.Print_Titles" localSheetId="\(index)">\(quoted)!$\(layout.headerRow + 1):$\(layout.headerRow + 1)</definedName>
                """
        }
        workbook += "</definedNames><calcPr calcId=\"124519\" fullCalcOnLoad=\"1\"/></workbook>"
        try zip.add("xl/workbook.xml", Array(workbook.utf8))
        try zip.add("xl/_rels/workbook.xml.rels", workbookRelations(sheets: names.count))
        try zip.add("xl/styles.xml", Array(Parts.styles.utf8))
        try zip.add("xl/worksheets/sheet1.xml", instructions(sheet))

        let widths = columnWidths(sheet)
        for chunk in 0..<chunks {
            let rows = chunk * perSheet..<min(sheet.rowCount, (chunk + 1) * perSheet)
            try zip.begin("xl/worksheets/sheet\(chunk + 2).xml")
            try attestation(sheet, rows: rows, widths: widths, into: &zip)
            try zip.end()
        }
        return try zip.close()
    }

    /// One attestation worksheet with the lines `rows`, written into the open ZIP entry.
    private static func attestation(
        _ sheet: PrintableSheet, rows: Range<Int>, widths: [Double], into zip: inout ZIPWriter
    ) throws {
        let layout = sheet.layout
        let headerRow = layout.headerRow, lastColumn = column(sheet.columns.count - 1)
        let lastRow = headerRow + 1 + max(rows.count, 1)
        var xml = XMLBytes()
        xml.append(
            """
            \(Parts.declaration)<worksheet xmlns="\(Parts.main)" xmlns:r="\(Parts.relations)"><sheetPr><pageSetUpPr fitToPage="1"/></sheetPr><dimension ref="A1:\(lastColumn)\(lastRow)"/><sheetViews><sheetView workbookViewId="0"><pane ySplit="\(headerRow + 1)" topLeftCell="A\(headerRow + 2)" activePane="bottomLeft" state="frozen"/><selection pane="bottomLeft"/></sheetView></sheetViews><sheetFormatPr defaultRowHeight="15"/><cols>
            """)
        for (index, width) in widths.enumerated() {
            let style: Style? =
                index == layout.rowIdColumn ? .small : index == layout.commentColumn ? .wrap : nil
            xml.append(
                "<col min=\"\(index + 1)\" max=\"\(index + 1)\" width=\"\(columnWidth(width))\"\(style.map { " style=\"\($0.rawValue)\"" } ?? "") customWidth=\"1\"/>"
            )
        }
        xml.append("</cols><sheetData>")
        for (index, (label, value)) in sheet.headerBlock.enumerated() {
            xml.row(index + 1)
            xml.cell(0, index + 1, label, .bold)
            xml.cell(1, index + 1, value, nil)
            xml.append("</row>")
        }
        xml.row(headerRow + 1)
        for (index, name) in sheet.columns.enumerated() { xml.cell(index, headerRow + 1, name, .header) }
        xml.append("</row>")
        for (number, offset) in rows.enumerated() {
            let row = headerRow + 2 + number
            let cells = sheet.cells(offset)
            let fill: Style =
                switch sheet.shade(offset) {
                case .critical: .critical
                case .high: .high
                case .medium: .medium
                case .low: .low
                case nil: .wrap
                }
            // Rows are as tall as their wrapped text: spreadsheet programs do not grow them.
            var lines = 1
            for (index, value) in cells.enumerated() where index != layout.rowIdColumn && index < widths.count {
                lines = max(lines, Int((Double(value.unicodeScalars.count) / max(1, widths[index] - 1.5)).rounded(.up)))
            }
            xml.row(row, height: lines > 1 ? 15 * lines : nil)
            for (index, value) in cells.enumerated() {
                let style: Style =
                    index == layout.decisionColumn || index == layout.commentColumn
                    ? .editable : index == layout.rowIdColumn ? .small : fill
                // Always written as text: a value from a source never becomes a formula.
                xml.cell(index, row, value, style)
            }
            xml.append("</row>")
            if xml.count >= 1 << 18 { try zip.write(xml.take()) }
        }
        xml.append(
            """
            </sheetData><sheetProtection sheet="1" objects="1" scenarios="1" autoFilter="0"/><autoFilter ref="A\(headerRow + 1):\(lastColumn)\(lastRow)"/>
            """)
        if !rows.isEmpty {
            let decision = column(layout.decisionColumn), validation = sheet.validation
            xml.append(
                """
                <dataValidations count="1"><dataValidation type="list" allowBlank="1" showInputMessage="1" showErrorMessage="1" errorTitle="\(escaped(validation.errorTitle))" error="\(escaped(validation.errorMessage))" promptTitle="\(escaped(validation.inputTitle))" prompt="\(escaped(validation.inputMessage))" sqref="\(decision)\(headerRow + 2):\(decision)\(lastRow)"><formula1>"\(escaped(sheet.decisionWords.joined(separator: ",")))"</formula1></dataValidation></dataValidations>
                """)
        }
        xml.append(
            """
            <pageMargins left="0.4" right="0.4" top="0.5" bottom="0.5" header="0.3" footer="0.3"/><pageSetup paperSize="9" fitToHeight="0" orientation="landscape"/></worksheet>
            """)
        try zip.write(xml.take())
    }

    /// The instructions: one paragraph a row, wrapped to a column that fits a portrait page.
    private static func instructions(_ sheet: PrintableSheet) -> [UInt8] {
        var xml = XMLBytes()
        xml.append(
            """
            \(Parts.declaration)<worksheet xmlns="\(Parts.main)" xmlns:r="\(Parts.relations)"><sheetPr><pageSetUpPr fitToPage="1"/></sheetPr><dimension ref="A1:A\(max(1, sheet.instructions.count))"/><sheetViews><sheetView tabSelected="1" workbookViewId="0"/></sheetViews><sheetFormatPr defaultRowHeight="15"/><cols><col min="1" max="1" width="\(columnWidth(95))" style="\(Style.wrap.rawValue)" customWidth="1"/></cols><sheetData>
            """)
        for (index, line) in sheet.instructions.enumerated() {
            let lines = max(1, Int((Double(line.unicodeScalars.count) / 90).rounded(.up)))
            xml.row(index + 1, height: lines > 1 ? 15 * lines : nil)
            xml.cell(0, index + 1, line, index == 0 ? .title : .wrap)
            xml.append("</row>")
        }
        xml.append(
            """
            </sheetData><sheetProtection sheet="1" objects="1" scenarios="1"/><pageMargins left="0.7" right="0.7" top="0.75" bottom="0.75" header="0.3" footer="0.3"/><pageSetup paperSize="9" fitToHeight="0" orientation="portrait"/></worksheet>
            """)
        return xml.take()
    }

    private static func contentTypes(sheets: Int) -> [UInt8] {
        var xml = """
            \(Parts.declaration)<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types"><Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/><Default Extension="xml" ContentType="application/xml"/><Override PartName="/docProps/app.xml" ContentType="application/vnd.openxmlformats-officedocument.extended-properties+xml"/><Override PartName="/docProps/core.xml" ContentType="application/vnd.openxmlformats-package.core-properties+xml"/><Override PartName="/xl/styles.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.styles+xml"/><Override PartName="/xl/workbook.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/>
            """
        for number in 1...sheets {
            xml += """
                <Override PartName="/xl/worksheets/sheet\(number).xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/>
                """
        }
        return Array((xml + "</Types>").utf8)
    }

    private static func workbookRelations(sheets: Int) -> [UInt8] {
        var xml =
            "\(Parts.declaration)<Relationships xmlns=\"http://schemas.openxmlformats.org/package/2006/relationships\">"
        for number in 1...sheets {
            xml += """
                <Relationship Id="rId\(number)" Type="\(Parts.relations)/worksheet" Target="worksheets/sheet\(number).xml"/>
                """
        }
        xml += "<Relationship Id=\"rId\(sheets + 1)\" Type=\"\(Parts.relations)/styles\" Target=\"styles.xml\"/>"
        return Array((xml + "</Relationships>").utf8)
    }

    private static func appProperties(_ sheet: PrintableSheet, names: [String]) -> String {
        """
        \(Parts.declaration)<Properties xmlns="http://schemas.openxmlformats.org/officeDocument/2006/extended-properties" xmlns:vt="http://schemas.openxmlformats.org/officeDocument/2006/docPropsVTypes"><Application>accessreview</Application><DocSecurity>0</DocSecurity><ScaleCrop>false</ScaleCrop><HeadingPairs><vt:vector size="2" baseType="variant"><vt:variant><vt:lpstr>Worksheets</vt:lpstr></vt:variant><vt:variant><vt:i4>\(names.count)</vt:i4></vt:variant></vt:vector></HeadingPairs><TitlesOfParts><vt:vector size="\(names.count)" baseType="lpstr">\(names.map { "<vt:lpstr>\(escaped($0))</vt:lpstr>" }.joined())</vt:vector></TitlesOfParts><Company>\(escaped(sheet.organisation))</Company><LinksUpToDate>false</LinksUpToDate><SharedDoc>false</SharedDoc><HyperlinksChanged>false</HyperlinksChanged><AppVersion>12.0000</AppVersion></Properties>
        """
    }

    private static func coreProperties(_ sheet: PrintableSheet) -> String {
        // W3C date-time in UTC, as "D:YYYYMMDDHHmmSSZ" has it for the PDF.
        let digits = Array(PDFBytes.date(sheet.created).dropFirst(2))
        let created =
            "\(String(digits[0..<4]))-\(String(digits[4..<6]))-\(String(digits[6..<8]))T\(String(digits[8..<10])):\(String(digits[10..<12])):\(String(digits[12..<14]))Z"
        return """
            \(Parts.declaration)<cp:coreProperties xmlns:cp="http://schemas.openxmlformats.org/package/2006/metadata/core-properties" xmlns:dc="http://purl.org/dc/elements/1.1/" xmlns:dcterms="http://purl.org/dc/terms/" xmlns:dcmitype="http://purl.org/dc/dcmitype/" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance"><dc:title>\(escaped(sheet.title))</dc:title><dc:creator>accessreview</dc:creator><cp:lastModifiedBy>accessreview</cp:lastModifiedBy><dcterms:created xsi:type="dcterms:W3CDTF">\(created)</dcterms:created><dcterms:modified xsi:type="dcterms:W3CDTF">\(created)</dcterms:modified></cp:coreProperties>
            """
    }

    /// A column's letters: 0 → A, 25 → Z, 26 → AA.
    static func column(_ index: Int) -> String {
        var index = index + 1, letters = ""
        while index > 0 {
            index -= 1
            letters = String(UnicodeScalar(UInt8(65 + index % 26))) + letters
            index /= 26
        }
        return letters
    }

    /// A width in characters as spreadsheet programs store it: whole pixels of the default
    /// font's digit (7 px, plus 5 px of padding), in 1/256 of a character.
    static func columnWidth(_ characters: Double) -> String {
        let pixels = characters < 1 ? Int(characters * 12 + 0.5) : Int(characters * 7 + 0.5) + 5
        let stored = Double(Int(Double(pixels) / 7 * 256)) / 256
        return stored == stored.rounded() ? String(Int(stored)) : String(stored)
    }

    /// Text for an XML attribute or element: markup characters as entities, and characters
    /// XML 1.0 cannot carry in SpreadsheetML's `_xHHHH_` form (see `XMLBytes.text`).
    static func escaped(_ text: String) -> String {
        var xml = XMLBytes()
        xml.text(text)
        return String(decoding: xml.take(), as: UTF8.self)
    }
}

/// The fixed parts and namespaces.
private enum Parts {
    static let declaration = "<?xml version=\"1.0\" encoding=\"UTF-8\" standalone=\"yes\"?>\n"
    static let main = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
    static let relations = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
    static let packageRelations = """
        \(declaration)<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="\(relations)/officeDocument" Target="xl/workbook.xml"/><Relationship Id="rId2" Type="http://schemas.openxmlformats.org/package/2006/relationships/metadata/core-properties" Target="docProps/core.xml"/><Relationship Id="rId3" Type="\(relations)/extended-properties" Target="docProps/app.xml"/></Relationships>
        """
    /// Fonts: regular, bold 14 (title), bold, 7 pt (row id). Fills: none, gray125 (both
    /// required), header grey, editable yellow, then critical, high, medium, low. The cellXfs
    /// follow `XLSXSheetWriter.Style`.
    static let styles: String = {
        func font(_ extra: String) -> String {
            "<font>\(extra)<color rgb=\"FF000000\"/><name val=\"Calibri\"/><family val=\"2\"/><scheme val=\"minor\"/></font>"
        }
        func fill(_ rgb: String) -> String {
            "<fill><patternFill patternType=\"solid\"><fgColor rgb=\"FF\(rgb)\"/><bgColor indexed=\"64\"/></patternFill></fill>"
        }
        let wrap = "applyAlignment=\"1\"><alignment wrapText=\"1\"/></xf>"
        func xf(font: Int = 0, fill: Int = 0, _ rest: String) -> String {
            "<xf numFmtId=\"0\" fontId=\"\(font)\" fillId=\"\(fill)\" borderId=\"0\" xfId=\"0\"\(font > 0 ? " applyFont=\"1\"" : "")\(fill > 0 ? " applyFill=\"1\"" : "") \(rest)"
        }
        let xfs = [
            "<xf numFmtId=\"0\" fontId=\"0\" fillId=\"0\" borderId=\"0\" xfId=\"0\"/>",
            xf(font: 1, wrap), xf(wrap), xf(font: 2, "/>"), xf(font: 2, fill: 2, wrap),
            xf(
                fill: 3,
                "applyAlignment=\"1\" applyProtection=\"1\"><alignment wrapText=\"1\"/><protection locked=\"0\"/></xf>"),
            xf(font: 3, "/>"), xf(fill: 4, wrap), xf(fill: 5, wrap), xf(fill: 6, wrap), xf(fill: 7, wrap),
        ]
        return """
            \(declaration)<styleSheet xmlns="\(main)"><fonts count="4">\(font("<sz val=\"11\"/>"))\(font("<b/><sz val=\"14\"/>"))\(font("<b/><sz val=\"11\"/>"))\(font("<sz val=\"7\"/>"))</fonts><fills count="8"><fill><patternFill patternType="none"/></fill><fill><patternFill patternType="gray125"/></fill>\(fill("D9D9D9"))\(fill("FFF2CC"))\(fill("F4B6B6"))\(fill("F8CBAD"))\(fill("FFE699"))\(fill("DDEBF7"))</fills><borders count="1"><border><left/><right/><top/><bottom/><diagonal/></border></borders><cellStyleXfs count="1"><xf numFmtId="0" fontId="0" fillId="0" borderId="0"/></cellStyleXfs><cellXfs count="\(xfs.count)">\(xfs.joined())</cellXfs><cellStyles count="1"><cellStyle name="Normal" xfId="0" builtinId="0"/></cellStyles><dxfs count="0"/><tableStyles count="0" defaultTableStyle="TableStyleMedium9" defaultPivotStyle="PivotStyleLight16"/></styleSheet>
            """
    }()
}

extension XLSXSheetWriter {
    /// Each column as wide as its widest cell or header word (characters, plus a margin),
    /// at most the layout's width for it; the row id, in a small font, narrower.
    static func columnWidths(_ sheet: PrintableSheet) -> [Double] {
        var widest = sheet.columns.map { header in
            Double(header.split(separator: " ").map(\.unicodeScalars.count).max() ?? header.unicodeScalars.count)
        }
        // The header block's labels are in the first column.
        widest[0] = max(widest[0], Double(sheet.headerBlock.map(\.0.unicodeScalars.count).max() ?? 0))
        for offset in 0..<sheet.rowCount {
            for (column, value) in sheet.cells(offset).enumerated() where column < widest.count {
                widest[column] = max(widest[column], Double(value.unicodeScalars.count))
            }
        }
        widest[sheet.layout.decisionColumn] = max(
            widest[sheet.layout.decisionColumn], Double(sheet.decisionWords.map(\.unicodeScalars.count).max() ?? 0))
        return widest.enumerated().map { column, width in
            let cap = column < sheet.layout.widths.count ? sheet.layout.widths[column] : 30
            let scaled = column == sheet.layout.rowIdColumn ? width * 0.65 : width
            return min(cap, max(4, scaled + 1.5))
        }
    }
}
