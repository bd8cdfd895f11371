import CLibXML2
import Foundation

/// Scans of a workbook's XML parts for the returned-sheet reader. Nothing in a part is
/// trusted: a part libxml2 cannot read to its end (cut off, not well-formed, a text past
/// libxml2's limits) is refused whole, never taken for what was read before the error; a
/// DTD or an entity reference refuses the part (ECMA-376 Part 2 forbids DTDs in package
/// parts); references must be valid cell references and shared-string indices within the
/// table. Owned pointers stay in this type.
package enum XMLScan {
    /// Why a part was refused, with the line in the part where libxml2 stopped, if known.
    package struct Failure: Error, Sendable {
        package var line: Int
        package var message: String
    }

    /// The last column (XFD) and row a worksheet may have (ECMA-376 Part 1, 18.3.1.4).
    package static let maximumColumn = 16_384
    package static let maximumRow = 1_048_576

    private static func scan(_ data: Data, _ visit: (OpaquePointer, Int32) throws -> Void) throws {
        ProcessSetup.requireStarted()
        let errors = ErrorBox()
        try data.withUnsafeBytes { buffer in
            let options = Int32(XML_PARSE_NONET.rawValue) | Int32(XML_PARSE_NOCDATA.rawValue)
            guard let base = buffer.baseAddress?.assumingMemoryBound(to: CChar.self), buffer.count > 0,
                let reader = xmlReaderForMemory(base, Int32(clamping: buffer.count), nil, nil, options)
            else { throw Failure(line: 0, message: "the part is empty") }
            defer { xmlFreeTextReader(reader) }
            let box = errors.collect(from: reader)
            defer { box.release() }
            var status = xmlTextReaderRead(reader)
            while status == 1 {
                let type = xmlTextReaderNodeType(reader)
                let line = Int(xmlTextReaderGetParserLineNumber(reader))
                if type == Int32(XML_READER_TYPE_DOCUMENT_TYPE.rawValue) {
                    throw Failure(
                        line: line,
                        message: "it declares a DTD (<!DOCTYPE …>), which ECMA-376 forbids in a workbook part")
                }
                if type == Int32(XML_READER_TYPE_ENTITY_REFERENCE.rawValue) {
                    throw Failure(line: line, message: "it refers to an entity (&name;), which a workbook never holds")
                }
                try visit(reader, type)
                status = xmlTextReaderRead(reader)
            }
            if status < 0 || errors.firstError != nil {
                let error = errors.firstError
                throw Failure(
                    line: error?.line ?? Int(xmlTextReaderGetParserLineNumber(reader)),
                    message:
                        "it is not well-formed XML (\(error?.message ?? "libxml2 stopped reading")): cut off or damaged"
                )
            }
        }
    }

    private static func name(_ reader: OpaquePointer) -> String {
        xmlTextReaderConstLocalName(reader).map { String(cString: $0) } ?? ""
    }

    private static func attribute(_ reader: OpaquePointer, _ name: String) -> String? {
        guard let value = xmlTextReaderGetAttribute(reader, name) else { return nil }
        defer { ar_xml_free(value) }
        return String(cString: value)
    }

    private static func text(_ reader: OpaquePointer) -> String {
        xmlTextReaderConstValue(reader).map { String(cString: $0) } ?? ""
    }

    private static let element = Int32(XML_READER_TYPE_ELEMENT.rawValue)
    private static let endElement = Int32(XML_READER_TYPE_END_ELEMENT.rawValue)
    private static let textNode = Int32(XML_READER_TYPE_TEXT.rawValue)
    private static let whitespace = Int32(XML_READER_TYPE_SIGNIFICANT_WHITESPACE.rawValue)

    /// Attributes of every element with the given local name.
    package static func elements(_ data: Data, named wanted: String) throws -> [[String: String]] {
        var result: [[String: String]] = []
        try scan(data) { reader, type in
            guard type == element, name(reader) == wanted else { return }
            var attributes: [String: String] = [:]
            while xmlTextReaderMoveToNextAttribute(reader) == 1 {
                let key = xmlTextReaderConstName(reader).map { String(cString: $0) } ?? ""
                attributes[key] = text(reader)
            }
            result.append(attributes)
        }
        return result
    }

    /// The shared-string table, at most `limit` strings.
    package static func sharedStrings(_ data: Data, limit: Int = maximumRow * 16) throws -> [String] {
        var strings: [String] = []
        var current = ""
        var inText = false
        try scan(data) { reader, type in
            if type == element {
                let n = name(reader)
                if n == "si" { current = "" }
                inText = n == "t" && xmlTextReaderIsEmptyElement(reader) == 0
            } else if type == endElement {
                let n = name(reader)
                if n == "si" {
                    strings.append(decodedXString(current))
                    if strings.count > limit {
                        throw Failure(line: 0, message: "it holds more than \(limit) strings")
                    }
                }
                if n == "t" { inText = false }
            } else if inText, type == textNode || type == whitespace {
                current += text(reader)
            }
        }
        return strings
    }

    package struct Cells {
        /// Row number → 0-based column → text.
        package var rows: [Int: [Int: String]] = [:]
        package var formulas: [(row: Int, column: Int)] = []
    }

    /// Every cell's text by row number and 0-based column, and where formulas are. A row or
    /// cell without its `r` attribute follows the one before it (ECMA-376 allows leaving it
    /// out). More than `maximumRows` rows holding text refuse the part.
    package static func cells(_ data: Data, sharedStrings: [String], maximumRows: Int = maximumRow) throws -> Cells {
        var cells = Cells()
        var row = 0, column = -1
        var type = ""
        var value = ""
        var inValue = false
        var filledRows = 0, rowFilled = false
        try scan(data) { reader, nodeType in
            if nodeType == element {
                switch name(reader) {
                case "row":
                    if let reference = attribute(reader, "r") {
                        guard let number = Int(reference), number > row, number <= maximumRow else {
                            throw Failure(
                                line: Int(xmlTextReaderGetParserLineNumber(reader)),
                                message: "row reference '\(reference.prefix(20))' is not a row after row \(row)")
                        }
                        row = number
                    } else {
                        row += 1
                    }
                    column = -1
                    rowFilled = false
                case "c":
                    if let reference = attribute(reader, "r") {
                        guard let (cellRow, cellColumn) = XMLScan.reference(reference), cellRow == row || row == 0,
                            cellColumn > column
                        else {
                            throw Failure(
                                line: Int(xmlTextReaderGetParserLineNumber(reader)),
                                message:
                                    "cell reference '\(reference.prefix(20))' is not a cell of row \(row) after the one before it"
                            )
                        }
                        (row, column) = (cellRow, cellColumn)
                    } else {
                        column += 1
                        guard column < maximumColumn else {
                            throw Failure(
                                line: Int(xmlTextReaderGetParserLineNumber(reader)),
                                message: "a row has more than \(maximumColumn) cells")
                        }
                    }
                    type = attribute(reader, "t") ?? ""
                    value = ""
                    if xmlTextReaderIsEmptyElement(reader) == 1 { cells.rows[row, default: [:]][column] = "" }
                case "v", "t": inValue = xmlTextReaderIsEmptyElement(reader) == 0
                case "f": cells.formulas.append((row, column))
                default: break
                }
            } else if nodeType == endElement {
                switch name(reader) {
                case "v", "t": inValue = false
                case "c":
                    var text = type == "inlineStr" || type == "str" ? XMLScan.decodedXString(value) : value
                    if type == "s" {
                        guard let index = Int(value), index >= 0, index < sharedStrings.count else {
                            throw Failure(
                                line: Int(xmlTextReaderGetParserLineNumber(reader)),
                                message:
                                    "cell \(XMLScan.name(column: column))\(row) refers to shared string '\(value.prefix(20))'; the workbook has \(sharedStrings.count)"
                            )
                        }
                        text = sharedStrings[index]
                    }
                    cells.rows[row, default: [:]][column] = text
                    if !text.isEmpty && !rowFilled {
                        rowFilled = true
                        filledRows += 1
                        if filledRows > maximumRows {
                            throw Failure(
                                line: Int(xmlTextReaderGetParserLineNumber(reader)),
                                message: "it has more than \(maximumRows) rows with text")
                        }
                    }
                default: break
                }
            } else if inValue, nodeType == textNode || nodeType == whitespace {
                value += text(reader)
            }
        }
        return cells
    }

    /// SpreadsheetML's escapes in a string (ST_Xstring): `_xHHHH_` is the UTF-16 unit HHHH
    /// (how a workbook carries control characters XML cannot), `_x005F_` a literal underscore.
    package static func decodedXString(_ text: String) -> String {
        guard text.contains("_x") else { return text }
        let units = Array(text.utf16)
        var out: [UInt16] = []
        out.reserveCapacity(units.count)
        var index = 0
        while index < units.count {
            if units[index] == 0x5F, index + 6 < units.count, units[index + 1] == 0x78, units[index + 6] == 0x5F,
                let code = UInt16(String(decoding: units[index + 2..<index + 6], as: UTF16.self), radix: 16)
            {
                out.append(code)
                index += 7
            } else {
                out.append(units[index])
                index += 1
            }
        }
        return String(decoding: out, as: UTF16.self)
    }

    /// "N12" → (12, 13); nil unless 1–3 letters up to XFD and a row from 1 to 1,048,576.
    package static func reference(_ text: String) -> (row: Int, column: Int)? {
        let bytes = Array(text.utf8)
        var index = 0, column = 0
        while index < bytes.count, index < 4, let letter = Optional(bytes[index] & 0xDF), letter >= 65, letter <= 90 {
            column = column * 26 + Int(letter - 64)
            index += 1
        }
        guard index >= 1, index <= 3, column <= maximumColumn, index < bytes.count, bytes.count - index <= 7,
            bytes[index] != 0x30, bytes[index...].allSatisfy({ $0 >= 0x30 && $0 <= 0x39 }),
            let row = Int(String(decoding: bytes[index...], as: UTF8.self)), row >= 1, row <= maximumRow
        else { return nil }
        return (row, column - 1)
    }

    /// 0 → "A", 25 → "Z", 26 → "AA".
    package static func name(column: Int) -> String {
        var number = column + 1, letters = ""
        while number > 0 {
            let remainder = (number - 1) % 26
            letters = String(UnicodeScalar(UInt8(65 + remainder))) + letters
            number = (number - 1) / 26
        }
        return letters
    }
}
