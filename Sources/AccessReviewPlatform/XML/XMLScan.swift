import CLibXML2
import Foundation

/// Small libxml2 scans of the workbook's XML parts (owned pointers stay in this type).
package enum XMLScan {
    private static func withReader<T>(_ data: Data, _ body: (OpaquePointer) throws -> T) rethrows -> T? {
        ProcessSetup.requireStarted()
        return try data.withUnsafeBytes { buffer -> T? in
            let options = Int32(XML_PARSE_NONET.rawValue) | Int32(XML_PARSE_NOCDATA.rawValue)
            guard let base = buffer.baseAddress?.assumingMemoryBound(to: CChar.self),
                let reader = xmlReaderForMemory(base, Int32(buffer.count), nil, nil, options)
            else { return nil }
            defer { xmlFreeTextReader(reader) }
            xmlTextReaderSetStructuredErrorHandler(reader, { _, _ in }, nil)
            return try body(reader)
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

    /// Attributes of every element with the given local name.
    package static func elements(_ data: Data, named wanted: String) -> [[String: String]] {
        withReader(data) { reader in
            var result: [[String: String]] = []
            while xmlTextReaderRead(reader) == 1 {
                guard xmlTextReaderNodeType(reader) == Int32(XML_READER_TYPE_ELEMENT.rawValue), name(reader) == wanted
                else { continue }
                var attributes: [String: String] = [:]
                while xmlTextReaderMoveToNextAttribute(reader) == 1 {
                    let key = xmlTextReaderConstName(reader).map { String(cString: $0) } ?? ""
                    let value = xmlTextReaderConstValue(reader).map { String(cString: $0) } ?? ""
                    attributes[key] = value
                }
                result.append(attributes)
            }
            return result
        } ?? []
    }

    package static func sharedStrings(_ data: Data) -> [String] {
        withReader(data) { reader in
            var strings: [String] = []
            var current = ""
            var inText = false
            while xmlTextReaderRead(reader) == 1 {
                let type = xmlTextReaderNodeType(reader)
                if type == Int32(XML_READER_TYPE_ELEMENT.rawValue) {
                    let n = name(reader)
                    if n == "si" { current = "" }
                    inText = n == "t" && xmlTextReaderIsEmptyElement(reader) == 0
                } else if type == Int32(XML_READER_TYPE_END_ELEMENT.rawValue) {
                    if name(reader) == "si" { strings.append(current) }
                    if name(reader) == "t" { inText = false }
                } else if inText,
                    type == Int32(XML_READER_TYPE_TEXT.rawValue)
                        || type == Int32(XML_READER_TYPE_SIGNIFICANT_WHITESPACE.rawValue)
                {
                    current += xmlTextReaderConstValue(reader).map { String(cString: $0) } ?? ""
                }
            }
            return strings
        } ?? []
    }

    package struct Cells {
        package var rows: [Int: [Int: String]] = [:]
        package var formulas: [(row: Int, column: Int)] = []
    }

    /// Every cell's text by row number and 0-based column, and where formulas are.
    package static func cells(_ data: Data, sharedStrings: [String], file: String) throws -> Cells {
        guard
            let cells = withReader(
                data,
                { reader -> Cells in
                    var cells = Cells()
                    var row = 0, column = 0
                    var type = ""
                    var value = ""
                    var inValue = false
                    while xmlTextReaderRead(reader) == 1 {
                        let nodeType = xmlTextReaderNodeType(reader)
                        if nodeType == Int32(XML_READER_TYPE_ELEMENT.rawValue) {
                            switch name(reader) {
                            case "c":
                                let reference = attribute(reader, "r") ?? ""
                                (row, column) = XMLScan.reference(reference)
                                type = attribute(reader, "t") ?? ""
                                value = ""
                                if xmlTextReaderIsEmptyElement(reader) == 1 {
                                    cells.rows[row, default: [:]][column] = ""
                                }
                            case "v", "t": inValue = xmlTextReaderIsEmptyElement(reader) == 0
                            case "f": cells.formulas.append((row, column))
                            default: break
                            }
                        } else if nodeType == Int32(XML_READER_TYPE_END_ELEMENT.rawValue) {
                            switch name(reader) {
                            case "v", "t": inValue = false
                            case "c":
                                let text =
                                    type == "s"
                                    ? (Int(value).flatMap { $0 < sharedStrings.count ? sharedStrings[$0] : nil } ?? "")
                                    : value
                                cells.rows[row, default: [:]][column] = text
                            default: break
                            }
                        } else if inValue,
                            nodeType == Int32(XML_READER_TYPE_TEXT.rawValue)
                                || nodeType == Int32(XML_READER_TYPE_SIGNIFICANT_WHITESPACE.rawValue)
                        {
                            value += xmlTextReaderConstValue(reader).map { String(cString: $0) } ?? ""
                        }
                    }
                    return cells
                })
        else {
            throw ToolError(.input, "\(file): error: the attestation sheet's XML cannot be read")
        }
        return cells
    }

    /// "N12" → (12, 13).
    package static func reference(_ text: String) -> (row: Int, column: Int) {
        var column = 0
        var digits = ""
        for ch in text.uppercased() {
            if let ascii = ch.asciiValue, ch.isLetter {
                column = column * 26 + Int(ascii - 64)
            } else if ch.isNumber {
                digits.append(ch)
            }
        }
        return (Int(digits) ?? 0, column - 1)
    }
}
