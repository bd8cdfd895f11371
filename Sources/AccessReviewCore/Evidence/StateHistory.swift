import Crypto
import Foundation

/// The state store's schema version, its migrations, and the hash chain that makes its
/// history of imports and decisions tamper-evident.
extension StateStore {
    /// The schema this accessreview writes (`PRAGMA user_version`):
    /// - 0: the first stores (no version recorded);
    /// - 1: `imports.chain`, a hash over the previous import's chain, the import and its decisions.
    public static let schemaVersion = 1

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
        /// Each decision: row id, decision, comment, decided at, file SHA-256 — in row id order.
        var decisions: [[String]]

        /// This import's link: SHA-256 over the previous link, its fields and its decisions.
        func link(after previous: String) -> String {
            var text = [previous, campaign, reviewer, file, sha256, importedAt, String(decided)].joined(
                separator: "\u{1F}")
            for decision in decisions.sorted(by: { $0[0] < $1[0] }) {
                text += "\u{1E}" + decision.joined(separator: "\u{1F}")
            }
            return SHA256.hash(data: Data(text.utf8)).map { String(format: "%02x", $0) }.joined()
        }
    }

    func importRecords() throws -> [ImportRecord] {
        var byImport: [Int: [[String]]] = [:]
        for (id, fields) in try db.query(
            "SELECT import_id, row_id, decision, comment, decided_at, file_sha256 FROM decisions", [String](),
            { (Int($0.text(0)) ?? 0, [$0.text(1), $0.text(2), $0.text(3), $0.text(4), $0.text(5)]) })
        {
            byImport[id, default: []].append(fields)
        }
        return try db.query(
            "SELECT id, campaign, reviewer, file, sha256, imported_at, decided, COALESCE(chain, '') FROM imports ORDER BY id",
            [String]()
        ) { r in
            let id = Int(r.text(0)) ?? 0
            return ImportRecord(
                id: id, campaign: r.text(1), reviewer: r.text(2), file: r.text(3), sha256: r.text(4),
                importedAt: r.text(5),
                decided: Int(r.text(6)) ?? 0, chain: r.text(7), decisions: byImport[id] ?? [])
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
