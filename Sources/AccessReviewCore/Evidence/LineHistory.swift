import Foundation

/// The line history (schema 6): when each line (system, account, role) was first seen, and
/// the run that first saw it gone. One blob per system in `line_blocks` instead of a table
/// row per line: a million identities hold 7.4 M lines, and a row each cost SQLite 5–6 µs
/// (the first run's line history took 27–46 s of the state stage). A run reads each
/// system's block once, merges its own lines into it and writes it back whole, two systems
/// at a time, one on each core.
extension StateStore {
    /// Lines not gone as of `asOf` (first seen on or before it) → the day each was first seen.
    func linesFirstSeen(asOf: Day) throws -> LineDays {
        var firstSeen = LineDays()
        let day = Int32(truncatingIfNeeded: asOf.ordinal)
        try forEachLineBlock { system, block in
            let systemBytes = Array(system.utf8)[...]
            let intact = LineBlock.forEach(block) { entry in
                guard entry.gone == LineBlock.none, entry.first <= day else { return }
                firstSeen.append(
                    LineID(system: systemBytes, account: block[entry.account], role: block[entry.role]),
                    Day(ordinal: Int(entry.first)))
            }
            guard intact else { throw damagedLineBlock(system) }
        }
        firstSeen.seal()
        return firstSeen
    }

    /// Records which lines this run saw: new lines get their first day, lines no longer there
    /// the day they were first seen gone, and a line back after it was gone starts again. A
    /// pending Remove whose line is gone is verified by this run; returns how many were.
    func recordLines(asOf: Day, lines: [AccessLine], pending: [LineID: PendingRemoval]) throws -> Int {
        try db.transaction {
            // A line's system is most often the one of the line before (and the same string).
            var bySystem: [String: [Int32]] = [:]
            var current: (system: String, indices: [Int32])?
            for index in lines.indices {
                let system = lines[index].system
                if current?.system != system {
                    if let current { bySystem[current.system] = current.indices }
                    current = (system, bySystem.removeValue(forKey: system) ?? [])
                }
                current!.indices.append(Int32(index))
            }
            if let current { bySystem[current.system] = current.indices }
            // Each line's key within its system, on both cores.
            let hashes = Parallel.map(lines.count) { LineBlock.hash(account: lines[$0].account, role: lines[$0].role) }
            let stored = try db.query("SELECT system FROM line_blocks", [String]()) { $0.text(0) }
            // The largest systems first, two at a time: the two of a batch take about as long.
            let systems = Set(stored).union(bySystem.keys).sorted {
                (bySystem[$0]?.count ?? 0, $1) > (bySystem[$1]?.count ?? 0, $0)
            }
            let write = try db.prepare(
                "INSERT INTO line_blocks (system, lines, content) VALUES (?, ?, ?) ON CONFLICT (system) DO UPDATE SET lines = excluded.lines, content = excluded.content"
            )
            let pendingIDs = Set(pending.keys)
            var pendingSeen = Set<LineID>()
            // Two systems at a time, each merged on a core of its own: every block is held
            // once, never the whole history.
            for start in stride(from: 0, to: systems.count, by: 2) {
                let batch = Array(systems[start..<min(start + 2, systems.count)])
                let indices = batch.map { bySystem.removeValue(forKey: $0) ?? [] }
                let old = try batch.map { system in
                    try db.query("SELECT content FROM line_blocks WHERE system = ?", [system]) { $0.bytes(0) }
                        .first
                }
                let merged = Parallel.map(batch.count, chunks: batch.count) { index in
                    LineBlock.merge(
                        old: old[index], system: batch[index], lines: lines, indices: indices[index], hashes: hashes,
                        asOf: asOf, pending: pendingIDs)
                }
                for (index, system) in batch.enumerated() {
                    guard let block = merged[index] else { throw damagedLineBlock(system) }
                    pendingSeen.formUnion(block.pendingSeen)
                    try write.run([.text(system), .integer(block.lines), .bytes(block.bytes)])
                }
            }
            var verified = 0
            let verify = try db.prepare("INSERT OR IGNORE INTO removals_verified VALUES (?, ?, ?, ?, ?, ?, ?)")
            let done = pending.filter { !pendingSeen.contains($0.key) }.values.sorted {
                ($0.system, $0.account, $0.role) < ($1.system, $1.account, $1.role)
            }
            for removal in done {
                try verify.run(texts: [
                    removal.system, removal.account, removal.role, removal.identity, removal.campaign,
                    removal.decidedOn.description, asOf.description,
                ])
                verified += 1
            }
            return verified
        }
    }

    /// The accounts the history holds for these identities, per identity, by system and
    /// account: gone on the latest day one of its roles was first seen gone, once all are;
    /// nil while one of them is still there.
    func historyAccounts(of identities: Set<String>) throws -> [String: [(system: String, account: String, gone: Day?)]]
    {
        guard !identities.isEmpty else { return [:] }
        // Each line's identity is hashed as bytes and compared as text only on a match: the
        // leavers are few, the lines millions.
        let hashes = Set(identities.map { FieldHash.hash($0) })
        struct Key: Hashable {
            var identity, system, account: String
        }
        var accounts: [Key: Day?] = [:]
        try forEachLineBlock { system, block in
            let intact = LineBlock.forEach(block) { entry in
                guard hashes.contains(FieldHash.hash(block[entry.identity])) else { return }
                let identity = String(decoding: block[entry.identity], as: UTF8.self)
                guard identities.contains(identity) else { return }
                let key = Key(
                    identity: identity, system: system, account: String(decoding: block[entry.account], as: UTF8.self))
                let gone = entry.gone == LineBlock.none ? nil : Day(ordinal: Int(entry.gone))
                if let known = accounts[key] {
                    accounts[key] = known.flatMap { a in gone.map { max(a, $0) } }
                } else {
                    accounts[key] = .some(gone)
                }
            }
            guard intact else { throw damagedLineBlock(system) }
        }
        var result: [String: [(system: String, account: String, gone: Day?)]] = [:]
        for (key, gone) in accounts.sorted(by: {
            ($0.key.identity, $0.key.system, $0.key.account) < ($1.key.identity, $1.key.system, $1.key.account)
        }) {
            result[key.identity, default: []].append((key.system, key.account, gone))
        }
        return result
    }

    /// Calls `body` with each system's block, by system.
    private func forEachLineBlock(_ body: (String, [UInt8]) throws -> Void) throws {
        try db.forEach("SELECT system, content FROM line_blocks ORDER BY system") { row in
            let system = row.text(0)
            guard let block = LineBlock.block(stored: row.bytes(1)) else { throw damagedLineBlock(system) }
            try body(system, block)
        }
    }

    private func damagedLineBlock(_ system: String) -> ToolError {
        ToolError(
            .input,
            "\(path): error: the line history of system \(system) is damaged; restore the state store from its backup")
    }

    /// Schema 6: the rows of `line_history` become one block per system.
    func migrateLineHistory() throws {
        let write = try db.prepare("INSERT INTO line_blocks (system, lines, content) VALUES (?, ?, ?)")
        var system: String?
        var writer = LineBlock.Writer()
        func flush() throws {
            if let system {
                try write.run([.text(system), .integer(writer.lines), .bytes(LineBlock.stored(writer.bytes))])
            }
            writer = LineBlock.Writer()
        }
        try db.forEach(
            "SELECT system, account, role, identity, first_seen, gone_seen FROM line_history ORDER BY system, account, role"
        ) { row in
            let rowSystem = row.text(0)
            if rowSystem != system {
                try flush()
                system = rowSystem
            }
            let first = Day(iso: row.text(4))?.ordinal ?? 0
            let gone = row.optionalText(5).flatMap { Day(iso: $0) }
            writer.add(
                account: row.text(1), role: row.text(2), identity: row.text(3),
                first: Int32(truncatingIfNeeded: first),
                gone: gone.map { Int32(truncatingIfNeeded: $0.ordinal) } ?? LineBlock.none)
        }
        try flush()
    }
}

/// One system's lines as bytes: a format byte, then per line its account, role and identity
/// (each a LEB128 length and its UTF-8 bytes), the day it was first seen and the day it was
/// first seen gone (each an Int32 of days since 1970, little-endian; `none` while it is there).
/// About 33 bytes a line; stored compressed (`stored`), about 6 bytes a line.
enum LineBlock {
    static let format: UInt8 = 1
    /// The stored form: this byte, then the block as `PackedBytes.appendPacked` writes it.
    static let packedFormat: UInt8 = 2
    static let none = Int32.min

    /// Where one line's fields are in a block.
    struct Entry {
        var account: Range<Int>
        var role: Range<Int>
        var identity: Range<Int>
        var first: Int32
        var gone: Int32
        /// The whole line, and where its days start.
        var bytes: Range<Int>
        var days: Int
    }

    /// The block as the store keeps it.
    static func stored(_ block: [UInt8]) -> [UInt8] {
        var bytes = [packedFormat]
        PackedBytes.appendPacked(block, to: &bytes)
        return bytes
    }

    /// The block the store kept (a block of schema 6's first form is kept as it is); nil when
    /// it is damaged.
    static func block(stored bytes: [UInt8]) -> [UInt8]? {
        switch bytes.first {
        case packedFormat: PackedBytes.unpacked(bytes, from: 1).flatMap { $0.first == format ? $0 : nil }
        case format, nil: bytes
        default: nil
        }
    }

    /// Calls `body` with each line of the block; false when the bytes are not a block this
    /// writer wrote.
    static func forEach(_ bytes: [UInt8], _ body: (Entry) -> Void) -> Bool {
        guard bytes.first == format else { return bytes.isEmpty }
        var at = 1
        func day() -> Int32 {
            defer { at += 4 }
            return Int32(
                bitPattern: UInt32(bytes[at]) | UInt32(bytes[at + 1]) << 8 | UInt32(bytes[at + 2]) << 16
                    | UInt32(bytes[at + 3]) << 24)
        }
        while at < bytes.count {
            let start = at
            guard let account = PackedBytes.readField(bytes, &at), let role = PackedBytes.readField(bytes, &at),
                let identity = PackedBytes.readField(bytes, &at), bytes.count - at >= 8
            else { return false }
            let days = at
            let first = day(), gone = day()
            body(
                Entry(
                    account: account, role: role, identity: identity, first: first, gone: gone, bytes: start..<at,
                    days: days))
        }
        return true
    }

    struct Writer {
        private(set) var bytes: [UInt8] = [LineBlock.format]
        private(set) var lines = 0

        init(capacity: Int = 0) { bytes.reserveCapacity(1 + capacity * 44) }

        mutating func add(account: String, role: String, identity: String, first: Int32, gone: Int32) {
            put(account.utf8)
            put(role.utf8)
            put(identity.utf8)
            days(first, gone)
        }

        /// A line of another block as it was, or with other days.
        mutating func copy(_ entry: Entry, from block: [UInt8], gone: Int32? = nil) {
            if let gone {
                bytes.append(contentsOf: block[entry.bytes.lowerBound..<entry.days])
                days(entry.first, gone)
            } else {
                bytes.append(contentsOf: block[entry.bytes])
                lines += 1
            }
        }

        /// A line of another block with another identity and days.
        mutating func copy(
            _ entry: Entry, from block: [UInt8], identity: String, first: Int32, gone: Int32
        ) {
            put(block[entry.account])
            put(block[entry.role])
            put(identity.utf8)
            days(first, gone)
        }

        private mutating func put<Bytes: Collection>(_ field: Bytes) where Bytes.Element == UInt8 {
            PackedBytes.appendField(field, to: &bytes)
        }

        private mutating func days(_ first: Int32, _ gone: Int32) {
            func append(_ value: Int32) {
                let bits = UInt32(bitPattern: value)
                bytes.append(UInt8(truncatingIfNeeded: bits))
                bytes.append(UInt8(truncatingIfNeeded: bits >> 8))
                bytes.append(UInt8(truncatingIfNeeded: bits >> 16))
                bytes.append(UInt8(truncatingIfNeeded: bits >> 24))
            }
            append(first)
            append(gone)
            lines += 1
        }
    }

    /// A system's block after a run: what it held, with this run's lines merged in.
    struct Merged {
        var bytes: [UInt8]
        var lines: Int
        /// The pending removals whose line this run saw.
        var pendingSeen: [LineID]
    }

    /// A line's key within its system: account and role.
    static func hash(account: String, role: String) -> Int { FieldHash.hash(account, role) }

    /// Merges a run's lines of one system (`indices` into `lines`, `hashes` their keys) into
    /// its block (`old`, nil for a system never seen): a line there and seen again stays as
    /// it was; a line there and not seen is gone as of `asOf` (unless first seen after it); a
    /// gone line seen again starts again, with the identity it has now; a new line is
    /// appended. Nil when the old block is damaged.
    static func merge(
        old: [UInt8]?, system: String, lines: [AccessLine], indices: [Int32], hashes: [Int], asOf: Day,
        pending: Set<LineID>
    ) -> Merged? {
        let day = Int32(truncatingIfNeeded: asOf.ordinal)
        guard let block = LineBlock.block(stored: old ?? []) else { return nil }
        var entries: [Entry] = []
        // Known lines by key, colliding keys chained: slot n < entries.count is an old line,
        // slot entries.count + k the k-th new line of this run.
        var first: [Int: Int32] = [:], next: [Int32] = []
        let intact = forEach(block) { entry in
            let key = FieldHash.hash(block[entry.account], block[entry.role])
            next.append(first.updateValue(Int32(entries.count), forKey: key) ?? -1)
            entries.append(entry)
        }
        guard intact else { return nil }
        first.reserveCapacity(entries.count + indices.count)
        // The line (index into `lines`) that saw each old line, -1 for none.
        var seenBy = [Int32](repeating: -1, count: entries.count)
        var fresh: [Int32] = []
        var pendingSeen: [LineID] = []
        func same(_ slot: Int, _ index: Int) -> Bool {
            if slot < entries.count {
                return lines[index].account.utf8.elementsEqual(block[entries[slot].account])
                    && lines[index].role.utf8.elementsEqual(block[entries[slot].role])
            }
            let other = Int(fresh[slot - entries.count])
            return lines[index].account == lines[other].account && lines[index].role == lines[other].role
        }
        for index32 in indices {
            let index = Int(index32), key = hashes[index]
            var slot = Int(first[key] ?? -1)
            while slot >= 0, !same(slot, index) { slot = Int(next[slot]) }
            if slot < 0 {
                next.append(first.updateValue(Int32(entries.count + fresh.count), forKey: key) ?? -1)
                fresh.append(index32)
            } else if slot < entries.count, seenBy[slot] < 0 {
                seenBy[slot] = index32
            }
            if !pending.isEmpty {
                let id = LineID(system: system, account: lines[index].account, role: lines[index].role)
                if pending.contains(id) { pendingSeen.append(id) }
            }
        }
        var writer = Writer(capacity: entries.count + fresh.count)
        for (at, entry) in entries.enumerated() {
            let by = Int(seenBy[at])
            if by >= 0, entry.gone != none {
                writer.copy(entry, from: block, identity: lines[by].identity ?? "", first: day, gone: none)
            } else if by < 0, entry.gone == none, entry.first <= day {
                writer.copy(entry, from: block, gone: day)
            } else {
                writer.copy(entry, from: block)
            }
        }
        for index in fresh.map({ Int($0) }) {
            writer.add(
                account: lines[index].account, role: lines[index].role, identity: lines[index].identity ?? "",
                first: day, gone: none)
        }
        return Merged(bytes: stored(writer.bytes), lines: writer.lines, pendingSeen: pendingSeen)
    }
}
