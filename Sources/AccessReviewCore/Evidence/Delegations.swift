import Foundation

/// A reviewer's undecided lines handed to another reviewer (`accessreview delegate`), with
/// who approved it, why, when and for how long: recorded in the state store (table
/// `delegations`, schema 5) and applied by every later run of the campaign while in force.
public struct Delegation: Sendable, Equatable {
    public var id = 0
    public var campaign: String
    public var from: String
    public var to: String
    public var reason: String
    public var approvedBy: String
    /// When it was made (time) and the day it counts from.
    public var madeAt: String
    public var madeOn: Day
    /// The last day it applies; nil: until the campaign closes.
    public var until: Day?
    /// The lines moved, as `LineKey`s.
    public var lines: Set<LineKey>

    public init(
        campaign: String, from: String, to: String, reason: String, approvedBy: String, madeAt: String,
        madeOn: Day, until: Day?, lines: Set<LineKey>
    ) {
        self.campaign = campaign
        self.from = from
        self.to = to
        self.reason = reason
        self.approvedBy = approvedBy
        self.madeAt = madeAt
        self.madeOn = madeOn
        self.until = until
        self.lines = lines
    }

    /// Whether it applies on `day`.
    public func isInForce(on day: Day) -> Bool { until.map { day <= $0 } ?? true }

    /// One line as a sheet holds it: whose, which system, account and role, and in which
    /// capacity (manager or system owner) the reviewer had it.
    public struct LineKey: Sendable, Hashable, Comparable {
        public var identity: String
        public var system: String
        public var account: String
        public var role: String
        public var capacity: String

        public init(identity: String, system: String, account: String, role: String, capacity: String) {
            self.identity = identity
            self.system = system
            self.account = account
            self.role = role
            self.capacity = capacity
        }

        public init(_ row: StateStore.IssuedRow) {
            self.init(
                identity: row.identity, system: row.system, account: row.account, role: row.role,
                capacity: row.capacity)
        }

        var encoded: String { [capacity, identity, system, account, role].joined(separator: "\u{1F}") }

        init?(encoded: Substring) {
            let parts = encoded.split(separator: "\u{1F}", omittingEmptySubsequences: false).map(String.init)
            guard parts.count == 5 else { return nil }
            self.init(identity: parts[1], system: parts[2], account: parts[3], role: parts[4], capacity: parts[0])
        }

        public static func < (a: LineKey, b: LineKey) -> Bool { a.encoded < b.encoded }
    }

    /// Moves the delegated lines of `lines` to their new reviewer. A line whose person is the
    /// new reviewer goes up that person's chain of managers (`managers`), past the reviewer
    /// who delegated it, then to the first fallback who is neither the person nor the line's
    /// other reviewer: nobody reviews their own access.
    public static func apply(
        _ delegations: [Delegation], to lines: inout [AccessLine], managers: [String: String], fallbacks: [String],
        on day: Day
    ) {
        let active = delegations.filter { $0.isInForce(on: day) }
        guard !active.isEmpty else { return }
        func target(_ delegation: Delegation, avoiding person: String, and other: String?) -> String {
            let excluded: Set<String> = [person, other ?? person, delegation.from]
            var candidate: String? = delegation.to
            var seen: Set<String> = []
            while let current = candidate, seen.insert(current).inserted {
                if !excluded.contains(current) { return current }
                candidate = managers[current]
            }
            return fallbacks.first { !excluded.contains($0) } ?? delegation.to
        }
        for index in lines.indices {
            let line = lines[index]
            let identity = line.identity ?? ""
            for delegation in active {
                if line.reviewer == delegation.from,
                    delegation.lines.contains(
                        LineKey(
                            identity: identity, system: line.system, account: line.account, role: line.role,
                            capacity: Sheet.primaryCapacity(line).rawValue))
                {
                    lines[index].reviewer = target(delegation, avoiding: identity, and: line.secondReviewer)
                }
                if line.secondReviewer == delegation.from,
                    delegation.lines.contains(
                        LineKey(
                            identity: identity, system: line.system, account: line.account, role: line.role,
                            capacity: Sheet.Capacity.systemOwner.rawValue))
                {
                    lines[index].secondReviewer = target(
                        delegation, avoiding: identity, and: lines[index].reviewer)
                }
            }
        }
    }
}

extension StateStore {
    /// Records a delegation; returns its id.
    public func recordDelegation(_ delegation: Delegation) throws -> Int {
        try db.transaction {
            try db.run(
                """
                INSERT INTO delegations (campaign, from_reviewer, to_reviewer, reason, approved_by, made_at, made_on,
                    until, lines) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)
                """,
                [
                    .text(delegation.campaign), .text(delegation.from), .text(delegation.to), .text(delegation.reason),
                    .text(delegation.approvedBy), .text(delegation.madeAt), .text(delegation.madeOn.description),
                    .text(delegation.until?.description ?? ""),
                    .text(delegation.lines.sorted().map(\.encoded).joined(separator: "\n")),
                ])
            return db.lastInsertRowID
        }
    }

    /// Every delegation of a campaign, oldest first.
    public func delegations(campaign: String) throws -> [Delegation] {
        try db.query(
            """
            SELECT id, from_reviewer, to_reviewer, reason, approved_by, made_at, made_on, until, lines
            FROM delegations WHERE campaign = ? ORDER BY id
            """, [campaign]
        ) { r in
            let keys = r.text(8).split(separator: "\n").map { Delegation.LineKey(encoded: $0) }
            guard let madeOn = Day(iso: r.text(6)), !keys.contains(nil) else {
                throw ToolError(
                    .input,
                    "\(path): error: delegation \(r.integer(0)) of campaign \(campaign) in the state store is damaged")
            }
            var delegation = Delegation(
                campaign: campaign, from: r.text(1), to: r.text(2), reason: r.text(3), approvedBy: r.text(4),
                madeAt: r.text(5), madeOn: madeOn, until: Day(iso: r.text(7)), lines: Set(keys.compactMap { $0 }))
            delegation.id = r.integer(0)
            return delegation
        }
    }

    /// The rows on the reviewer's latest sheet that have no decision in force: what a
    /// delegation moves. Nil when no sheet was issued to the reviewer.
    public func undecidedRows(campaign: String, reviewer: String) throws -> [IssuedRow]? {
        var latest: IssuedSheet?
        try forEachSheet(campaign: campaign, reviewer: reviewer, latestOnly: true) { latest = $0 }
        guard let latest else { return nil }
        let decided = Set(try currentDecisions(campaign: campaign, reviewer: reviewer, decision: nil).map(\.rowId))
        return latest.rows.filter { !decided.contains($0.rowId) }
    }

    /// The campaign's as_of (the day its first run evaluated the rules on).
    public func asOf(of campaign: String) throws -> Day? {
        try db.query("SELECT COALESCE(as_of, '') FROM campaigns WHERE campaign = ?", [campaign]) { $0.text(0) }
            .first.flatMap { Day(iso: $0) }
    }
}
