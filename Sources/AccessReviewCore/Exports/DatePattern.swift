import Foundation

/// A date pattern in Unicode TR35 notation (`yyyy-MM-dd'T'HH:mm:ssXXX`), the subset that
/// system exports use: `yyyy`, `MM`/`M`, `dd`/`d`, `HH`/`H`, `mm`, `ss`, `S…` (fraction),
/// `X`/`XX`/`XXX`/`Z` (zone), quoted literals and punctuation.
///
/// A value with a zone is converted to the organisation's calendar date; a value without one
/// is already in the organisation's zone.
public struct DatePattern: Sendable, CustomStringConvertible {
    enum Token: Sendable, Equatable {
        case year, month, day, hour, minute, second, fraction, zone, literal(Character)
    }

    public let pattern: String
    let tokens: [Token]

    public struct PatternError: Error, CustomStringConvertible {
        public var description: String
    }

    public var description: String { pattern }

    public init(_ pattern: String) throws {
        self.pattern = pattern
        var tokens: [Token] = []
        let chars = Array(pattern)
        var index = 0
        while index < chars.count {
            let ch = chars[index]
            var run = 1
            while index + run < chars.count, chars[index + run] == ch { run += 1 }
            switch ch {
            case "y":
                guard run == 4 else { throw PatternError(description: "use 'yyyy' for the year") }
                tokens.append(.year)
            case "M":
                guard run <= 2 else {
                    throw PatternError(description: "month names ('MMM') are not supported; use 'MM'")
                }
                tokens.append(.month)
            case "d": tokens.append(.day)
            case "H": tokens.append(.hour)
            case "m": tokens.append(.minute)
            case "s": tokens.append(.second)
            case "S": tokens.append(.fraction)
            case "X", "Z", "x": tokens.append(.zone)
            case "'":
                var end = index + 1
                var literal = ""
                while end < chars.count, chars[end] != "'" {
                    literal.append(chars[end])
                    end += 1
                }
                guard end < chars.count else { throw PatternError(description: "an unclosed quote") }
                if literal.isEmpty {
                    tokens.append(.literal("'"))
                } else {
                    tokens.append(contentsOf: literal.map { Token.literal($0) })
                }
                index = end + 1
                continue
            default:
                if ch.isLetter { throw PatternError(description: "the pattern letter '\(ch)' is not supported") }
                for _ in 0..<run { tokens.append(.literal(ch)) }
            }
            index += run
        }
        guard tokens.contains(.year), tokens.contains(.month), tokens.contains(.day) else {
            throw PatternError(description: "a date pattern needs yyyy, MM and dd")
        }
        self.tokens = tokens
    }

    /// The organisation's calendar date of `text`, or nil when it does not fit the pattern.
    public func parse(_ text: String) -> Day? {
        let chars = Array(text.utf8)
        var index = 0
        var year = 0, month = 0, day = 0, hour = 0, minute = 0, second = 0
        var offsetSeconds: Int?

        func digits(max: Int, min: Int = 1) -> Int? {
            var value = 0, count = 0
            while index < chars.count, count < max, chars[index] >= 0x30, chars[index] <= 0x39 {
                value = value * 10 + Int(chars[index] - 0x30)
                index += 1
                count += 1
            }
            return count >= min ? value : nil
        }

        for token in tokens {
            switch token {
            case .year: guard let v = digits(max: 4, min: 4) else { return nil }; year = v
            case .month: guard let v = digits(max: 2) else { return nil }; month = v
            case .day: guard let v = digits(max: 2) else { return nil }; day = v
            case .hour: guard let v = digits(max: 2), v < 24 else { return nil }; hour = v
            case .minute: guard let v = digits(max: 2), v < 60 else { return nil }; minute = v
            case .second: guard let v = digits(max: 2), v < 61 else { return nil }; second = v
            case .fraction: guard digits(max: 9) != nil else { return nil }
            case .zone:
                guard index < chars.count else { return nil }
                if chars[index] == UInt8(ascii: "Z") {
                    index += 1
                    offsetSeconds = 0
                } else if chars[index] == UInt8(ascii: "+") || chars[index] == UInt8(ascii: "-") {
                    let sign = chars[index] == UInt8(ascii: "-") ? -1 : 1
                    index += 1
                    guard let h = digits(max: 2, min: 2) else { return nil }
                    if index < chars.count, chars[index] == UInt8(ascii: ":") { index += 1 }
                    let m = digits(max: 2, min: 2) ?? 0
                    offsetSeconds = sign * (h * 3600 + m * 60)
                } else {
                    return nil
                }
            case .literal(let ch):
                let utf8 = Array(String(ch).utf8)
                guard index + utf8.count <= chars.count, Array(chars[index..<index + utf8.count]) == utf8 else {
                    return nil
                }
                index += utf8.count
            }
        }
        guard index == chars.count, let date = Day(year: year, month: month, day: day) else { return nil }
        guard let offsetSeconds else { return date }
        let utcSeconds = date.ordinal * 86_400 + hour * 3600 + minute * 60 + second - offsetSeconds
        return Day(date: Date(timeIntervalSince1970: TimeInterval(utcSeconds)), in: .organisation)
    }
}
