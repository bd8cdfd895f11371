import Foundation

/// Writes RFC 4180 CSV: fields quoted when they hold the separator, a quote or a line break.
public struct CSVWriter: Sendable {
    public var separator: Character
    /// Prefix cells that a spreadsheet would run as a formula with a quote (OWASP "CSV injection").
    public var neutraliseFormulas: Bool
    public private(set) var text = ""

    public init(separator: Character = ",", byteOrderMark: Bool = false, neutraliseFormulas: Bool = false) {
        self.separator = separator
        self.neutraliseFormulas = neutraliseFormulas
        if byteOrderMark { text = "\u{FEFF}" }
    }

    public mutating func row(_ fields: [String]) {
        var first = true
        for field in fields {
            if !first { text.append(separator) }
            first = false
            text += escape(neutraliseFormulas ? CSVWriter.neutralised(field) : field)
        }
        text += "\r\n"
    }

    private func escape(_ field: String) -> String {
        let sep = separator.asciiValue ?? 0x3B
        var needsQuotes = false
        for byte in field.utf8 where byte == sep || byte == 0x22 || byte == 0x0A || byte == 0x0D {
            needsQuotes = true
            break
        }
        if needsQuotes {
            return "\"" + field.replacingOccurrences(of: "\"", with: "\"\"") + "\""
        }
        return field
    }

    /// A cell starting with `=`, `+`, `-`, `@`, tab or carriage return is shown as text, not run.
    public static func neutralised(_ value: String) -> String {
        guard let first = value.unicodeScalars.first else { return value }
        // A negative number is a number, never a formula.
        if first == "-", value.count > 1, value.utf8.dropFirst().allSatisfy { $0 >= 0x30 && $0 <= 0x39 } {
            return value
        }
        switch first {
        case "=", "+", "-", "@", "\t", "\r": return "'" + value
        default: return value
        }
    }

    public var data: Data { Data(text.utf8) }

    /// What was written so far, as bytes, leaving the writer empty: for streaming a large
    /// document in blocks.
    public mutating func take() -> Data {
        defer { text = "" }
        return Data(text.utf8)
    }
}
