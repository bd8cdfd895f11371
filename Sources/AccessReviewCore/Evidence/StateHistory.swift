import Crypto
import Foundation

/// The state store's schema version, its migrations, and the hash chain that makes its
/// history of imports and decisions tamper-evident.
extension StateStore {
    /// The schema this accessreview writes (`PRAGMA user_version`):
    /// - 0: the first stores (no version recorded);
    /// - 1: `imports.chain`, a hash over the previous import's chain, the import and its decisions.
    /// - 2: a campaign's life: sheet versions (`sheet_versions`, `issued_rows.first_version` and
    ///   `last_version`), `campaigns.closed_on`, the day decisions count from
    ///   (`imports.effective_on`) and the close's unanswered outcome (`imports.kind`), and what
    ///   history findings and the leaver report need (`line_history`, `removals_verified`,
    ///   `leavers`, `campaign_findings`).
    /// - 3: the rows issued on each sheet version as one blob (`sheet_versions.content`, see
    ///   `IssuedSheetCodec`) instead of a table row each (`issued_rows`, dropped).
    /// - 4: every message `notify` sends (`messages`: to whom, why, when, the server's reply,
    ///   Message-ID and the SHA-256 of each attachment).
    /// - 5: delegations (`delegations`: a reviewer's undecided lines handed to another, who
    ///   approved it, why, when, until when, and which lines).
    /// - 6: the line history as one blob per system (`line_blocks`, see `LineBlock`) instead
    ///   of a table row per line (`line_history`, dropped); sheet versions written since hold
    ///   their rows' fields compressed (`IssuedSheetCodec` format 2; format 1 is still read).
    public static let schemaVersion = 6

    /// Brings an older store up to `schemaVersion`, each step in one transaction; refuses a
    /// store written by a newer accessreview rather than guess at it.
    func migrate() throws {
        let version = try db.query("PRAGMA user_version", [String]()) { Int($0.text(0)) ?? 0 }.first ?? 0
        guard version <= Self.schemaVersion else {
            throw ToolError(
                .input,
                "\(path): error: the state store has schema version \(version), written by a newer accessreview (this one reads up to \(Self.schemaVersion)); use that version"
            )
        }
        if version < 1 {
            try db.transaction {
                let columns = try db.query("PRAGMA table_info(imports)", [String]()) { $0.text(1) }
                if !columns.contains("chain") { try db.execute("ALTER TABLE imports ADD COLUMN chain TEXT") }
                // Imports made before the chain existed are chained now, in the order they were made.
                var previous = ""
                for record in try importRecords() {
                    previous = record.link(after: previous)
                    try db.run("UPDATE imports SET chain = ? WHERE id = ?", [previous, String(record.id)])
                }
                try db.execute("PRAGMA user_version = 1")
            }
        }
        if version < 2 {
            try db.transaction {
                try db.execute(
                    """
                    ALTER TABLE issued_rows ADD COLUMN first_version INTEGER NOT NULL DEFAULT 1;
                    ALTER TABLE issued_rows ADD COLUMN last_version INTEGER NOT NULL DEFAULT 1;
                    CREATE TABLE sheet_versions (campaign TEXT NOT NULL, reviewer TEXT NOT NULL, version INTEGER NOT NULL,
                        issued_on TEXT NOT NULL, rows INTEGER NOT NULL, PRIMARY KEY (campaign, reviewer, version));
                    INSERT INTO sheet_versions SELECT i.campaign, i.reviewer, 1, COALESCE(c.as_of, ''), COUNT(*)
                        FROM issued_rows i LEFT JOIN campaigns c ON c.campaign = i.campaign GROUP BY i.campaign, i.reviewer;
                    ALTER TABLE campaigns ADD COLUMN closed_on TEXT;
                    ALTER TABLE campaigns ADD COLUMN unanswered TEXT;
                    ALTER TABLE imports ADD COLUMN effective_on TEXT NOT NULL DEFAULT '';
                    ALTER TABLE imports ADD COLUMN kind TEXT NOT NULL DEFAULT 'sheet';
                    ALTER TABLE imports ADD COLUMN sheet_version INTEGER NOT NULL DEFAULT 1;
                    CREATE TABLE line_history (system TEXT NOT NULL, account TEXT NOT NULL, role TEXT NOT NULL,
                        identity TEXT NOT NULL, first_seen TEXT NOT NULL, gone_seen TEXT,
                        PRIMARY KEY (system, account, role)) WITHOUT ROWID;
                    CREATE INDEX line_history_identity ON line_history (identity);
                    CREATE TABLE removals_verified (system TEXT NOT NULL, account TEXT NOT NULL, role TEXT NOT NULL,
                        identity TEXT NOT NULL, campaign TEXT NOT NULL, decided_on TEXT NOT NULL, verified_on TEXT NOT NULL,
                        PRIMARY KEY (system, account, role, decided_on)) WITHOUT ROWID;
                    CREATE TABLE leavers (identity TEXT PRIMARY KEY, name TEXT NOT NULL, department TEXT NOT NULL,
                        hr_end_date TEXT NOT NULL, directory_end_date TEXT NOT NULL, became_leaver_on TEXT NOT NULL,
                        first_seen_disabled TEXT NOT NULL) WITHOUT ROWID;
                    CREATE TABLE campaign_findings (campaign TEXT NOT NULL, as_of TEXT NOT NULL, code TEXT NOT NULL,
                        severity TEXT NOT NULL, department TEXT NOT NULL, system TEXT NOT NULL, count INTEGER NOT NULL);
                    PRAGMA user_version = 2;
                    """)
            }
        }
        if version < 3 {
            try db.transaction {
                try db.execute("ALTER TABLE sheet_versions ADD COLUMN content BLOB")
                try migrateIssuedRows()
                try db.execute("DROP TABLE issued_rows; PRAGMA user_version = 3")
            }
        }
        if version < 4 {
            try db.transaction {
                try db.execute(
                    """
                    CREATE TABLE messages (id INTEGER PRIMARY KEY AUTOINCREMENT, campaign TEXT NOT NULL, reviewer TEXT NOT NULL,
                        kind TEXT NOT NULL, due TEXT NOT NULL, recipient_id TEXT NOT NULL, recipient TEXT NOT NULL,
                        sent_on TEXT NOT NULL, sent_at TEXT NOT NULL, status TEXT NOT NULL, reply TEXT NOT NULL,
                        message_id TEXT NOT NULL, attachments TEXT NOT NULL);
                    CREATE INDEX messages_by_reviewer ON messages (campaign, reviewer);
                    PRAGMA user_version = 4;
                    """)
            }
        }
        if version < 5 {
            try db.transaction {
                try db.execute(
                    """
                    CREATE TABLE delegations (id INTEGER PRIMARY KEY AUTOINCREMENT, campaign TEXT NOT NULL,
                        from_reviewer TEXT NOT NULL, to_reviewer TEXT NOT NULL, reason TEXT NOT NULL,
                        approved_by TEXT NOT NULL, made_at TEXT NOT NULL, made_on TEXT NOT NULL, until TEXT NOT NULL,
                        lines TEXT NOT NULL);
                    PRAGMA user_version = 5;
                    """)
            }
        }
        if version < 6 {
            try db.transaction {
                try db.execute(
                    "CREATE TABLE line_blocks (system TEXT PRIMARY KEY, lines INTEGER NOT NULL, content BLOB NOT NULL)")
                try migrateLineHistory()
                try db.execute("DROP TABLE line_history; PRAGMA user_version = 6")
            }
        }
    }

    /// Schema 3: each sheet version's rows (a row was on the versions from its `first_version`
    /// to its `last_version`) become that version's blob.
    private func migrateIssuedRows() throws {
        let write = try db.prepare(
            """
            INSERT INTO sheet_versions (campaign, reviewer, version, issued_on, rows, content) VALUES (?, ?, ?, '', ?, ?)
            ON CONFLICT (campaign, reviewer, version) DO UPDATE SET rows = excluded.rows, content = excluded.content
            """)
        var sheet: [(row: IssuedRow, first: Int, last: Int)] = []
        func flush() throws {
            guard let first = sheet.first else { return }
            for version in 1...max(1, sheet.map(\.last).max() ?? 1) {
                let rows = sheet.filter { $0.first <= version && version <= $0.last }.map(\.row)
                try write.run([
                    .text(first.row.campaign), .text(first.row.reviewer), .integer(version), .integer(rows.count),
                    .bytes(IssuedSheetCodec.encode(rows)),
                ])
            }
            sheet.removeAll()
        }
        try db.forEach(
            "SELECT campaign, reviewer, row_id, identity, system, account, role, worst, capacity, first_version, last_version FROM issued_rows ORDER BY campaign, reviewer, row_id"
        ) { r in
            let row = IssuedRow(
                campaign: r.text(0), reviewer: r.text(1), rowId: r.text(2), identity: r.text(3), system: r.text(4),
                account: r.text(5), role: r.text(6), worst: Severity(rawValue: r.text(7)), capacity: r.text(8))
            if let last = sheet.last?.row, last.campaign != row.campaign || last.reviewer != row.reviewer {
                try flush()
            }
            sheet.append((row, r.integer(9), r.integer(10)))
        }
        try flush()
    }

    /// One import with its decisions, as the chain covers it.
    struct ImportRecord {
        var id: Int
        var campaign: String
        var reviewer: String
        var file: String
        var sha256: String
        var importedAt: String
        var decided: Int
        var chain: String
        /// The day the decisions count from and what made the import ("sheet", or "close"
        /// for the unanswered outcome): chained only where they differ from a version-1 import.
        var effectiveOn = ""
        var kind = "sheet"
        /// Each decision: row id, decision, comment, decided at, file SHA-256 — in row id order.
        var decisions: [[String]]

        /// This import's link: SHA-256 over the previous link, its fields and its decisions.
        func link(after previous: String) -> String {
            var text = [previous, campaign, reviewer, file, sha256, importedAt, String(decided)].joined(
                separator: "\u{1F}")
            if !effectiveOn.isEmpty || kind != "sheet" { text += "\u{1D}" + effectiveOn + "\u{1F}" + kind }
            for decision in decisions.sorted(by: { $0[0] < $1[0] }) {
                text += "\u{1E}" + decision.joined(separator: "\u{1F}")
            }
            return SHA256.hash(data: Data(text.utf8)).map { String(format: "%02x", $0) }.joined()
        }
    }

    func importRecords() throws -> [ImportRecord] {
        let version2 = try db.query("PRAGMA table_info(imports)", [String]()) { $0.text(1) }.contains("kind")
        var byImport: [Int: [[String]]] = [:]
        for (id, fields) in try db.query(
            "SELECT import_id, row_id, decision, comment, decided_at, file_sha256 FROM decisions", [String](),
            { (Int($0.text(0)) ?? 0, [$0.text(1), $0.text(2), $0.text(3), $0.text(4), $0.text(5)]) })
        {
            byImport[id, default: []].append(fields)
        }
        return try db.query(
            "SELECT id, campaign, reviewer, file, sha256, imported_at, decided, COALESCE(chain, ''), "
                + (version2 ? "effective_on, kind" : "'', 'sheet'") + " FROM imports ORDER BY id",
            [String]()
        ) { r in
            let id = Int(r.text(0)) ?? 0
            return ImportRecord(
                id: id, campaign: r.text(1), reviewer: r.text(2), file: r.text(3), sha256: r.text(4),
                importedAt: r.text(5),
                decided: Int(r.text(6)) ?? 0, chain: r.text(7), effectiveOn: r.text(8), kind: r.text(9),
                decisions: byImport[id] ?? [])
        }
    }

    /// How many imports the history holds and the hash its chain ends in: kept elsewhere, it
    /// shows later that no import was removed from the end or the chain rewritten.
    public func historyHead() throws -> (imports: Int, head: String) {
        let head = try db.query("SELECT COALESCE(chain, '') FROM imports ORDER BY id DESC LIMIT 1", [String]()) {
            $0.text(0)
        }
        let count = try db.query("SELECT COUNT(*) FROM imports", [String]()) { Int($0.text(0)) ?? 0 }.first ?? 0
        return (count, head.first ?? "")
    }

    /// The first import whose chain no longer matches: its record was edited, a decision of
    /// it added, changed or removed, or an import before it removed. Nil when the history is
    /// as accessreview wrote it.
    public func firstAlteredImport() throws -> String? {
        var previous = ""
        for record in try importRecords() {
            let expected = record.link(after: previous)
            if record.chain != expected {
                return
                    "import #\(record.id) (\(record.file) of \(record.reviewer), campaign \(record.campaign), \(record.importedAt))"
            }
            previous = record.chain
        }
        return nil
    }
}
