import Foundation

public enum Severity: String, Sendable, CaseIterable, Comparable, Encodable {
    case low, medium, high, critical

    public static func < (lhs: Severity, rhs: Severity) -> Bool {
        allCases.firstIndex(of: lhs)! < allCases.firstIndex(of: rhs)!
    }
}

/// The finding codes of docs/findings.md. Names are stable; reports show them in the chosen language.
public enum FindingCode: String, Sendable, CaseIterable, Encodable {
    case leaverAccess = "LEAVER_ACCESS"
    case leaverEnabled = "LEAVER_ENABLED"
    case orphanAccount = "ORPHAN_ACCOUNT"
    case ambiguousMatch = "AMBIGUOUS_MATCH"
    case sodConflict = "SOD_CONFLICT"
    case revocationNotDone = "REVOCATION_NOT_DONE"
    case unauthorisedRole = "UNAUTHORISED_ROLE"
    case exceptionExpired = "EXCEPTION_EXPIRED"
    case externalNoEndDate = "EXTERNAL_NO_END_DATE"
    case serviceOwnerInactive = "SERVICE_OWNER_INACTIVE"
    case noReviewer = "NO_REVIEWER"
    case sensitiveReviewDue = "SENSITIVE_REVIEW_DUE"
    case reviewOverdue = "REVIEW_OVERDUE"
    case dormantAccount = "DORMANT_ACCOUNT"
    case unknownRole = "UNKNOWN_ROLE"
    case staleExport = "STALE_EXPORT"

    /// The severity docs/findings.md gives the code; UNAUTHORISED_ROLE is raised to high for sensitive roles.
    public var baseSeverity: Severity {
        switch self {
        case .leaverAccess, .leaverEnabled: return .critical
        case .orphanAccount, .ambiguousMatch, .sodConflict, .revocationNotDone: return .high
        case .unauthorisedRole, .exceptionExpired, .externalNoEndDate, .serviceOwnerInactive, .noReviewer,
            .sensitiveReviewDue, .staleExport:
            return .medium
        case .reviewOverdue, .dormantAccount, .unknownRole: return .low
        }
    }

    /// The severity of the code on a line of this sensitivity: the one rule that raises
    /// UNAUTHORISED_ROLE to high for sensitive and extra-sensitive roles.
    public func severity(on sensitivity: Sensitivity) -> Severity {
        self == .unauthorisedRole && sensitivity != .normal ? .high : baseSeverity
    }

    /// Codes that need the history of earlier runs (the state store).
    public var needsHistory: Bool {
        self == .revocationNotDone || self == .reviewOverdue || self == .sensitiveReviewDue
    }
}

/// One finding: a rule broken by one identity, account or export, with its evidence.
public struct Finding: Sendable, Equatable, Encodable {
    public var code: FindingCode
    public var severity: Severity
    public var identity: String?
    public var system: String?
    public var account: String?
    public var role: String?
    /// Handbook rule id or section the finding cites.
    public var rule: String
    public var reviewer: String?
    public var detail: String

    public init(
        code: FindingCode, severity: Severity? = nil, identity: String? = nil, system: String? = nil,
        account: String? = nil, role: String? = nil, rule: String, reviewer: String? = nil, detail: String
    ) {
        self.code = code
        self.severity = severity ?? code.baseSeverity
        self.identity = identity
        self.system = system
        self.account = account
        self.role = role
        self.rule = rule
        self.reviewer = reviewer
        self.detail = detail
    }

    /// Total order used for every output: most severe first, then by what it concerns.
    public static func ordered(_ a: Finding, _ b: Finding) -> Bool {
        if a.severity != b.severity { return a.severity > b.severity }
        let ka = [a.code.rawValue, a.identity ?? "", a.system ?? "", a.account ?? "", a.role ?? "", a.rule, a.detail]
        let kb = [b.code.rawValue, b.identity ?? "", b.system ?? "", b.account ?? "", b.role ?? "", b.rule, b.detail]
        return ka.lexicographicallyPrecedes(kb)
    }

    enum CodingKeys: String, CodingKey { case code, severity, identity, system, account, role, rule, reviewer, detail }

    public func encode(to encoder: Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(code, forKey: .code)
        try c.encode(severity, forKey: .severity)
        try c.encode(identity, forKey: .identity)
        try c.encode(system, forKey: .system)
        try c.encode(account, forKey: .account)
        try c.encode(role, forKey: .role)
        try c.encode(rule, forKey: .rule)
        try c.encode(reviewer, forKey: .reviewer)
        try c.encode(detail, forKey: .detail)
    }
}
