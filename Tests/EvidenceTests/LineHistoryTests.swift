import AccessReviewApp
import Foundation
import Testing
import TestSupport

@testable import AccessReviewCore

/// The line history as one block per system (schema 6): what each run leaves in it, what a
/// later run reads back, a store of schema 5 migrated, and a damaged block named.
@Suite(.processStarted) struct LineHistoryTests {
    func line(_ system: String, _ account: String, _ role: String, _ identity: String?) -> AccessLine {
        AccessLine(
            identity: identity, person: nil, system: system, account: account, role: role, sensitivity: .normal,
            privileged: false, ground: .none, codes: [], worstSeverity: nil, reviewer: "maso", secondReviewer: nil)
    }

    /// Every line in the store: "system/account/role identity first gone" (gone "-" while there).
    func contents(_ store: StateStore) throws -> [String] {
        var all: [String] = []
        for (system, stored) in try store.db.query(
            "SELECT system, content FROM line_blocks ORDER BY system", [String](), { ($0.text(0), $0.bytes(1)) }
        ) {
            let block = try #require(LineBlock.block(stored: stored))
            #expect(stored.first == LineBlock.packedFormat, "kept compressed")
            let intact = LineBlock.forEach(block) { entry in
                let text = { (range: Range<Int>) in String(decoding: block[range], as: UTF8.self) }
                let gone = entry.gone == LineBlock.none ? "-" : Day(ordinal: Int(entry.gone)).description
                all.append(
                    "\(system)/\(text(entry.account))/\(text(entry.role)) \(text(entry.identity)) \(Day(ordinal: Int(entry.first))) \(gone)"
                )
            }
            #expect(intact)
        }
        return all.sorted()
    }

    func record(_ store: StateStore, _ day: String, _ lines: [AccessLine], pending: [StateStore.PendingRemoval] = [])
        throws -> Int
    {
        var byID: [LineID: StateStore.PendingRemoval] = [:]
        for removal in pending {
            byID[LineID(system: removal.system, account: removal.account, role: removal.role)] = removal
        }
        return try store.recordLines(asOf: Day(iso: day)!, lines: lines, pending: byID)
    }

    @Test func eachRunMergesItsLinesIntoTheHistory() throws {
        let folder = TemporaryFolder()
        let store = try StateStore(path: folder.file("state.sqlite"))
        // Run 1: three lines in two systems; one line twice (kept once); a line with no identity.
        _ = try record(
            store, "2026-11-29",
            [
                line("esdh", "E1", "Læseadgang", "ankj"), line("esdh", "E2", "Sagsbehandler", "bole"),
                line("esdh", "E1", "Læseadgang", "ankj"), line("omsorg", "O1", "Planlægger", nil),
            ])
        #expect(
            try contents(store) == [
                "esdh/E1/Læseadgang ankj 2026-11-29 -", "esdh/E2/Sagsbehandler bole 2026-11-29 -",
                "omsorg/O1/Planlægger  2026-11-29 -",
            ])
        // Run 2: E2 gone (a Remove pending on it is verified), O1 stays, omsorg gains O2;
        // the Remove pending on E1 is not carried out.
        let removal = { (account: String, role: String) in
            StateStore.PendingRemoval(
                campaign: "2026-H2", reviewer: "maso", identity: "ankj", decidedOn: Day(iso: "2026-12-01")!,
                system: "esdh", account: account, role: role)
        }
        let verified = try record(
            store, "2026-12-20",
            [
                line("esdh", "E1", "Læseadgang", "ankj"), line("omsorg", "O1", "Planlægger", nil),
                line("omsorg", "O2", "Læser", "cela"),
            ], pending: [removal("E2", "Sagsbehandler"), removal("E1", "Læseadgang")])
        #expect(verified == 1)
        #expect(try store.verifiedRemovals().map { "\($0.account) \($0.verifiedOn)" } == ["E2 2026-12-20"])
        #expect(
            try contents(store) == [
                "esdh/E1/Læseadgang ankj 2026-11-29 -", "esdh/E2/Sagsbehandler bole 2026-11-29 2026-12-20",
                "omsorg/O1/Planlægger  2026-11-29 -", "omsorg/O2/Læser cela 2026-12-20 -",
            ])
        // Run 3: the system omsorg is gone from the config (its lines go); E2 is back, now
        // held by another identity, and starts again.
        _ = try record(
            store, "2027-03-02",
            [line("esdh", "E1", "Læseadgang", "ankj"), line("esdh", "E2", "Sagsbehandler", "dino")])
        #expect(
            try contents(store) == [
                "esdh/E1/Læseadgang ankj 2026-11-29 -", "esdh/E2/Sagsbehandler dino 2027-03-02 -",
                "omsorg/O1/Planlægger  2026-11-29 2027-03-02", "omsorg/O2/Læser cela 2026-12-20 2027-03-02",
            ])
        // What a later run reads: lines there, as of its day.
        let history = try store.linesFirstSeen(asOf: Day(iso: "2027-06-01")!)
        #expect(history.count == 2)
        #expect(history[LineID(system: "esdh", account: "E1", role: "Læseadgang")] == Day(iso: "2026-11-29"))
        #expect(history[LineID(system: "esdh", account: "E2", role: "Sagsbehandler")] == Day(iso: "2027-03-02"))
        #expect(try store.linesFirstSeen(asOf: Day(iso: "2027-01-01")!).count == 1, "E2 came back after that day")
        // A run dated before a line was first seen leaves that line as it is.
        _ = try record(store, "2027-01-01", [line("esdh", "E1", "Læseadgang", "ankj")])
        #expect(try contents(store).contains("esdh/E2/Sagsbehandler dino 2027-03-02 -"))
        // The leavers' accounts, by identity.
        let accounts = try store.historyAccounts(of: ["cela", "dino", "nobody"])
        #expect(accounts.keys.sorted() == ["cela", "dino"])
        #expect(
            accounts["cela"]?.map { "\($0.system)/\($0.account) \($0.gone?.description ?? "-")" } == [
                "omsorg/O2 2027-03-02"
            ])
        #expect(accounts["dino"]?.first?.gone == nil)
    }

    /// A store of schema 5 keeps its line history: each line's days, gone or not.
    @Test func aStoreOfVersionFiveKeepsItsLineHistory() throws {
        let folder = TemporaryFolder()
        let path = folder.file("state.sqlite")
        do {
            let store = try StateStore(path: path)
            try store.db.execute(
                """
                DROP TABLE line_blocks;
                CREATE TABLE line_history (system TEXT NOT NULL, account TEXT NOT NULL, role TEXT NOT NULL,
                    identity TEXT NOT NULL, first_seen TEXT NOT NULL, gone_seen TEXT,
                    PRIMARY KEY (system, account, role)) WITHOUT ROWID;
                CREATE INDEX line_history_identity ON line_history (identity);
                INSERT INTO line_history VALUES ('esdh', 'E1', 'Læseadgang', 'ankj', '2026-05-29', NULL),
                    ('esdh', 'E2', 'Sagsbehandler', 'bole', '2026-05-29', '2026-11-29'),
                    ('omsorg', 'O1', 'Planlægger', 'ankj', '2026-11-29', NULL);
                INSERT INTO leavers VALUES ('bole', 'Bo Lerche', 'Fagcenter', '2026-11-15', '', '2026-11-29', '');
                PRAGMA user_version = 5;
                """)
        }
        let store = try StateStore(path: path)
        #expect(try store.db.query("PRAGMA user_version", [String]()) { $0.integer(0) }.first == 6)
        #expect(
            try store.db.query("SELECT name FROM sqlite_master WHERE name = 'line_history'", [String]()) { $0.text(0) }
                .isEmpty)
        #expect(
            try contents(store) == [
                "esdh/E1/Læseadgang ankj 2026-05-29 -", "esdh/E2/Sagsbehandler bole 2026-05-29 2026-11-29",
                "omsorg/O1/Planlægger ankj 2026-11-29 -",
            ])
        let report = try store.leaverReport(asOf: Day(iso: "2026-12-01")!, periodStart: nil, graceDays: 0)
        #expect(report.leavers.map(\.identity) == ["bole"])
        #expect(report.leavers.first?.accounts.map { "\($0.account) \($0.daysToRemoval ?? -1)" } == ["E2 14"])
    }

    /// A damaged block is named, never read as a history with fewer lines.
    @Test func aDamagedLineHistoryIsNamed() throws {
        let folder = TemporaryFolder()
        let path = folder.file("state.sqlite")
        let store = try StateStore(path: path)
        _ = try record(store, "2026-11-29", [line("esdh", "E1", "Læseadgang", "ankj")])
        try store.db.execute("UPDATE line_blocks SET content = substr(content, 1, length(content) - 3)")
        for attempt in [
            { _ = try store.linesFirstSeen(asOf: Day(iso: "2026-12-01")!) },
            { _ = try self.record(store, "2026-12-01", []) },
        ] {
            #expect {
                try attempt()
            } throws: { error in
                (error as? ToolError)?.message
                    == "\(path): error: the line history of system esdh is damaged; restore the state store from its backup"
            }
        }
    }
}
