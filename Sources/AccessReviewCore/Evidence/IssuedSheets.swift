import Foundation

/// The rows issued on each reviewer's sheet, version by version: one blob per sheet version
/// in `sheet_versions.content` (schema 3). A million identities get 9 M rows on 160,000
/// sheets; a table row each cost SQLite 3–5 µs, 40–53 s of a 1M run, where a blob per sheet
/// is one write per sheet. Every reader works per reviewer (an import, a close, the progress
/// of a sheet), so nothing needs a row on its own.
extension StateStore {
    /// The rows of one version of a reviewer's sheet.
    public struct IssuedSheet: Sendable {
        public var reviewer: String
        public var version: Int
        public var rows: [IssuedRow]
    }

    /// Compares each sheet with the latest version issued to its reviewer. A sheet's row ids
    /// are asked for only when its reviewer had a sheet before (a re-run): the 9 M row ids of
    /// a million identities' first run, as a set of strings, would cost a gigabyte at the peak.
    public func planVersions(campaign: String, sheets: [(reviewer: String, rowIds: () -> Set<String>)]) throws
        -> SheetVersions
    {
        var plan = SheetVersions()
        let latest = Dictionary(
            try db.query(
                "SELECT reviewer, MAX(version) FROM sheet_versions WHERE campaign = ? GROUP BY reviewer", [campaign]
            ) { ($0.text(0), $0.integer(1)) }, uniquingKeysWith: { a, _ in a })
        plan.rerun = !latest.isEmpty
        for sheet in sheets {
            guard let previous = latest[sheet.reviewer] else {
                plan.version[sheet.reviewer] = 1
                if plan.rerun { plan.changed.insert(sheet.reviewer) }
                if plan.rerun { plan.resend.insert(sheet.reviewer) }
                continue
            }
            let versions = try issuedSheets(campaign: campaign, reviewer: sheet.reviewer)
            let rowIds = sheet.rowIds()
            if Set(versions.last?.rows.map(\.rowId) ?? []) == rowIds {
                plan.version[sheet.reviewer] = previous
            } else {
                plan.version[sheet.reviewer] = previous + 1
                plan.changed.insert(sheet.reviewer)
                let everIssued = Set(versions.flatMap { $0.rows.map(\.rowId) })
                if !rowIds.isSubset(of: everIssued) { plan.resend.insert(sheet.reviewer) }
            }
        }
        return plan
    }

    /// One sheet's rows as a run hands them to the store: encoded only when the sheet is
    /// recorded (on a re-run, only the changed ones are).
    public struct IssuedSheetContent {
        public var reviewer: String
        var encode: () -> IssuedSheetCodec.Writer

        init(reviewer: String, encode: @escaping () -> IssuedSheetCodec.Writer) {
            self.reviewer = reviewer
            self.encode = encode
        }
    }

    /// Records a new version of each sheet `plan` changed (every sheet on a campaign's first
    /// run); unchanged sheets and earlier versions stay, so every sheet ever issued in the
    /// campaign stays importable.
    func issueSheets(
        campaign: String, asOf: Day, plan: SheetVersions, _ produce: ((IssuedSheetContent) -> Void) throws -> Void
    ) throws {
        try db.transaction {
            let insert = try db.prepare(
                "INSERT INTO sheet_versions (campaign, reviewer, version, issued_on, rows, content) VALUES (?, ?, ?, ?, ?, ?)"
            )
            // Encoded here, compressed in batches on both cores, written in order.
            var batch: [(reviewer: String, version: Int, writer: IssuedSheetCodec.Writer)] = []
            var batchRows = 0
            func flush() throws {
                let writers = batch.map(\.writer)
                let packed = Parallel.map(writers.count, chunks: 8) { writers[$0].packed() }
                for (index, sheet) in batch.enumerated() {
                    try insert.run([
                        .text(campaign), .text(sheet.reviewer), .integer(sheet.version), .text(asOf.description),
                        .integer(sheet.writer.rows), .bytes(packed[index]),
                    ])
                }
                batch.removeAll(keepingCapacity: true)
                batchRows = 0
            }
            var failure: Error?
            try produce { sheet in
                guard failure == nil, plan.changed.contains(sheet.reviewer) || !plan.rerun,
                    let version = plan.version[sheet.reviewer]
                else { return }
                let writer = sheet.encode()
                batch.append((sheet.reviewer, version, writer))
                batchRows += writer.rows
                // About 3 MB of text a batch.
                if batchRows >= 50_000 {
                    do { try flush() } catch { failure = error }
                }
            }
            if let failure { throw failure }
            try flush()
        }
    }

    /// Every version of a reviewer's sheet, oldest first.
    public func issuedSheets(campaign: String, reviewer: String) throws -> [IssuedSheet] {
        var sheets: [IssuedSheet] = []
        try forEachSheet(campaign: campaign, reviewer: reviewer, latestOnly: false) { sheets.append($0) }
        return sheets
    }

    /// Calls `body` with each sheet of the campaign (or of one reviewer in it) by reviewer:
    /// every version, or only the latest.
    func forEachSheet(
        campaign: String, reviewer: String? = nil, latestOnly: Bool, _ body: (IssuedSheet) throws -> Void
    ) throws {
        try db.forEach(
            """
            SELECT v.reviewer, v.version, v.content FROM sheet_versions v
            WHERE v.campaign = ?1 AND \(reviewer == nil ? "" : "v.reviewer = ?3 AND ")
                (?2 = 0 OR v.version = (SELECT MAX(w.version) FROM sheet_versions w
                WHERE w.campaign = ?1 AND w.reviewer = v.reviewer))
            ORDER BY v.reviewer, v.version
            """, [.text(campaign), .integer(latestOnly ? 1 : 0)] + (reviewer.map { [.text($0)] } ?? [])
        ) { row in
            let reviewer = row.text(0), version = row.integer(1)
            try body(
                IssuedSheet(
                    reviewer: reviewer, version: version,
                    rows: try decode(row.bytes(2), campaign: campaign, reviewer: reviewer, version: version)))
        }
    }

    /// The rows issued to a reviewer on any version of their sheet, by row id.
    func issuedRowsByID(campaign: String, reviewer: String) throws -> [String: IssuedRow] {
        var rows: [String: IssuedRow] = [:]
        for sheet in try issuedSheets(campaign: campaign, reviewer: reviewer) {
            for row in sheet.rows { rows[row.rowId] = row }
        }
        return rows
    }

    /// The rows issued to a reviewer in every version, with the first and last version each was on.
    public func issuedRowVersions(campaign: String, reviewer: String) throws -> [(
        row: IssuedRow, first: Int, last: Int
    )] {
        var found: [String: (row: IssuedRow, first: Int, last: Int)] = [:]
        for sheet in try issuedSheets(campaign: campaign, reviewer: reviewer) {
            for row in sheet.rows {
                found[row.rowId] = (row, found[row.rowId]?.first ?? sheet.version, sheet.version)
            }
        }
        return found.values.sorted { $0.row.rowId < $1.row.rowId }
    }

    /// The rows issued in a campaign, on any version of each sheet, by reviewer and row id.
    public func issuedRows(campaign: String) throws -> [IssuedRow] {
        let reviewers = try db.query(
            "SELECT DISTINCT reviewer FROM sheet_versions WHERE campaign = ? ORDER BY reviewer", [campaign]
        ) { $0.text(0) }
        return try reviewers.flatMap { reviewer in
            try issuedRowsByID(campaign: campaign, reviewer: reviewer).values.sorted { $0.rowId < $1.rowId }
        }
    }

    /// The number of rows on the campaign's largest sheet.
    public func largestSheet(campaign: String) throws -> Int {
        try db.query("SELECT COALESCE(MAX(rows), 0) FROM sheet_versions WHERE campaign = ?", [campaign]) {
            $0.integer(0)
        }.first ?? 0
    }

    /// Where a row id was issued, in any campaign: to tell "another reviewer's row" from
    /// "made up". Searches every sheet's bytes for the id and decodes only a sheet that holds it.
    public func findRow(_ rowId: String) throws -> IssuedRow? {
        guard !rowId.isEmpty else { return nil }
        let needle = IssuedSheetCodec.needle(rowId)
        var found: IssuedRow?
        try db.forEach("SELECT campaign, reviewer, version, content FROM sheet_versions ORDER BY campaign, reviewer") {
            row in
            guard found == nil else { return }
            guard row.blob(3).range(of: needle) != nil else { return }
            found = try decode(
                row.bytes(3), campaign: row.text(0), reviewer: row.text(1), version: row.integer(2)
            ).first { $0.rowId == rowId }
        }
        return found
    }

    /// Reviewers whose latest sheet holds a line that was not on the version they returned
    /// last (or on the first version, when they returned none): they must get it again.
    public func reviewersToResend(campaign: String) throws -> Set<String> {
        // Only a re-run makes a second version; most campaigns never have one.
        let reviewers = try db.query(
            "SELECT DISTINCT reviewer FROM sheet_versions WHERE campaign = ? AND version > 1", [campaign]
        ) { $0.text(0) }
        var resend = Set<String>()
        for reviewer in reviewers {
            let returned =
                try db.query(
                    "SELECT sheet_version FROM imports WHERE campaign = ? AND reviewer = ? AND kind = 'sheet' ORDER BY id DESC LIMIT 1",
                    [campaign, reviewer]
                ) { $0.integer(0) }.first ?? 1
            let sheets = try issuedSheets(campaign: campaign, reviewer: reviewer)
            let known = Set(sheets.filter { $0.version <= returned }.flatMap { $0.rows.map(\.rowId) })
            if let latest = sheets.last, latest.rows.contains(where: { !known.contains($0.rowId) }) {
                resend.insert(reviewer)
            }
        }
        return resend
    }

    private func decode(_ content: [UInt8], campaign: String, reviewer: String, version: Int) throws -> [IssuedRow] {
        guard let rows = IssuedSheetCodec.decode(content, campaign: campaign, reviewer: reviewer) else {
            throw ToolError(
                .input,
                "\(path): error: the rows issued on version \(version) of \(reviewer)'s sheet in campaign \(campaign) are damaged; restore the state store from its backup"
            )
        }
        return rows
    }
}

/// One sheet version's rows as bytes: a format byte, the number of rows (LEB128), each
/// row's id — a 0 byte and the id's 12 bytes where it is the 24 hexadecimal digits
/// accessreview issues, else a 1 byte and the id as text (a LEB128 length and its UTF-8
/// bytes) — then, compressed (`PackedBytes.appendPacked`), each row's six fields: identity,
/// system, account, role, worst severity, capacity, each as text. The ids stay uncompressed,
/// so that `findRow` finds a sheet by its bytes. About 20 bytes a row (54 uncompressed).
/// Format 1 (schema 3 to 6's first form) held each row's id and fields together, uncompressed.
enum IssuedSheetCodec {
    static let format: UInt8 = 2

    /// Builds one sheet's bytes row by row; `packed()` compresses them (on any thread).
    struct Writer {
        private var ids: [UInt8] = []
        private var fields: [UInt8] = []
        private(set) var rows = 0

        /// Room for `capacity` rows of the usual size (13 bytes of id, about 50 of fields): not
        /// grown by doubling, which for the top of a million identities' hierarchy (1.3 M rows)
        /// held 180 MB.
        init(capacity: Int = 0) {
            ids.reserveCapacity(capacity * 13)
            fields.reserveCapacity(capacity * 64)
        }

        /// A row whose id is 96 bits (as `RowId` holds it).
        mutating func add(
            id: RowId, identity: String, system: String, account: String, role: String, worst: String,
            capacity: String
        ) {
            ids.append(0)
            id.append(to: &ids)
            add(identity, system, account, role, worst, capacity)
        }

        /// A row given as the store reads it back.
        mutating func add(_ row: StateStore.IssuedRow) {
            if let id = IssuedSheetCodec.binaryId(row.rowId) {
                ids.append(0)
                ids.append(contentsOf: id)
            } else {
                ids.append(1)
                PackedBytes.appendField(row.rowId.utf8, to: &ids)
            }
            add(row.identity, row.system, row.account, row.role, row.worst?.rawValue ?? "", row.capacity)
        }

        private mutating func add(
            _ identity: String, _ system: String, _ account: String, _ role: String, _ worst: String,
            _ capacity: String
        ) {
            PackedBytes.appendField(identity.utf8, to: &fields)
            PackedBytes.appendField(system.utf8, to: &fields)
            PackedBytes.appendField(account.utf8, to: &fields)
            PackedBytes.appendField(role.utf8, to: &fields)
            PackedBytes.appendField(worst.utf8, to: &fields)
            PackedBytes.appendField(capacity.utf8, to: &fields)
            rows += 1
        }

        /// The sheet's bytes, as the store keeps them.
        func packed() -> [UInt8] {
            var bytes = [IssuedSheetCodec.format]
            bytes.reserveCapacity(ids.count + fields.count / 4 + 16)
            PackedBytes.appendLength(rows, to: &bytes)
            bytes.append(contentsOf: ids)
            PackedBytes.appendPacked(fields, to: &bytes)
            return bytes
        }
    }

    static func encode(_ rows: [StateStore.IssuedRow]) -> [UInt8] {
        var writer = Writer(capacity: rows.count)
        for row in rows { writer.add(row) }
        return writer.packed()
    }

    /// The 12 bytes of a row id of 24 lower-case hexadecimal digits; nil for any other text.
    static func binaryId(_ text: String) -> [UInt8]? {
        let digits = Array(text.utf8)
        guard digits.count == 24 else { return nil }
        var bytes: [UInt8] = []
        bytes.reserveCapacity(12)
        func value(_ digit: UInt8) -> UInt8? {
            switch digit {
            case UInt8(ascii: "0")...UInt8(ascii: "9"): digit - UInt8(ascii: "0")
            case UInt8(ascii: "a")...UInt8(ascii: "f"): digit - UInt8(ascii: "a") + 10
            default: nil
            }
        }
        for index in stride(from: 0, to: 24, by: 2) {
            guard let high = value(digits[index]), let low = value(digits[index + 1]) else { return nil }
            bytes.append(high << 4 | low)
        }
        return bytes
    }

    /// What a row id looks like inside a sheet's bytes, to find the sheet that holds it.
    static func needle(_ rowId: String) -> Data { Data(binaryId(rowId) ?? Array(rowId.utf8)) }

    /// Nil when the bytes are not a sheet this encoder (or format 1's) wrote.
    static func decode(_ content: [UInt8], campaign: String, reviewer: String) -> [StateStore.IssuedRow]? {
        var rows: [StateStore.IssuedRow] = []
        func row(_ rowId: String, _ fields: [UInt8], _ at: inout Int) -> Bool {
            var texts: [String] = []
            for _ in 0..<6 {
                guard let range = PackedBytes.readField(fields, &at) else { return false }
                texts.append(String(decoding: fields[range], as: UTF8.self))
            }
            rows.append(
                StateStore.IssuedRow(
                    campaign: campaign, reviewer: reviewer, rowId: rowId, identity: texts[0], system: texts[1],
                    account: texts[2], role: texts[3], worst: Severity(rawValue: texts[4]), capacity: texts[5]))
            return true
        }
        func rowId(_ at: inout Int) -> String? {
            guard at < content.count else { return nil }
            at += 1
            switch content[at - 1] {
            case 0:
                guard content.count - at >= 12 else { return nil }
                defer { at += 12 }
                return Hashing.hex(Array(content[at..<at + 12]))
            case 1: return PackedBytes.readField(content, &at).map { String(decoding: content[$0], as: UTF8.self) }
            default: return nil
            }
        }
        var at = 1
        switch content.first {
        case 1:
            while at < content.count {
                guard let id = rowId(&at), row(id, content, &at) else { return nil }
            }
        case format:
            guard let count = PackedBytes.readLength(content, &at), count <= content.count else { return nil }
            var ids: [String] = []
            for _ in 0..<count {
                guard let id = rowId(&at) else { return nil }
                ids.append(id)
            }
            guard let fields = PackedBytes.unpacked(content, from: at) else { return nil }
            var fieldAt = 0
            for id in ids {
                guard row(id, fields, &fieldAt) else { return nil }
            }
            guard fieldAt == fields.count else { return nil }
        default: return nil
        }
        return rows
    }
}
