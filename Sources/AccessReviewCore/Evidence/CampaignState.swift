import Foundation

/// A campaign's life in the state store: sheet versions across re-runs, the close, and the
/// history that later runs read (when each line was first seen and seen gone, the last
/// attestation of each line, Remove decisions and their verification).
extension StateStore {
    // MARK: - Sheet versions

    /// Which version of each reviewer's sheet a run issues. A re-run keeps every unchanged
    /// line's row id (ids depend only on the campaign's secret and the row's content); a
    /// reviewer whose rows changed gets the next version of their sheet.
    public struct SheetVersions: Sendable {
        /// Reviewer → the version their sheet has in this run.
        public var version: [String: Int] = [:]
        /// Reviewers whose sheet is new or changed in this run (a new version is recorded).
        public var changed: Set<String> = []
        /// Of those, the reviewers who must get the new version: it holds a line never
        /// issued to them before. A version that only lost lines need not be sent again:
        /// the earlier one decides every line it still holds.
        public var resend: Set<String> = []
        /// Whether the campaign had issued sheets before this run.
        public var rerun = false

        public init() {}
    }

    /// Each reviewer's latest sheet: its lines, how many are decided and how, and its
    /// version. The totals come from `sheet_versions`; the decisions in force are counted in
    /// SQL. Decisions are only taken for rows issued to the reviewer, so on a sheet that never
    /// had a second version every one counts; on a later version only those of its rows.
    public func reviewerProgress(campaign: String) throws -> [(
        reviewer: String, total: Int, decided: Int, keep: Int, remove: Int, notAttested: Int, version: Int
    )] {
        let sheets = try db.query(
            """
            SELECT v.reviewer, v.rows, v.version FROM sheet_versions v
            WHERE v.campaign = ? AND v.version = (SELECT MAX(w.version) FROM sheet_versions w
                WHERE w.campaign = v.campaign AND w.reviewer = v.reviewer)
            ORDER BY v.reviewer
            """, [campaign]
        ) { (reviewer: $0.text(0), rows: $0.integer(1), version: $0.integer(2)) }
        var counts: [String: (decided: Int, keep: Int, remove: Int, notAttested: Int)] = [:]
        try db.forEach(
            """
            SELECT d.reviewer, COUNT(*), SUM(d.decision = 'Keep'), SUM(d.decision = 'Remove'),
                   SUM(d.decision = 'not attested')
            FROM decisions d JOIN imports k ON k.id = d.import_id
            WHERE d.campaign = ?1 AND \(Self.decisionInForce)
            GROUP BY d.reviewer
            """, [.text(campaign)]
        ) { row in
            counts[row.text(0)] = (row.integer(1), row.integer(2), row.integer(3), row.integer(4))
        }
        for sheet in sheets where sheet.version > 1 && counts[sheet.reviewer] != nil {
            let onSheet = Set(
                try issuedSheets(campaign: campaign, reviewer: sheet.reviewer).last?.rows.map(\.rowId) ?? [])
            var count = (decided: 0, keep: 0, remove: 0, notAttested: 0)
            for decision in try currentDecisions(campaign: campaign, reviewer: sheet.reviewer, decision: nil)
            where onSheet.contains(decision.rowId) {
                count.decided += 1
                switch decision.decision {
                case "Keep": count.keep += 1
                case "Remove": count.remove += 1
                case "not attested": count.notAttested += 1
                default: break
                }
            }
            counts[sheet.reviewer] = count
        }
        return sheets.map { sheet in
            let c = counts[sheet.reviewer] ?? (0, 0, 0, 0)
            return (sheet.reviewer, sheet.rows, c.decided, c.keep, c.remove, c.notAttested, sheet.version)
        }
    }

    // MARK: - Closing

    /// The day a campaign was closed, nil while it is open.
    public func closedOn(_ campaign: String) throws -> Day? {
        try db.query("SELECT COALESCE(closed_on, '') FROM campaigns WHERE campaign = ?", [campaign]) { $0.text(0) }
            .first.flatMap { Day(iso: $0) }
    }

    /// The latest campaign closed before `day`, other than `campaign`: its close is where
    /// "new since last attestation" counts from.
    public func previousClose(before day: Day, other campaign: String) throws -> (campaign: String, on: Day)? {
        try db.query(
            "SELECT campaign, closed_on FROM campaigns WHERE closed_on IS NOT NULL AND closed_on <= ? AND campaign <> ? ORDER BY closed_on DESC LIMIT 1",
            [asOfText(day), campaign]
        ) { ($0.text(0), Day(iso: $0.text(1))) }.first.flatMap { name, day in day.map { (name, $0) } }
    }

    /// Ends a campaign: every row of every reviewer's latest sheet without a decision in
    /// force gets `outcome` ("not attested" or "Remove"), recorded as one import per reviewer
    /// of kind "close" in the hash chain; later imports are refused. Returns the number of
    /// rows given the outcome.
    public func close(campaign: String, on day: Day, outcome: String) throws -> Int {
        try db.transaction {
            var decided: [String: Set<String>] = [:]
            for decision in try currentDecisions(campaign: campaign) {
                decided[decision.reviewer, default: []].insert(decision.rowId)
            }
            var unanswered = 0
            // Each sheet's open rows are recorded as it is read: the rows are never all in memory.
            try forEachSheet(campaign: campaign, latestOnly: true) { sheet in
                let theirs = decided[sheet.reviewer] ?? []
                let open = sheet.rows.map(\.rowId).filter { !theirs.contains($0) }.sorted()
                guard !open.isEmpty else { return }
                unanswered += open.count
                try recordImport(
                    campaign: campaign, reviewer: sheet.reviewer, file: "(close)",
                    sha256: "close:\(campaign):\(sheet.reviewer)",
                    decisions: open.map { ($0, outcome, "unanswered at close") }, effectiveOn: day, kind: "close")
            }
            try db.run(
                "UPDATE campaigns SET closed_on = ?, unanswered = ? WHERE campaign = ?",
                [day.description, outcome, campaign])
            return unanswered
        }
    }

    // MARK: - History of lines, decisions and removals

    /// A line's key across runs and campaigns: system, account and role.
    public static func lineKey(system: String, account: String, role: String) -> String {
        system + "\u{1F}" + account + "\u{1F}" + role
    }

    /// A Remove in force that no run has yet seen carried out.
    public struct PendingRemoval: Sendable, Equatable {
        public var campaign: String
        public var reviewer: String
        public var identity: String
        public var decidedOn: Day
        public var system = ""
        public var account = ""
        public var role = ""
    }

    /// Every Keep and Remove in force, in every campaign, with the line it decides and the day
    /// it counts from (the import's `--as-of`, else the day it was imported). "Not attested"
    /// (a close's outcome) says nothing about a line's history and is left in the store.
    func decisionsInForce() throws -> [(
        system: String, account: String, role: String, identity: String, campaign: String, reviewer: String,
        capacity: String, decision: String, on: Day
    )] {
        var decisions: [String: [String: [(rowId: String, decision: String, on: Day)]]] = [:]
        try db.forEach(
            """
            SELECT d.campaign, d.reviewer, d.row_id, d.decision, \(Self.decisionDay)
            FROM decisions d JOIN imports k ON k.id = d.import_id
            WHERE d.decision IN ('Keep', 'Remove') AND \(Self.decisionInForce)
            """
        ) { r in
            decisions[r.text(0), default: [:]][r.text(1), default: []].append(
                (r.text(2), r.text(3), Day(iso: r.text(4)) ?? Day(ordinal: 0)))
        }
        var result:
            [(
                system: String, account: String, role: String, identity: String, campaign: String, reviewer: String,
                capacity: String, decision: String, on: Day
            )] = []
        // The rows are looked up sheet by sheet: only the sheets with a Keep or Remove are read.
        for (campaign, byReviewer) in decisions.sorted(by: { $0.key < $1.key }) {
            for (reviewer, theirs) in byReviewer.sorted(by: { $0.key < $1.key }) {
                let rows = try issuedRowsByID(campaign: campaign, reviewer: reviewer)
                for decision in theirs {
                    guard let r = rows[decision.rowId] else { continue }
                    result.append(
                        (
                            r.system, r.account, r.role, r.identity, campaign, reviewer, r.capacity,
                            decision.decision, decision.on
                        ))
                }
            }
        }
        return result
    }

    /// What history findings and "new since last attestation" need, as of `asOf`.
    public func lineHistory(before asOf: Day, campaign: String) throws -> LineHistory {
        var history = LineHistory()
        history.previousClose = try previousClose(before: asOf, other: campaign)?.on
        history.firstSeen = try linesFirstSeen(asOf: asOf)
        // A line is attested in a campaign when every sheet it was on said Keep; on the day
        // the last of them did. Only kept lines need their capacities.
        struct CampaignLine: Hashable {
            var campaign: String
            var line: LineID
        }
        struct Decided: Hashable {
            var line: LineID
            var on: String
        }
        var keeps: [CampaignLine: (capacities: Set<String>, on: Day)] = [:]
        var verified = Set<Decided>()
        try db.forEach("SELECT system, account, role, decided_on FROM removals_verified") { row in
            verified.insert(
                Decided(line: LineID(system: row.text(0), account: row.text(1), role: row.text(2)), on: row.text(3)))
        }
        for d in try decisionsInForce() where d.on <= asOf {
            let line = LineID(system: d.system, account: d.account, role: d.role)
            if d.decision == "Keep" {
                let key = CampaignLine(campaign: d.campaign, line: line)
                var entry = keeps[key] ?? ([], d.on)
                entry.capacities.insert(d.capacity)
                entry.on = max(entry.on, d.on)
                keeps[key] = entry
            } else if d.decision == "Remove", !verified.contains(Decided(line: line, on: d.on.description)) {
                let removal = PendingRemoval(
                    campaign: d.campaign, reviewer: d.reviewer, identity: d.identity, decidedOn: d.on, system: d.system,
                    account: d.account, role: d.role)
                // The earliest Remove of a line is the one its deadline counts from.
                if let known = history.pendingRemovals[line], known.decidedOn <= d.on { continue }
                history.pendingRemovals[line] = removal
            }
        }
        var capacities: [CampaignLine: Set<String>] = [:]  // capacities issued
        for campaign in Set(keeps.keys.map(\.campaign)).sorted() {
            try forEachSheet(campaign: campaign, latestOnly: false) { sheet in
                for row in sheet.rows {
                    let key = CampaignLine(
                        campaign: campaign, line: LineID(system: row.system, account: row.account, role: row.role))
                    if keeps[key] != nil { capacities[key, default: []].insert(row.capacity) }
                }
            }
        }
        for (key, keep) in keeps where keep.capacities.isSuperset(of: capacities[key] ?? []) {
            if let known = history.lastAttested[key.line], known >= keep.on { continue }
            history.lastAttested[key.line] = keep.on
        }
        return history
    }

    /// The Remove decisions seen carried out, with the run that first saw each line gone.
    public struct VerifiedRemoval: Sendable, Equatable {
        public var system, account, role, identity, campaign: String
        public var decidedOn: Day
        public var verifiedOn: Day
    }

    public func verifiedRemovals() throws -> [VerifiedRemoval] {
        try db.query(
            "SELECT system, account, role, identity, campaign, decided_on, verified_on FROM removals_verified ORDER BY system, account, role",
            [String]()
        ) { r in
            VerifiedRemoval(
                system: r.text(0), account: r.text(1), role: r.text(2), identity: r.text(3), campaign: r.text(4),
                decidedOn: Day(iso: r.text(5)) ?? Day(ordinal: 0), verifiedOn: Day(iso: r.text(6)) ?? Day(ordinal: 0))
        }
    }

    private func asOfText(_ day: Day) -> String { day.description }
}

/// What earlier runs and decisions say about the lines of this run.
public struct LineHistory: Sendable {
    /// Line → the first run that saw it (since it last reappeared).
    public var firstSeen = LineDays()
    /// Line → the day of its latest attestation (every reviewer said Keep).
    public var lastAttested: [LineID: Day] = [:]
    /// Line → the Remove in force not yet seen carried out.
    public var pendingRemovals: [LineID: StateStore.PendingRemoval] = [:]
    /// The close of the previous campaign, where "new since last attestation" counts from.
    public var previousClose: Day?

    public init() {}

    /// Nothing earlier (a first run): every line is new and nothing is due.
    public var isEmpty: Bool {
        firstSeen.isEmpty && lastAttested.isEmpty && pendingRemovals.isEmpty && previousClose == nil
    }
}
