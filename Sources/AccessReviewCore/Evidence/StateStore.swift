import Crypto
import Foundation

/// The history of a review, in SQLite (`<output>/state.sqlite`): each campaign's secret
/// for row ids, the rows issued on each reviewer's sheet, every imported file and every
/// decision with who made it, when, and the SHA-256 of the file it came from.
public final class StateStore {
    let db: SQLiteDatabase
    public var path: String { db.path }

    public struct IssuedRow: Sendable, Equatable {
        public var campaign: String
        public var reviewer: String
        public var rowId: String
        public var identity: String
        public var system: String
        public var account: String
        public var role: String
        public var worst: Severity?
        public var capacity: String
    }

    public struct Decision: Sendable, Equatable {
        public var reviewer: String
        public var rowId: String
        public var decision: String
        public var comment: String
        public var decidedAt: String
        public var fileSHA256: String
        /// The day the decision counts from: the import's `--as-of`, else the day it was imported.
        public var decidedOn: Day
    }

    public init(path: String) throws {
        db = try SQLiteDatabase(path: path)
        try db.execute("PRAGMA journal_mode = WAL; PRAGMA cache_size = -65536")
        // A new store starts as schema 0 did; `migrate` brings it (or an older one) up to date.
        if try db.query("PRAGMA user_version", [String]()) { $0.integer(0) }.first == 0 {
            try db.execute(
                """
                CREATE TABLE IF NOT EXISTS campaigns (campaign TEXT PRIMARY KEY, secret BLOB NOT NULL, created_at TEXT NOT NULL,
                    as_of TEXT, deadline TEXT);
                CREATE TABLE IF NOT EXISTS issued_rows (campaign TEXT NOT NULL, reviewer TEXT NOT NULL, row_id TEXT NOT NULL,
                    identity TEXT, system TEXT, account TEXT, role TEXT, worst TEXT, capacity TEXT,
                    PRIMARY KEY (campaign, reviewer, row_id)) WITHOUT ROWID;
                CREATE TABLE IF NOT EXISTS imports (id INTEGER PRIMARY KEY AUTOINCREMENT, campaign TEXT NOT NULL, reviewer TEXT NOT NULL,
                    file TEXT NOT NULL, sha256 TEXT NOT NULL, imported_at TEXT NOT NULL, decided INTEGER NOT NULL,
                    UNIQUE (campaign, reviewer, sha256));
                CREATE TABLE IF NOT EXISTS run_counts (run INTEGER NOT NULL, source TEXT NOT NULL, count INTEGER NOT NULL,
                    PRIMARY KEY (run, source));
                CREATE TABLE IF NOT EXISTS identity_history (identity TEXT PRIMARY KEY, first_seen_disabled TEXT);
                CREATE TABLE IF NOT EXISTS job_role_history (as_of TEXT NOT NULL, identity TEXT NOT NULL, job_roles TEXT NOT NULL,
                    PRIMARY KEY (as_of, identity));
                CREATE TABLE IF NOT EXISTS decisions (import_id INTEGER NOT NULL REFERENCES imports(id), campaign TEXT NOT NULL,
                    reviewer TEXT NOT NULL, row_id TEXT NOT NULL, decision TEXT NOT NULL, comment TEXT NOT NULL, decided_at TEXT NOT NULL,
                    file_sha256 TEXT NOT NULL);
                """)
        }
        try migrate()
        // Decisions are read by campaign and reviewer; a closed campaign holds one per line.
        try db.execute("CREATE INDEX IF NOT EXISTS decisions_by_sheet ON decisions (campaign, reviewer, row_id)")
    }

    /// The campaign's secret for row ids, made on first use and never written anywhere else.
    /// `given` (the config's `campaign_key_file`) is the key a new campaign gets; for a
    /// campaign already open it must be the key its sheets were issued with.
    public func secret(for campaign: String, asOf: Day, deadline: Day, given: (key: Data, file: String)? = nil) throws
        -> SymmetricKey
    {
        if let existing = try db.query("SELECT secret FROM campaigns WHERE campaign = ?", [campaign], { $0.blob(0) })
            .first
        {
            if let given, given.key != existing {
                throw ToolError(
                    .configuration,
                    "\(given.file): error: campaign \(campaign) was opened with another key; its sheets were issued with the key in the state store, so this key file cannot be used for it"
                )
            }
            return SymmetricKey(data: existing)
        }
        let key = given.map { SymmetricKey(data: $0.key) } ?? SymmetricKey(size: .bits256)
        let bytes = key.withUnsafeBytes { Data($0) }
        try db.run(
            "INSERT INTO campaigns (campaign, secret, created_at, as_of, deadline) VALUES (?, ?, ?, ?, ?)",
            [.text(campaign), .blob(bytes), .text(Self.now()), .text(asOf.description), .text(deadline.description)])
        return key
    }

    /// The secret of a campaign that has been run here; a command on a campaign never run is
    /// refused with the same message everywhere.
    public func requireRun(of campaign: String) throws -> SymmetricKey {
        guard let key = try existingSecret(for: campaign) else {
            throw ToolError(
                .input,
                "\(path): error: no run of campaign \(campaign) is recorded here; run accessreview run first (or check 'campaign' and 'as_of')"
            )
        }
        return key
    }

    public func existingSecret(for campaign: String) throws -> SymmetricKey? {
        try db.query("SELECT secret FROM campaigns WHERE campaign = ?", [campaign], { $0.blob(0) }).first.map {
            SymmetricKey(data: $0)
        }
    }

    public func deadline(of campaign: String) throws -> Day? {
        try db.query("SELECT deadline FROM campaigns WHERE campaign = ?", [campaign], { $0.text(0) }).first.flatMap {
            Day(iso: $0)
        }
    }

    /// What one run records: what it saw (for later runs), its population counts (for the
    /// guard), the rows it issued on its sheets (for the import of returned sheets), the lines
    /// it saw (for history findings) and its findings (for the trend across campaigns).
    public struct RunRecord {
        public var campaign: String
        public var asOf: Day
        public var identities: [IdentityState]
        public var counts: [String: Int]
        public var versions: SheetVersions
        /// Feeds the issued sheets one by one.
        public var issuedSheets: ((IssuedSheetContent) -> Void) -> Void
        public var lines: [AccessLine] = []
        public var findings: [Finding] = []
        public var pendingRemovals: [LineID: PendingRemoval] = [:]
        /// Where `--timings` gets the state stage's steps.
        public var timings: StageTimings?

        public init(
            campaign: String, asOf: Day, identities: [IdentityState], counts: [String: Int],
            versions: SheetVersions = SheetVersions(), issuedSheets: @escaping ((IssuedSheetContent) -> Void) -> Void
        ) {
            self.campaign = campaign
            self.asOf = asOf
            self.identities = identities
            self.counts = counts
            self.versions = versions
            self.issuedSheets = issuedSheets
        }
    }

    /// Records a run and publishes its output as one step. The run's state is written in one
    /// transaction; `evidence` then writes what is made from the recorded state (leaver
    /// report, report, manifest) into the folder, still inside the transaction; `publish`
    /// moves the output folder into place and calls back to commit the transaction. If the
    /// move fails the transaction is rolled back; if the commit fails, `publish` takes the
    /// folder back out (see `OutputFolder.commit(confirm:)`). So the sheets are out exactly
    /// when their rows are issued. Returns the number of removals this run verified.
    @discardableResult
    public func record(
        _ run: RunRecord, evidence: () throws -> Void = {},
        publish: (_ runNumber: Int, _ commitState: () throws -> Void) throws -> Void
    ) throws -> Int {
        // Millions of rows are written in this one transaction: a larger page cache spills
        // less into the WAL (1M run: issued rows 44.5 -> 40.7 s, line history 30.1 -> 24.6 s).
        // Only here: the reads before the run's peak keep the small one.
        try db.execute("PRAGMA cache_size = -262144")
        defer { try? db.execute("PRAGMA cache_size = -65536; PRAGMA shrink_memory") }
        try db.begin()
        do {
            var started = Date()
            func lap(_ name: String) {
                run.timings?.record(name, since: started)
                started = Date()
            }
            try recordRun(asOf: run.asOf, identities: run.identities)
            let number = try recordCounts(run.counts)
            lap("identity history and counts")
            try issueSheets(campaign: run.campaign, asOf: run.asOf, plan: run.versions) { run.issuedSheets($0) }
            lap("issued rows")
            let verified = try recordLines(asOf: run.asOf, lines: run.lines, pending: run.pendingRemovals)
            lap("line history and verified removals")
            try recordLeavers(asOf: run.asOf, identities: run.identities, lines: run.lines)
            lap("leavers")
            try recordFindings(
                campaign: run.campaign, asOf: run.asOf, findings: run.findings, identities: run.identities)
            lap("finding counts")
            try evidence()
            lap("evidence: leavers.csv, population.csv, report.html, manifest")
            try publish(number) {
                // Where a test makes the commit fail after the folder was moved into place.
                if ProcessInfo.processInfo.environment["ACCESSREVIEW_FAIL_AT"] == "state" {
                    throw ToolError(
                        .outputNotWritten, "\(path): error: cannot commit the run's state (ACCESSREVIEW_FAIL_AT=state)")
                }
                try db.commit()
            }
            return verified
        } catch {
            db.rollback()
            throw error
        }
    }

    /// The population counts of the latest run: "directory" (users) and each system (accounts).
    public func lastCounts() throws -> [String: Int] {
        guard let run = try db.query("SELECT MAX(run) FROM run_counts", [String](), { $0.text(0) }).first, !run.isEmpty
        else { return [:] }
        return Dictionary(
            try db.query(
                "SELECT source, count FROM run_counts WHERE run = ?", [run], { ($0.text(0), Int($0.text(1)) ?? 0) }),
            uniquingKeysWith: { a, _ in a })
    }

    /// Records the run's population counts under the next run number, and returns it.
    func recordCounts(_ counts: [String: Int]) throws -> Int {
        var run = 0
        try db.transaction {
            run =
                (Int(
                    try db.query("SELECT COALESCE(MAX(run), 0) FROM run_counts", [String](), { $0.text(0) }).first
                        ?? "0") ?? 0) + 1
            // A run with no source still takes its number.
            for (source, count) in (counts.isEmpty ? ["directory": 0] : counts).sorted(by: { $0.key < $1.key }) {
                try db.run("INSERT INTO run_counts VALUES (?, ?, ?)", [String(run), source, String(count)])
            }
        }
        return run
    }

    /// The number of the latest committed run (0 before the first).
    public func latestRun() throws -> Int {
        Int(try db.query("SELECT COALESCE(MAX(run), 0) FROM run_counts", [String](), { $0.text(0) }).first ?? "0") ?? 0
    }

    /// Whether the run with this number was committed (the token of a publication).
    public func hasRun(_ number: Int) throws -> Bool {
        try db.query("SELECT 1 FROM run_counts WHERE run = ? LIMIT 1", [String(number)], { _ in true }).first ?? false
    }

    public func hasImported(campaign: String, reviewer: String, sha256: String) throws -> Bool {
        try !db.query(
            "SELECT id FROM imports WHERE campaign = ? AND reviewer = ? AND sha256 = ?", [campaign, reviewer, sha256],
            { $0.text(0) }
        ).isEmpty
    }

    /// Records one accepted file and its decisions, all or nothing.
    public func recordImport(
        campaign: String, reviewer: String, file: String, sha256: String,
        decisions: [(rowId: String, decision: String, comment: String)], effectiveOn: Day? = nil,
        kind: String = "sheet", sheetVersion: Int = 1
    ) throws {
        let now = Self.now()
        try db.transaction {
            let previous = try db.query("SELECT chain FROM imports ORDER BY id DESC LIMIT 1", [String]()) { $0.text(0) }
            let record = ImportRecord(
                id: 0, campaign: campaign, reviewer: reviewer, file: file, sha256: sha256, importedAt: now,
                decided: decisions.count, chain: "", effectiveOn: effectiveOn?.description ?? "", kind: kind,
                decisions: decisions.map { [$0.rowId, $0.decision, $0.comment, now, sha256] })
            try db.run(
                "INSERT INTO imports (campaign, reviewer, file, sha256, imported_at, decided, chain, effective_on, kind, sheet_version) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                [
                    .text(campaign), .text(reviewer), .text(file), .text(sha256), .text(now),
                    .integer(decisions.count), .text(record.link(after: previous.first ?? "")),
                    .text(record.effectiveOn), .text(kind), .integer(sheetVersion),
                ])
            let importId = db.lastInsertRowID
            let statement = try db.prepare("INSERT INTO decisions VALUES (?, ?, ?, ?, ?, ?, ?, ?)")
            for d in decisions {
                try statement.run(texts: [
                    String(importId), campaign, reviewer, d.rowId, d.decision, d.comment, now, sha256,
                ])
            }
        }
    }

    /// The decisions in force: each reviewer's latest imported file supersedes their earlier
    /// ones; the unanswered outcome recorded by `close` adds to them.
    public func currentDecisions(campaign: String) throws -> [Decision] {
        try currentDecisions(campaign: campaign, reviewer: nil, decision: nil)
    }

    /// The decisions in force of one reviewer, or of one kind, or both.
    func currentDecisions(campaign: String, reviewer: String?, decision: String?) throws -> [Decision] {
        // Conditions left out rather than "? IS NULL OR": so the index by sheet is used.
        var conditions = ["d.campaign = ?"], values = [campaign]
        if let reviewer { (conditions, values) = (conditions + ["d.reviewer = ?"], values + [reviewer]) }
        if let decision { (conditions, values) = (conditions + ["d.decision = ?"], values + [decision]) }
        return try db.query(
            """
            SELECT d.reviewer, d.row_id, d.decision, d.comment, d.decided_at, d.file_sha256,
                \(Self.decisionDay) FROM decisions d
            JOIN imports k ON k.id = d.import_id
            WHERE \(conditions.joined(separator: " AND ")) AND \(Self.decisionInForce)
            ORDER BY d.reviewer, d.row_id
            """, values
        ) { r in
            Decision(
                reviewer: r.text(0), rowId: r.text(1), decision: r.text(2), comment: r.text(3), decidedAt: r.text(4),
                fileSHA256: r.text(5), decidedOn: Day(iso: r.text(6)) ?? Day(ordinal: 0))
        }
    }

    /// The current decisions of one kind, each with the issued row it decides.
    public func currentDecisionsWithRows(campaign: String, decision: String) throws -> [(Decision, IssuedRow)] {
        var result: [(Decision, IssuedRow)] = []
        let decisions = try currentDecisions(campaign: campaign, reviewer: nil, decision: decision)
        for (reviewer, theirs) in Dictionary(grouping: decisions, by: \.reviewer).sorted(by: { $0.key < $1.key }) {
            let rows = try issuedRowsByID(campaign: campaign, reviewer: reviewer)
            for decision in theirs { if let row = rows[decision.rowId] { result.append((decision, row)) } }
        }
        return result
    }

    /// Whether decision `d` (of import `k`) is in force: every decision of a close, and each
    /// reviewer's decisions from their latest returned sheet (a later file supersedes).
    static let decisionInForce = """
        (k.kind = 'close' OR d.import_id = (SELECT MAX(i.id) FROM imports i
            WHERE i.campaign = d.campaign AND i.reviewer = d.reviewer AND i.kind = 'sheet'))
        """
    /// The day decision `d` (of import `k`) counts from: the import's `--as-of`, else the day imported.
    static let decisionDay = "CASE WHEN k.effective_on <> '' THEN k.effective_on ELSE substr(d.decided_at, 1, 10) END"

    /// Reviewer → the days their files were imported (as counted: `--as-of` or the day), oldest first.
    public func importDays(campaign: String) throws -> [String: [String]] {
        var days: [String: [String]] = [:]
        for (reviewer, day) in try db.query(
            "SELECT reviewer, CASE WHEN effective_on <> '' THEN effective_on ELSE substr(imported_at, 1, 10) END FROM imports WHERE campaign = ? AND kind = 'sheet' ORDER BY id",
            [campaign], { ($0.text(0), $0.text(1)) })
        {
            days[reviewer, default: []].append(day)
        }
        return days
    }

    public func importCount(campaign: String) throws -> Int {
        try db.query("SELECT COUNT(*) FROM imports WHERE campaign = ?", [campaign]) { Int($0.text(0)) ?? 0 }.first ?? 0
    }

    public static func now() -> String {
        let formatter = ISO8601DateFormatter()
        formatter.timeZone = .organisation
        return formatter.string(from: Date())
    }
}
