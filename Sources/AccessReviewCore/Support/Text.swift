import Foundation

extension String {
    public var htmlEscaped: String {
        var out = ""
        out.reserveCapacity(count)
        for ch in self {
            switch ch {
            case "&": out += "&amp;"
            case "<": out += "&lt;"
            case ">": out += "&gt;"
            case "\"": out += "&quot;"
            case "'": out += "&#39;"
            default: out.append(ch)
            }
        }
        return out
    }
}

/// Shell-style wildcard matching (`*` any run, `?` one character), case-insensitive,
/// as the handbook's job-role `match` uses it.
public struct Glob: Sendable, Hashable, CustomStringConvertible {
    public let pattern: String
    private let characters: [Character]
    /// The match key of a pattern without wildcards: then matching is one comparison.
    private let exact: String?

    public init(_ pattern: String) {
        self.pattern = pattern
        let key = pattern.matchKey
        self.characters = Array(key)
        self.exact = key.contains(where: { $0 == "*" || $0 == "?" }) ? nil : key
    }

    public var description: String { pattern }

    public func matches(_ text: String) -> Bool {
        matches(key: text.matchKey)
    }

    /// Matches a subject that is already a match key (`String.matchKey`).
    public func matches(key: String) -> Bool {
        if let exact { return key == exact }
        let subject = Array(key)
        var p = 0, s = 0
        var star = -1, mark = 0
        while s < subject.count {
            if p < characters.count, characters[p] == "?" || characters[p] == subject[s] {
                p += 1
                s += 1
            } else if p < characters.count, characters[p] == "*" {
                star = p
                mark = s
                p += 1
            } else if star >= 0 {
                p = star + 1
                mark += 1
                s = mark
            } else {
                return false
            }
        }
        while p < characters.count, characters[p] == "*" { p += 1 }
        return p == characters.count
    }
}

/// Distinguished names compared the way directories do for our purposes: case-insensitive,
/// spaces after commas ignored.
public enum DN {
    public static func normalise(_ dn: String) -> String {
        // Fastest path: a DN already in normal form (ASCII, lower case, no spaces next to a
        // comma, as servers usually send them) is returned as it is, without a copy.
        var normal = true
        var previous: UInt8 = 0x2C
        for byte in dn.utf8 {
            if byte >= 0x80 || (byte >= 0x41 && byte <= 0x5A) || (byte == 0x20 && previous == 0x2C)
                || (byte == 0x2C && previous == 0x20)
            {
                normal = false
                break
            }
            previous = byte
        }
        if normal && previous != 0x20 { return dn }
        // Fast path: ASCII DNs (nearly all) are lower-cased and stripped of spaces around commas byte by byte.
        var bytes: [UInt8] = []
        bytes.reserveCapacity(dn.utf8.count)
        var pendingSpaces = 0
        for byte in dn.utf8 {
            if byte >= 0x80 { return slowNormalise(dn) }
            if byte == 0x20 {
                pendingSpaces += 1
                continue
            }
            if byte == 0x2C {
                pendingSpaces = 0  // spaces before a comma go
            } else if pendingSpaces > 0 {
                if let last = bytes.last, last != 0x2C {
                    bytes.append(contentsOf: repeatElement(0x20, count: pendingSpaces))
                }
                pendingSpaces = 0
            }
            bytes.append(byte >= 0x41 && byte <= 0x5A ? byte + 0x20 : byte)
        }
        return String(decoding: bytes, as: UTF8.self)
    }

    private static func slowNormalise(_ dn: String) -> String {
        dn.split(separator: ",", omittingEmptySubsequences: false)
            .map { $0.trimmingCharacters(in: .whitespaces) }
            .joined(separator: ",")
            .matchKey
    }

    /// Whether `dn` lies under `base` (or is `base`).
    public static func isUnder(_ dn: String, base: String) -> Bool {
        let d = normalise(dn), b = normalise(base)
        return d == b || d.hasSuffix("," + b)
    }
}
