import Foundation

/// Why an identity may hold a role.
public enum Ground: Sendable, Equatable, Hashable {
    case jobRole(String)
    case birthright
    case exception(until: Day)
    case expiredException(Day)
    case serviceAccount(owner: String)
    case none
}

/// Whom lines belong to, as the sheets show them: one object an identity, shared by all its
/// lines (three strings a line would cost a third of a million lines' memory).
public final class LinePerson: Sendable {
    public let name: String?
    public let title: String?
    public let department: String?

    public init(name: String?, title: String?, department: String?) {
        self.name = name
        self.title = title
        self.department = department
    }
}

/// One access line: a role on an account, the unit that managers attest.
public struct AccessLine: Sendable, Equatable {
    public var identity: String?
    public var person: LinePerson?
    public var name: String? { person?.name }
    public var title: String? { person?.title }
    public var department: String? { person?.department }
    public var system: String
    public var account: String
    public var role: String
    // The one-byte fields follow the ground's tag byte, which they would otherwise pad out
    // to a word each: Swift lays fields out in this order, and a million identities hold
    // 7.4 M lines (136 bytes a line instead of 160).
    public var ground: Ground
    public var sensitivity: Sensitivity
    public var privileged: Bool
    public var worstSeverity: Severity?
    /// First seen after the previous campaign was closed (or no campaign was closed yet).
    public var isNew = true
    public var codes: [FindingCode]
    public var reviewer: String
    /// The system owner, for extra-sensitive or privileged lines, when not the primary reviewer.
    public var secondReviewer: String?

    public init(
        identity: String?, person: LinePerson?, system: String, account: String, role: String, sensitivity: Sensitivity,
        privileged: Bool, ground: Ground, codes: [FindingCode], worstSeverity: Severity?, reviewer: String,
        secondReviewer: String?
    ) {
        self.identity = identity
        self.person = person
        self.system = system
        self.account = account
        self.role = role
        self.sensitivity = sensitivity
        self.privileged = privileged
        self.ground = ground
        self.codes = codes
        self.worstSeverity = worstSeverity
        self.reviewer = reviewer
        self.secondReviewer = secondReviewer
    }

    public static func == (a: AccessLine, b: AccessLine) -> Bool {
        a.identity == b.identity && a.name == b.name && a.title == b.title && a.department == b.department
            && a.system == b.system
            && a.account == b.account && a.role == b.role && a.sensitivity == b.sensitivity
            && a.privileged == b.privileged
            && a.ground == b.ground && a.codes == b.codes && a.worstSeverity == b.worstSeverity
            && a.reviewer == b.reviewer
            && a.secondReviewer == b.secondReviewer && a.isNew == b.isNew
    }
}
