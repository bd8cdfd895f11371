import Foundation

/// How much harm misuse of a role can do; drives severities, review intervals and second reviewers.
public enum Sensitivity: String, Sendable, CaseIterable, Comparable {
    case normal, sensitive, extraSensitive = "extra-sensitive"

    public static func < (lhs: Sensitivity, rhs: Sensitivity) -> Bool {
        allCases.firstIndex(of: lhs)! < allCases.firstIndex(of: rhs)!
    }
}

/// A system role: the pair that access lines, grants and SoD rules name.
public struct RoleKey: Hashable, Sendable, Comparable, CustomStringConvertible {
    public let system: String
    public let role: String
    /// Roles are compared case-insensitively: exports rarely agree on case.
    public let key: String

    public init(system: String, role: String) {
        self.system = system
        self.role = role
        self.key = system + "\u{1F}" + role.matchKey
    }

    public static func == (lhs: RoleKey, rhs: RoleKey) -> Bool { lhs.key == rhs.key }
    public func hash(into hasher: inout Hasher) { hasher.combine(key) }
    public static func < (lhs: RoleKey, rhs: RoleKey) -> Bool { (lhs.system, lhs.role) < (rhs.system, rhs.role) }
    public var description: String { "\(system)/\(role)" }
}

/// The language of sheets and reports.
public enum Language: String, Sendable, CaseIterable { case da, en }
