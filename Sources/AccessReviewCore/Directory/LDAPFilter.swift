import Foundation

/// An RFC 4515 search filter, evaluated against LDIF entries the way a server would
/// evaluate it against its own (equality, presence, substrings; `&`, `|`, `!`).
/// Comparison is case-insensitive, as for the directory string syntaxes used here.
public indirect enum LDAPFilter: Sendable, Equatable {
    case and([LDAPFilter])
    case or([LDAPFilter])
    case not(LDAPFilter)
    case equal(String, String)
    case present(String)
    case substring(String, [String?])  // nil pieces are the `*`s
    case greaterOrEqual(String, String)
    case lessOrEqual(String, String)

    public struct SyntaxError: Error, CustomStringConvertible {
        public var description: String
    }

    public static func parse(_ text: String) throws -> LDAPFilter {
        var parser = Parser(chars: Array(text.trimmingCharacters(in: .whitespaces)))
        let filter = try parser.filter()
        guard parser.index == parser.chars.count else {
            throw SyntaxError(description: "unexpected text after the filter")
        }
        return filter
    }

    /// Whether the entry matches.
    public func matches(_ entry: DirectoryEntry) -> Bool {
        switch self {
        case .and(let parts): return parts.allSatisfy { $0.matches(entry) }
        case .or(let parts): return parts.contains { $0.matches(entry) }
        case .not(let inner): return !inner.matches(entry)
        case .present(let name): return !entry.values(name).isEmpty
        case .equal(let name, let value):
            let key = value.matchKey
            return entry.values(name).contains { $0.matchKey == key }
        case .greaterOrEqual(let name, let value):
            return entry.values(name).contains { $0.matchKey >= value.matchKey }
        case .lessOrEqual(let name, let value):
            return entry.values(name).contains { $0.matchKey <= value.matchKey }
        case .substring(let name, let pieces):
            let pattern = pieces.map { $0 ?? "*" }.joined()
            let glob = Glob(pattern)
            return entry.values(name).contains { glob.matches($0) }
        }
    }

    private struct Parser {
        var chars: [Character]
        var index = 0

        mutating func expect(_ ch: Character) throws {
            guard index < chars.count, chars[index] == ch else {
                throw SyntaxError(description: "expected '\(ch)' at position \(index + 1)")
            }
            index += 1
        }

        mutating func filter() throws -> LDAPFilter {
            try expect("(")
            guard index < chars.count else { throw SyntaxError(description: "the filter ends early") }
            let result: LDAPFilter
            switch chars[index] {
            case "&":
                index += 1
                result = .and(try list())
            case "|":
                index += 1
                result = .or(try list())
            case "!":
                index += 1
                result = .not(try filter())
            default:
                result = try item()
            }
            try expect(")")
            return result
        }

        mutating func list() throws -> [LDAPFilter] {
            var items: [LDAPFilter] = []
            while index < chars.count, chars[index] == "(" { items.append(try filter()) }
            guard !items.isEmpty else { throw SyntaxError(description: "an empty '&' or '|' at position \(index + 1)") }
            return items
        }

        mutating func item() throws -> LDAPFilter {
            var name = ""
            while index < chars.count,
                chars[index].isLetter || chars[index].isNumber || chars[index] == "-" || chars[index] == ";"
                    || chars[index] == "."
            {
                name.append(chars[index])
                index += 1
            }
            guard !name.isEmpty, index < chars.count else {
                throw SyntaxError(description: "an attribute name is missing at position \(index + 1)")
            }
            name = name.lowercased()  // as entries keep them: found without lower-casing for each entry
            var op = String(chars[index])
            if op == ">" || op == "<" || op == "~" {
                index += 1
                try expect("=")
                op += "="
            } else {
                try expect("=")
            }
            var raw = ""
            var pieces: [String?] = []
            while index < chars.count, chars[index] != ")" {
                let ch = chars[index]
                if ch == "(" { throw SyntaxError(description: "unescaped '(' in a value at position \(index + 1)") }
                if ch == "*" && op == "=" {
                    pieces.append(raw.isEmpty ? nil : raw)
                    if !raw.isEmpty { pieces.append(nil) }
                    raw = ""
                    index += 1
                    continue
                }
                if ch == "\\" {
                    guard index + 2 < chars.count, let byte = UInt8(String(chars[index + 1...index + 2]), radix: 16)
                    else {
                        throw SyntaxError(description: "a bad escape at position \(index + 1)")
                    }
                    raw.append(Character(Unicode.Scalar(byte)))
                    index += 3
                    continue
                }
                raw.append(ch)
                index += 1
            }
            switch op {
            case ">=": return .greaterOrEqual(name, raw)
            case "<=", "~=": return op == "<=" ? .lessOrEqual(name, raw) : .equal(name, raw)
            default:
                if pieces.isEmpty { return .equal(name, raw) }
                if !raw.isEmpty { pieces.append(raw) }
                if pieces == [nil] { return .present(name) }
                return .substring(name, pieces)
            }
        }
    }
}
