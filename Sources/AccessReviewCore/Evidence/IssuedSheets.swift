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
            var failure: Error?
            try produce { sheet in
                guard failure == nil, plan.changed.contains(sheet.reviewer) || !plan.rerun,
                    let version = plan.version[sheet.reviewer]
                else { return }
                let content = sheet.encode()
                do {
                    try insert.run([
                        .text(campaign), .text(sheet.reviewer), .integer(version), .text(asOf.description),
                        .integer(content.rows), .bytes(content.bytes),
                    ])
                } catch {
                    failure = error
                }
            }
            if let failure { throw failure }
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
                    rows: try decode(row.blob(2), campaign: campaign, reviewer: reviewer, version: version)))
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
            let bytes = row.blob(3)
            guard bytes.range(of: needle) != nil else { return }
            found = try decode(
                bytes, campaign: row.text(0), reviewer: row.text(1), version: row.integer(2)
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

    private func decode(_ content: Data, campaign: String, reviewer: String, version: Int) throws -> [IssuedRow] {
        guard let rows = IssuedSheetCodec.decode(content, campaign: campaign, reviewer: reviewer) else {
            throw ToolError(
                .input,
                "\(path): error: the rows issued on version \(version) of \(reviewer)'s sheet in campaign \(campaign) are damaged; restore the state store from its backup"
            )
        }
        return rows
    }
}

/// One sheet version's rows as bytes: a format byte, then per row its row id — a 0 byte and
/// the id's 12 bytes where it is the 24 hexadecimal digits accessreview issues, else a 1
/// byte and the id as text — and six fields (identity, system, account, role, worst
/// severity, capacity), each a LEB128 length and its UTF-8 bytes. About 60 bytes a row.
enum IssuedSheetCodec {
    static let format: UInt8 = 1

    /// Builds one sheet's bytes row by row.
    struct Writer {
        private(set) var bytes: [UInt8] = [IssuedSheetCodec.format]
        private(set) var rows = 0

        /// Room for `capacity` rows of the usual size (about 70 bytes): not grown by doubling,
        /// which for the top of a million identities' hierarchy (1.3 M rows) held 180 MB.
        init(capacity: Int = 0) { bytes.reserveCapacity(1 + capacity * 96) }

        /// A row whose id is 96 bits (as `RowId` holds it).
        mutating func add(
            id: RowId, identity: String, system: String, account: String, role: String, worst: String,
            capacity: String
        ) {
            bytes.append(0)
            id.append(to: &bytes)
            fields(identity, system, account, role, worst, capacity)
        }

        /// A row given as the store reads it back.
        mutating func add(_ row: StateStore.IssuedRow) {
            if let id = IssuedSheetCodec.binaryId(row.rowId) {
                bytes.append(0)
                bytes.append(contentsOf: id)
            } else {
                bytes.append(1)
                put(row.rowId)
            }
            fields(row.identity, row.system, row.account, row.role, row.worst?.rawValue ?? "", row.capacity)
        }

        private mutating func fields(_ values: String...) {
            for value in values { put(value) }
            rows += 1
        }

        private mutating func put(_ text: String) {
            var length = text.utf8.count
            while length >= 0x80 {
                bytes.append(UInt8(length & 0x7F) | 0x80)
                length >>= 7
            }
            bytes.append(UInt8(length))
            bytes.append(contentsOf: text.utf8)
        }

        var data: Data { Data(bytes) }
    }

    static func encode(_ rows: [StateStore.IssuedRow]) -> Data {
        var writer = Writer(capacity: rows.count)
        for row in rows { writer.add(row) }
        return writer.data
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

    /// Nil when the bytes are not a sheet this encoder wrote.
    static func decode(_ content: Data, campaign: String, reviewer: String) -> [StateStore.IssuedRow]? {
        let bytes = [UInt8](content)
        guard bytes.first == format else { return nil }
        var at = 1
        func take() -> String? {
            var length = 0, shift = 0
            while at < bytes.count, shift < 35 {
                let byte = bytes[at]
                at += 1
                length |= Int(byte & 0x7F) << shift
                if byte < 0x80 {
                    guard length <= bytes.count - at else { return nil }
                    defer { at += length }
                    return String(decoding: bytes[at..<at + length], as: UTF8.self)
                }
                shift += 7
            }
            return nil
        }
        func rowId() -> String? {
            guard at < bytes.count else { return nil }
            at += 1
            switch bytes[at - 1] {
            case 0:
                guard bytes.count - at >= 12 else { return nil }
                defer { at += 12 }
                return Hashing.hex(Array(bytes[at..<at + 12]))
            case 1: return take()
            default: return nil
            }
        }
        var rows: [StateStore.IssuedRow] = []
        while at < bytes.count {
            guard let rowId = rowId(), let identity = take(), let system = take(), let account = take(),
                let role = take(), let worst = take(), let capacity = take()
            else { return nil }
            rows.append(
                StateStore.IssuedRow(
                    campaign: campaign, reviewer: reviewer, rowId: rowId, identity: identity, system: system,
                    account: account, role: role, worst: Severity(rawValue: worst), capacity: capacity))
        }
        return rows
    }
}
