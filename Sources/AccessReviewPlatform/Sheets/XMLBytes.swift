import Foundation

/// Worksheet XML as bytes: rows, inline-string cells and escaped text.
struct XMLBytes {
    private var bytes: [UInt8] = []

    var count: Int { bytes.count }

    mutating func append(_ text: String) { bytes.appendUTF8(text) }

    mutating func take() -> [UInt8] {
        defer { bytes = [] }
        return bytes
    }

    private mutating func number(_ value: Int) {
        if value >= 10 { number(value / 10) }
        bytes.append(UInt8(ascii: "0") + UInt8(value % 10))
    }

    private static let columns = (0..<64).map { Array(XLSXSheetWriter.column($0).utf8) }

    mutating func row(_ number: Int, height: Int? = nil) {
        append("<row r=\"")
        self.number(number)
        if let height {
            append("\" ht=\"")
            self.number(height)
            append("\" customHeight=\"1\">")
        } else {
            append("\">")
        }
    }

    /// An inline-string cell, or a styled empty cell for an empty value.
    mutating func cell(_ column: Int, _ row: Int, _ value: String, _ style: XLSXSheetWriter.Style?) {
        append("<c r=\"")
        bytes.append(
            contentsOf: column < Self.columns.count ? Self.columns[column] : Array(XLSXSheetWriter.column(column).utf8))
        number(row)
        if let style, style != .plain {
            append("\" s=\"")
            number(style.rawValue)
        }
        if value.isEmpty {
            append("\"/>")
            return
        }
        let scalars = value.unicodeScalars
        let edges = scalars.first!.properties.isWhitespace || scalars.last!.properties.isWhitespace
        append(edges ? "\" t=\"inlineStr\"><is><t xml:space=\"preserve\">" : "\" t=\"inlineStr\"><is><t>")
        text(value)
        append("</t></is></c>")
    }

    /// `value` escaped: `&`, `<`, `>` and `"` as entities; a control character XML 1.0 cannot
    /// carry (all below U+0020 but tab, line feed and carriage return) as `_xHHHH_`, and an
    /// underscore that would start such a sequence as `_x005F_`, as SpreadsheetML reads them.
    mutating func text(_ value: String) {
        var plain = true
        for byte in value.utf8
        where byte < 0x20 || byte == 0x26 || byte == 0x3C || byte == 0x3E || byte == 0x22 || byte == 0x5F {
            plain = false
            break
        }
        if plain {
            bytes.appendUTF8(value)
            return
        }
        let utf8 = Array(value.utf8)
        func hex(_ byte: UInt8) -> Bool {
            (0x30...0x39).contains(byte) || (0x41...0x46).contains(byte) || (0x61...0x66).contains(byte)
        }
        for (index, byte) in utf8.enumerated() {
            switch byte {
            case 0x26: append("&amp;")
            case 0x3C: append("&lt;")
            case 0x3E: append("&gt;")
            case 0x22: append("&quot;")
            case 0x09, 0x0A, 0x0D: bytes.append(byte)
            case 0x5F:
                // `_xHHHH_` in the value itself: its underscore escaped, so it reads back as written.
                let rest = utf8[(index + 1)...]
                if rest.count >= 6, rest.first == UInt8(ascii: "x"), rest.dropFirst().prefix(4).allSatisfy(hex),
                    rest.dropFirst(5).first == UInt8(ascii: "_")
                {
                    append("_x005F_")
                } else {
                    bytes.append(byte)
                }
            case ..<0x20:
                append("_x00")
                bytes.append(contentsOf: Array(String(byte >> 4, radix: 16, uppercase: true).utf8))
                bytes.append(contentsOf: Array(String(byte & 0xF, radix: 16, uppercase: true).utf8))
                append("_")
            default: bytes.append(byte)
            }
        }
    }
}
