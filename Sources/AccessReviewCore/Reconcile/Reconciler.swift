import Foundation

/// The heart of accessreview: a pure function from directory, HR, exports, handbook and
/// `as_of` to access lines, findings and reviewers. Deterministic: the same inputs in any
/// order give the same result. The findings that need the line history of earlier runs are
/// `HistoryChecks`, applied to the result.
public struct Reconciler: Sendable {
    public var input: ReconcileInput

    public init(_ input: ReconcileInput) { self.input = input }

    /// Consuming, so that the state holds the only copy of the input and can free the
    /// accounts after correlation (`ReconcileInput.release`).
    public consuming func run() throws -> ReconcileResult {
        let input = self.input
        _ = consume self
        let file = input.handbook.file, fallbackLine = input.handbook.fallbackLine
        var state = ReconcileState(input: consume input)
        state.evaluateIdentities()
        state.computeRoutes()
        try state.correlateAndCheckAccounts()
        state.indexLineOwners()
        state.checkIdentities()
        state.checkExports()
        let result = state.finish()
        let unrouted = Set(
            result.lines.filter { $0.reviewer.isEmpty }.map { $0.identity ?? "\($0.system)/\($0.account)" })
        if !unrouted.isEmpty {
            throw DiagnosticList([
                Diagnostic(
                    file: file, line: fallbackLine,
                    "no eligible reviewer for the access of \(unrouted.sorted().joined(separator: ", ")): every fallback is the person themselves or a leaver; add another id to reviewers.fallback"
                )
            ])
        }
        return result
    }
}

// MARK: - Working state

struct ReconcileState {
    var input: ReconcileInput
    let handbook: Handbook
    let asOf: Day
    let messages: Messages
    var identities: [IdentityState] = []
    var indexById: [String: Int] = [:]
    var lines: [AccessLine] = []
    var findings: [Finding] = []
    /// Per identity index: the roles it holds that some SoD rule names (the only ones SoD needs).
    var heldRoles: [Int: Set<RoleKey>] = [:]
    /// Per identity index: whether it has any access line.
    var holdsLines: [Bool] = []
    /// Per identity index: the routed reviewer and whether the fallback was used (`computeRoutes`).
    var routes: [Route] = []
    /// Lookups built once: exceptions by identity, grants by job role.
    let exceptionsByIdentity: [String: [Handbook.ExceptionGrant]]
    let grantsByJobRole: [String: Set<RoleKey>]
    let birthright: Set<RoleKey>
    /// Per line: the identity index, or -1 (lines are appended in merge order).
    var lineOwners: [Int32] = []
    /// Each identity's lines, in line order: `ownedLines[ownedStart[i]..<ownedStart[i + 1]]`
    /// (one flat array rather than an array per identity; made by `indexLineOwners`).
    var ownedStart: [Int32] = []
    var ownedLines: [Int32] = []
    /// Per identity index: what its lines show of the person.
    var persons: [LinePerson] = []
    let sodRoles: Set<RoleKey>

    struct Route {
        var reviewer: String
        var fallback: Bool
        var why: String
        /// How the reviewer was found, for `explain`; empty for the directory's manager.
        var via = ""
    }

    init(input: ReconcileInput) {
        self.input = input
        self.handbook = input.handbook
        self.asOf = input.asOf
        self.messages = Messages(input.language)
        exceptionsByIdentity = Dictionary(grouping: input.handbook.exceptions, by: \.identity)
        grantsByJobRole = Dictionary(
            input.handbook.jobRoles.map { ($0.id, Set($0.grants)) }, uniquingKeysWith: { $0.union($1) })
        birthright = Set(input.handbook.birthright)
        sodRoles = Set(input.handbook.sod.flatMap(\.roles))
    }
}
