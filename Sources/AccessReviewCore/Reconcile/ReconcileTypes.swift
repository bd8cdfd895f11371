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

/// An identity as the rules see it: directory entry, HR record and what follows from them.
public struct IdentityState: Sendable {
    public var user: DirectoryUser
    public var hr: HRRecord?
    /// The earliest known end date (HR or directory).
    public var endDate: Day?
    public var isLeaver: Bool
    /// The `leaver_when` conditions that hold.
    public var leaverReasons: [IdentityCondition]
    public var leaverDate: Day?
    public var isExternal: Bool
    /// Job roles held, with the match that put each there.
    public var jobRoles: [(id: String, why: String)]
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
    public var sensitivity: Sensitivity
    public var privileged: Bool
    public var ground: Ground
    public var codes: [FindingCode]
    public var worstSeverity: Severity?
    public var reviewer: String
    /// The system owner, for extra-sensitive or privileged lines, when not the primary reviewer.
    public var secondReviewer: String?

    public init(identity: String?, person: LinePerson?, system: String, account: String, role: String, sensitivity: Sensitivity,
                privileged: Bool, ground: Ground, codes: [FindingCode], worstSeverity: Severity?, reviewer: String, secondReviewer: String?) {
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
        a.identity == b.identity && a.name == b.name && a.title == b.title && a.department == b.department && a.system == b.system
            && a.account == b.account && a.role == b.role && a.sensitivity == b.sensitivity && a.privileged == b.privileged
            && a.ground == b.ground && a.codes == b.codes && a.worstSeverity == b.worstSeverity && a.reviewer == b.reviewer
            && a.secondReviewer == b.secondReviewer
    }
}

/// Everything the Reconcile stage decides.
public struct ReconcileResult: Sendable {
    public var asOf: Day
    public var identities: [IdentityState]
    public var lines: [AccessLine]
    public var findings: [Finding]
    /// Reviewer id → number of lines (as primary or second reviewer).
    public var reviewers: [String]

    public func count(of severity: Severity) -> Int { findings.filter { $0.severity == severity }.count }
}

/// The inputs of one reconciliation; the reconciler reads nothing else.
public struct ReconcileInput: Sendable {
    public var directory: DirectorySnapshot
    public var hr: HRSnapshot?
    public var exports: [SystemExport]
    public var mappings: [String: SystemMapping]
    public var handbook: Handbook
    public var asOf: Day
    public var language: Language
    /// What earlier runs saw (from the state store); empty on a first run.
    public var history = History()
    /// Let go of the inputs as soon as they are used: the directory's users and the HR
    /// records once the identities are made of them, each export's accounts once correlated.
    /// Frees memory only when nothing else holds them (a run at scale, whose snapshots are
    /// already written).
    public var releaseInputsWhenUsed = false

    public init(directory: DirectorySnapshot, hr: HRSnapshot?, exports: [SystemExport], mappings: [String: SystemMapping],
                handbook: Handbook, asOf: Day, language: Language) {
        self.directory = directory
        self.hr = hr
        self.exports = exports
        self.mappings = mappings
        self.handbook = handbook
        self.asOf = asOf
        self.language = language
    }
}

/// What earlier runs saw: when each identity was first seen disabled, and the job roles
/// each held in the latest earlier run (to explain a mover's left-over access).
public struct History: Sendable {
    public var firstSeenDisabled: [String: Day] = [:]
    public var previousRun: Day?
    public var previousJobRoles: [String: [String]] = [:]

    public init(firstSeenDisabled: [String: Day] = [:], previousRun: Day? = nil, previousJobRoles: [String: [String]] = [:]) {
        self.firstSeenDisabled = firstSeenDisabled
        self.previousRun = previousRun
        self.previousJobRoles = previousJobRoles
    }
}
