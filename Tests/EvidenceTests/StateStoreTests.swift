import AccessReviewCore
import AccessReviewApp
import Foundation
import Testing
import TestSupport

@testable import AccessReviewCore

/// The state store's schema version and migrations, and the hash chain over its history.
@Suite(.processStarted) struct StateStoreTests {
    /// A store as the first accessreview wrote it: no schema version, no chain.
    func writeVersionZeroStore(_ path: String) throws {
        let db = try SQLiteDatabase(path: path)
        try db.execute(
            """
            CREATE TABLE campaigns (campaign TEXT PRIMARY KEY, secret BLOB NOT NULL, created_at TEXT NOT NULL,
                as_of TEXT, deadline TEXT);
            CREATE TABLE issued_rows (campaign TEXT NOT NULL, reviewer TEXT NOT NULL, row_id TEXT NOT NULL,
                identity TEXT, system TEXT, account TEXT, role TEXT, worst TEXT, capacity TEXT,
                PRIMARY KEY (campaign, reviewer, row_id)) WITHOUT ROWID;
            CREATE TABLE imports (id INTEGER PRIMARY KEY AUTOINCREMENT, campaign TEXT NOT NULL, reviewer TEXT NOT NULL,
                file TEXT NOT NULL, sha256 TEXT NOT NULL, imported_at TEXT NOT NULL, decided INTEGER NOT NULL,
                UNIQUE (campaign, reviewer, sha256));
            CREATE TABLE run_counts (run INTEGER NOT NULL, source TEXT NOT NULL, count INTEGER NOT NULL, PRIMARY KEY (run, source));
            CREATE TABLE identity_history (identity TEXT PRIMARY KEY, first_seen_disabled TEXT);
            CREATE TABLE job_role_history (as_of TEXT NOT NULL, identity TEXT NOT NULL, job_roles TEXT NOT NULL,
                PRIMARY KEY (as_of, identity));
            CREATE TABLE decisions (import_id INTEGER NOT NULL REFERENCES imports(id), campaign TEXT NOT NULL,
                reviewer TEXT NOT NULL, row_id TEXT NOT NULL, decision TEXT NOT NULL, comment TEXT NOT NULL, decided_at TEXT NOT NULL,
                file_sha256 TEXT NOT NULL);
            INSERT INTO campaigns VALUES ('2026-H2', x'00', '2026-11-29T12:00:00+01:00', '2026-11-29', '2026-12-29');
            INSERT INTO issued_rows VALUES ('2026-H2', 'maso', 'r1', 'ankj', 'esdh', 'E1', 'Basisbruger', '', 'manager');
            INSERT INTO issued_rows VALUES ('2026-H2', 'maso', 'r2', 'ankj', 'omsorg', 'O1', 'Planlægger', 'high', 'manager');
            INSERT INTO imports VALUES (1, '2026-H2', 'maso', 'maso.csv', 'aa', '2026-12-01T09:00:00+01:00', 2);
            INSERT INTO decisions VALUES (1, '2026-H2', 'maso', 'r1', 'Keep', '', '2026-12-01T09:00:00+01:00', 'aa');
            INSERT INTO decisions VALUES (1, '2026-H2', 'maso', 'r2', 'Remove', 'left', '2026-12-01T09:00:00+01:00', 'aa');
            """)
    }

    func version(_ path: String) throws -> Int {
        try SQLiteDatabase(path: path).query("PRAGMA user_version", [String]()) { Int($0.text(0)) ?? -1 }.first ?? -1
    }

    @Test func aStoreOfThePreviousVersionOpensWithItsHistoryAndIsChained() throws {
        let folder = TemporaryFolder()
        let path = folder.file("state.sqlite")
        try writeVersionZeroStore(path)
        #expect(try version(path) == 0)
        let store = try StateStore(path: path)
        #expect(try version(path) == StateStore.schemaVersion)
        #expect(try store.currentDecisions(campaign: "2026-H2").map(\.decision) == ["Keep", "Remove"])
        #expect(try store.issuedRows(campaign: "2026-H2").count == 2)
        #expect(try store.firstAlteredImport() == nil, "the imports before the chain are chained on migration")
        // Version 2: the rows issued before become version 1 of the sheet; decisions count
        // from the day they were imported; the sheet can still be re-run and re-imported.
        #expect(try store.reviewerProgress(campaign: "2026-H2").first { $0.reviewer == "maso" }?.version == 1)
        #expect(
            try store.issuedRowVersions(campaign: "2026-H2", reviewer: "maso").allSatisfy {
                $0.first == 1 && $0.last == 1
            })
        #expect(try store.currentDecisions(campaign: "2026-H2").allSatisfy { $0.decidedOn == Day(iso: "2026-12-01") })
        #expect(try store.closedOn("2026-H2") == nil && store.reviewersToResend(campaign: "2026-H2").isEmpty)
        try store.recordImport(
            campaign: "2026-H2", reviewer: "maso", file: "maso-2.csv", sha256: "bb",
            decisions: [("r1", "Remove", "moved"), ("r2", "Remove", "")])
        #expect(try store.firstAlteredImport() == nil)
        #expect(
            try StateStore(path: path).currentDecisions(campaign: "2026-H2").map(\.decision) == ["Remove", "Remove"])
    }

    /// A store of schema 2 (rows in `issued_rows`, each with the first and last version of
    /// its sheet it was on), written as a campaign re-run with a changed sheet left it.
    @Test func aStoreOfVersionTwoKeepsEveryVersionOfEachSheet() throws {
        let folder = TemporaryFolder()
        let path = folder.file("state.sqlite")
        try writeVersionZeroStore(path)
        let db = try SQLiteDatabase(path: path)
        try db.execute(
            """
            ALTER TABLE issued_rows ADD COLUMN first_version INTEGER NOT NULL DEFAULT 1;
            ALTER TABLE issued_rows ADD COLUMN last_version INTEGER NOT NULL DEFAULT 1;
            CREATE TABLE sheet_versions (campaign TEXT NOT NULL, reviewer TEXT NOT NULL, version INTEGER NOT NULL,
                issued_on TEXT NOT NULL, rows INTEGER NOT NULL, PRIMARY KEY (campaign, reviewer, version));
            ALTER TABLE campaigns ADD COLUMN closed_on TEXT;
            ALTER TABLE campaigns ADD COLUMN unanswered TEXT;
            ALTER TABLE imports ADD COLUMN chain TEXT;
            ALTER TABLE imports ADD COLUMN effective_on TEXT NOT NULL DEFAULT '';
            ALTER TABLE imports ADD COLUMN kind TEXT NOT NULL DEFAULT 'sheet';
            ALTER TABLE imports ADD COLUMN sheet_version INTEGER NOT NULL DEFAULT 1;
            CREATE TABLE line_history (system TEXT NOT NULL, account TEXT NOT NULL, role TEXT NOT NULL,
                identity TEXT NOT NULL, first_seen TEXT NOT NULL, gone_seen TEXT,
                PRIMARY KEY (system, account, role)) WITHOUT ROWID;
            CREATE TABLE removals_verified (system TEXT NOT NULL, account TEXT NOT NULL, role TEXT NOT NULL,
                identity TEXT NOT NULL, campaign TEXT NOT NULL, decided_on TEXT NOT NULL, verified_on TEXT NOT NULL,
                PRIMARY KEY (system, account, role, decided_on)) WITHOUT ROWID;
            CREATE TABLE leavers (identity TEXT PRIMARY KEY, name TEXT NOT NULL, department TEXT NOT NULL,
                hr_end_date TEXT NOT NULL, directory_end_date TEXT NOT NULL, became_leaver_on TEXT NOT NULL,
                first_seen_disabled TEXT NOT NULL) WITHOUT ROWID;
            CREATE TABLE campaign_findings (campaign TEXT NOT NULL, as_of TEXT NOT NULL, code TEXT NOT NULL,
                severity TEXT NOT NULL, department TEXT NOT NULL, system TEXT NOT NULL, count INTEGER NOT NULL);
            UPDATE issued_rows SET last_version = 2 WHERE row_id = 'r2';
            INSERT INTO issued_rows VALUES ('2026-H2', 'maso', 'r3', 'bole', 'esdh', 'E2', 'Sagsbehandler', '', 'manager', 2, 2);
            INSERT INTO sheet_versions VALUES ('2026-H2', 'maso', 1, '2026-11-29', 2), ('2026-H2', 'maso', 2, '2026-12-02', 2);
            PRAGMA user_version = 2;
            """)
        let store = try StateStore(path: path)
        #expect(try version(path) == StateStore.schemaVersion)
        let tables = try db.query("SELECT name FROM sqlite_master WHERE type = 'table'", [String]()) { $0.text(0) }
        #expect(!tables.contains("issued_rows"))
        let sheets = try store.issuedSheets(campaign: "2026-H2", reviewer: "maso")
        #expect(sheets.map(\.version) == [1, 2])
        #expect(sheets.map { $0.rows.map(\.rowId) } == [["r1", "r2"], ["r2", "r3"]])
        #expect(sheets[1].rows[1].role == "Sagsbehandler" && sheets[1].rows[0].worst == .high)
        #expect(
            try store.issuedRowVersions(campaign: "2026-H2", reviewer: "maso").map {
                "\($0.row.rowId) \($0.first)-\($0.last)"
            }
                == ["r1 1-1", "r2 1-2", "r3 2-2"])
        // The import was of version 1; version 2 holds r3, never sent: the sheet goes again.
        #expect(try store.reviewersToResend(campaign: "2026-H2") == ["maso"])
        #expect(try store.findRow("r3")?.identity == "bole")
        #expect(try store.findRow("r9") == nil)
        #expect(try store.largestSheet(campaign: "2026-H2") == 2)
        // On version 2 only r2 (Remove) is decided: r1 left the sheet.
        let progress = try #require(try store.reviewerProgress(campaign: "2026-H2").first)
        #expect(progress.version == 2 && progress.total == 2 && progress.decided == 1 && progress.remove == 1)
        #expect(try store.close(campaign: "2026-H2", on: Day(iso: "2026-12-31")!, outcome: "not attested") == 1)
        #expect(try store.reviewerProgress(campaign: "2026-H2").first?.decided == 2)
    }

    /// A damaged blob is named, not read as an empty sheet.
    @Test func aDamagedSheetInTheStoreIsNamed() throws {
        let folder = TemporaryFolder()
        let path = folder.file("state.sqlite")
        try writeVersionZeroStore(path)
        _ = try StateStore(path: path)
        try SQLiteDatabase(path: path).execute("UPDATE sheet_versions SET content = x'0105414243'")
        #expect {
            _ = try StateStore(path: path).issuedRows(campaign: "2026-H2")
        } throws: { error in
            (error as? ToolError)?.message.contains("version 1 of maso's sheet in campaign 2026-H2 are damaged") == true
        }
    }

    /// Sheets written before their fields were compressed (format 1) are read as they were;
    /// a compressed one whose fields were cut short is named.
    @Test func sheetsOfTheFirstBlobFormatAreRead() throws {
        let folder = TemporaryFolder()
        let path = folder.file("state.sqlite")
        try writeVersionZeroStore(path)
        _ = try StateStore(path: path)
        let db = try SQLiteDatabase(path: path)
        let written = try db.query("SELECT content FROM sheet_versions", [String]()) { $0.bytes(0) }
        #expect(written.first?.first == 2)
        // Format 1: per row a text id (1, length, "r1") and six fields, side by side.
        var old: [UInt8] = [1]
        for (id, fields) in [("r1", ["ankj", "esdh", "E1", "Basisbruger", "", "manager"])] {
            old += [1, UInt8(id.utf8.count)] + Array(id.utf8)
            for field in fields { old += [UInt8(field.utf8.count)] + Array(field.utf8) }
        }
        try db.run("UPDATE sheet_versions SET content = ?", [.bytes(old)])
        let rows = try StateStore(path: path).issuedRows(campaign: "2026-H2")
        #expect(
            rows.map { "\($0.rowId) \($0.identity) \($0.system) \($0.account) \($0.role)" } == [
                "r1 ankj esdh E1 Basisbruger"
            ])
        try db.run("UPDATE sheet_versions SET content = ?", [.bytes(Array(written[0].dropLast(5)))])
        #expect(throws: ToolError.self) { _ = try StateStore(path: path).issuedRows(campaign: "2026-H2") }
    }

    @Test func anEditedDecisionIsFoundAtItsImport() throws {
        let folder = TemporaryFolder()
        let path = folder.file("state.sqlite")
        let store = try StateStore(path: path)
        try store.recordImport(
            campaign: "c", reviewer: "a", file: "a.csv", sha256: "1", decisions: [("r1", "Keep", "")])
        try store.recordImport(
            campaign: "c", reviewer: "b", file: "b.csv", sha256: "2", decisions: [("r2", "Remove", "")])
        try store.recordImport(
            campaign: "c", reviewer: "a", file: "a2.csv", sha256: "3", decisions: [("r1", "Remove", "")])
        #expect(try store.firstAlteredImport() == nil)
        try SQLiteDatabase(path: path).execute("UPDATE decisions SET decision = 'Keep' WHERE row_id = 'r2'")
        #expect(try store.firstAlteredImport()?.hasPrefix("import #2 (b.csv of b, campaign c") == true)
        try SQLiteDatabase(path: path).execute("UPDATE decisions SET decision = 'Remove' WHERE row_id = 'r2'")
        #expect(try store.firstAlteredImport() == nil)
        try SQLiteDatabase(path: path).execute(
            "DELETE FROM imports WHERE id = 1; DELETE FROM decisions WHERE import_id = 1")
        #expect(try store.firstAlteredImport()?.hasPrefix("import #2") == true, "a removed import breaks the next link")
    }

    @Test func aStoreOfANewerVersionIsRefused() throws {
        let folder = TemporaryFolder()
        let path = folder.file("state.sqlite")
        try SQLiteDatabase(path: path).execute("PRAGMA user_version = 99")
        #expect {
            _ = try StateStore(path: path)
        } throws: { error in
            (error as? ToolError)?.message.contains("schema version 99, written by a newer accessreview") == true
        }
    }

    @Test func verifyNamesAnImportEditedOutsideTheTool() throws {
        let samples = Repository.copyOfSamples()
        let config = samples.file("Samples/accessreview.yaml")
        #expect(try Tool.run(["run", "--config", config, "--quiet"]).status == 0)
        let returned = samples.file("returned.csv")
        let sheet = try String(contentsOfFile: samples.file("out/2026-H2/sheets/maso.csv"), encoding: .utf8)
        let newline = sheet.contains("\r\n") ? "\r\n" : "\n"
        var lines = sheet.components(separatedBy: newline)
        var fields = lines[9].components(separatedBy: ";")
        fields[SheetLayout.decisionColumn] = "Fjern"
        lines[9] = fields.joined(separator: ";")
        try lines.joined(separator: newline).write(toFile: returned, atomically: true, encoding: .utf8)
        #expect(try Tool.run(["decisions", "import", "--config", config, "--quiet", returned]).status == 0)
        let folder = samples.file("out/2026-H2")
        let intact = try Tool.run(["verify", folder])
        #expect(intact.status == 0)
        #expect(intact.stdout.contains("the decision history of 1 imports is intact, its chain ends in "))
        try SQLiteDatabase(path: samples.file("out/state.sqlite")).execute("UPDATE decisions SET decision = 'Keep'")
        let altered = try Tool.run(["verify", folder])
        #expect(altered.status == 1)
        #expect(
            altered.stdout.contains(
                "the state store's history was changed outside accessreview, first at import #1 (returned.csv of maso"),
            "\(altered.stdout)")
    }
}
