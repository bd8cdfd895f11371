import Foundation

extension String {
    /// The form in which correlation keys and names are compared: trimmed, Unicode NFC,
    /// case-folded. `Æ` and `æ` compare equal, and so do composed and decomposed `å`.
    public var matchKey: String {
        // Fast path: trimmed ASCII needs only lower-casing (the same result as the Unicode path).
        var ascii = true
        for byte in utf8 where byte >= 0x80 {
            ascii = false
            break
        }
        if ascii, let first = utf8.first, let last = utf8.last, first > 0x20, last > 0x20 {
            return lowercased()
        }
        return trimmingCharacters(in: .whitespacesAndNewlines)
            .precomposedStringWithCanonicalMapping
            .folding(options: [.caseInsensitive], locale: nil)
    }

    /// Trimmed and NFC-normalised; `nil` when nothing is left.
    public var cleaned: String? {
        let value = trimmingCharacters(in: .whitespacesAndNewlines).precomposedStringWithCanonicalMapping
        return value.isEmpty ? nil : value
    }

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
            if byte >= 0x80 || (byte >= 0x41 && byte <= 0x5A) || (byte == 0x20 && previous == 0x2C) || (byte == 0x2C && previous == 0x20) {
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
                if let last = bytes.last, last != 0x2C { bytes.append(contentsOf: repeatElement(0x20, count: pendingSpaces)) }
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

extension Array {
    /// Rearranges the elements so that element `i` becomes the old element `order[i]`, in
    /// place, one cycle of the permutation at a time: no second copy of a large array.
    /// `order` must be a permutation of the indices; it is used up.
    mutating func permute(by order: inout [Int32]) {
        precondition(order.count == count, "a permutation of every index")
        // Elements are moved bit for bit along each cycle (no retain or release): the first
        // of a cycle is held aside while each place takes the element it wants.
        withUnsafeMutableBufferPointer { items in
            guard let base = items.baseAddress else { return }
            for start in order.indices where order[start] >= 0 {
                if Int(order[start]) == start {
                    order[start] = -1
                    continue
                }
                let held = (base + start).move()
                var current = start
                while true {
                    let source = Int(order[current])
                    order[current] = -1
                    if source == start {
                        (base + current).initialize(to: held)
                        break
                    }
                    (base + current).moveInitialize(from: base + source, count: 1)
                    current = source
                }
            }
        }
    }
}
