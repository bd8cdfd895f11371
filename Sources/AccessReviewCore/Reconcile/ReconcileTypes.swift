import Foundation

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
    /// Who reviews the person's lines, and how they were found when it was not the
    /// directory's manager (HR's manager, a substitute, the fallback and why).
    public var reviewer = ""
    public var routing = ""
}

/// Everything the Reconcile stage decides.
public struct ReconcileResult: Sendable {
    public var asOf: Day
    public var identities: [IdentityState]
    public var lines: [AccessLine]
    public var findings: [Finding]
    /// Reviewer id → number of lines (as primary or second reviewer).
    public var reviewers: [String]
    /// System id → its owner and deputy owner, for `explain`.
    public var owners: [String: (owner: String?, deputy: String?)] = [:]
    /// System id → the day its export was made, where the export says.
    public var exportedOn: [String: Day] = [:]

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
    /// Let go of the inputs as soon as they are used (`InputRelease`); nil keeps them.
    public var release: InputRelease?

    public init(
        directory: DirectorySnapshot, hr: HRSnapshot?, exports: [SystemExport], mappings: [String: SystemMapping],
        handbook: Handbook, asOf: Day, language: Language
    ) {
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
    /// Identity → the job roles it held in the previous run, space-separated as the store
    /// keeps them; a million identities share the few distinct texts (`StateStore.history`).
    public var previousJobRoleText: [String: String] = [:]

    public init(
        firstSeenDisabled: [String: Day] = [:], previousRun: Day? = nil, previousJobRoles: [String: [String]] = [:]
    ) {
        self.firstSeenDisabled = firstSeenDisabled
        self.previousRun = previousRun
        self.previousJobRoleText = previousJobRoles.mapValues { $0.joined(separator: " ") }
    }

    /// The job roles `identity` held in the previous run; nil when it was not seen.
    public func previousJobRoles(of identity: String) -> [String]? {
        previousJobRoleText[identity].map { $0.split(separator: " ").map(String.init) }
    }
}
