import Foundation

/// A byte-level JSON writer for the large snapshots (`accounts.json`): one record a line,
/// keys in sorted order, no intermediate object tree. `JSONEncoder` builds the whole tree
/// first, which costs seconds and gigabytes on a 2.5-million-account export.
struct JSONWriter {
    private(set) var bytes: [UInt8] = []
    /// Where full buffers go; nil keeps everything in memory.
    private let sink: FileHandle?
    private let flushAt: Int

    init(capacity: Int = 1 << 16) {
        bytes.reserveCapacity(capacity)
        sink = nil
        flushAt = .max
    }

    /// Writes through to a file in blocks of about a megabyte.
    init(sink: FileHandle) {
        self.sink = sink
        flushAt = 1 << 20
        bytes.reserveCapacity(flushAt + 4096)
    }

    mutating func flushIfFull() throws {
        if bytes.count >= flushAt { try flush() }
    }

    mutating func flush() throws {
        guard let sink, !bytes.isEmpty else { return }
        try sink.write(contentsOf: bytes)
        bytes.removeAll(keepingCapacity: true)
    }

    mutating func raw(_ text: StaticString) {
        text.withUTF8Buffer { bytes.append(contentsOf: $0) }
    }

    mutating func string(_ value: String) {
        bytes.append(0x22)
        var plain = true
        for byte in value.utf8 where byte < 0x20 || byte == 0x22 || byte == 0x5C {
            plain = false
            break
        }
        if plain {
            bytes.append(contentsOf: value.utf8)
            bytes.append(0x22)
            return
        }
        for byte in value.utf8 {
            switch byte {
            case 0x22: bytes.append(0x5C); bytes.append(0x22)
            case 0x5C: bytes.append(0x5C); bytes.append(0x5C)
            case 0x0A: bytes.append(0x5C); bytes.append(0x6E)
            case 0x0D: bytes.append(0x5C); bytes.append(0x72)
            case 0x09: bytes.append(0x5C); bytes.append(0x74)
            case 0..<0x20:
                let hex: [UInt8] = Array("0123456789abcdef".utf8)
                bytes.append(contentsOf: [0x5C, 0x75, 0x30, 0x30, hex[Int(byte >> 4)], hex[Int(byte & 0xF)]])
            default: bytes.append(byte)
            }
        }
        bytes.append(0x22)
    }

    mutating func optional(_ value: String?) {
        if let value { string(value) } else { raw("null") }
    }

    var data: Data { Data(bytes) }
}

extension AccountsSnapshot {
    /// `accounts.json`: `{"systems":[{"accounts":[…],"export_sha256":…,"system":…}]}`, one account a line.
    public func jsonData() -> Data {
        var w = JSONWriter(capacity: systems.reduce(0) { $0 + $1.accounts.count * 160 } + 1024)
        try! write(into: &w)
        return w.data
    }

    /// Writes `accounts.json` to a file whole or not at all, without holding it in memory.
    public func writeJSON(toFile path: String) throws {
        try AtomicFile.write(path) { handle in
            var w = JSONWriter(sink: handle)
            try write(into: &w)
            try w.flush()
        }
    }

    func write(into w: inout JSONWriter) throws {
        w.raw("{\"systems\":[")
        for (s, system) in systems.enumerated() {
            if s > 0 { w.raw(",") }
            w.raw("\n{\"accounts\":[")
            for (a, account) in system.accounts.enumerated() {
                w.raw(a == 0 ? "\n" : ",\n")
                w.raw("{\"account\":")
                w.string(account.account)
                w.raw(",\"keys\":{")
                var first = true
                for (key, value) in account.keys.sorted(by: { $0.key < $1.key }) {
                    if !first { w.raw(",") }
                    first = false
                    w.string(key)
                    w.raw(":")
                    w.string(value)
                }
                w.raw("},\"last_login\":")
                w.optional(account.lastLogin?.description)
                w.raw(",\"roles\":[")
                for (r, role) in account.roles.enumerated() {
                    if r > 0 { w.raw(",") }
                    w.string(role)
                }
                w.raw("],\"status\":")
                w.string(account.status.rawValue)
                w.raw(",\"valid_to\":")
                w.optional(account.validTo?.description)
                w.raw("}")
                try w.flushIfFull()
            }
            w.raw("\n],\"export_sha256\":")
            w.string(system.sha256)
            w.raw(",\"system\":")
            w.string(system.system)
            w.raw("}")
        }
        w.raw("\n]}\n")
    }
}

extension DirectorySnapshot {
    /// `directory.json`, one user or group a line, keys sorted; the same bytes `JSONEncoder`
    /// would give in content, at a fraction of the time and memory.
    public func jsonData() -> Data {
        var w = JSONWriter(capacity: users.count * 600 + groups.count * 200 + 1024)
        func strings(_ list: [String]) {
            w.raw("[")
            for (i, value) in list.enumerated() {
                if i > 0 { w.raw(",") }
                w.string(value)
            }
            w.raw("]")
        }
        w.raw("{\"groups\":[")
        for (i, group) in groups.enumerated() {
            w.raw(i == 0 ? "\n" : ",\n")
            w.raw("{\"dn\":")
            w.string(group.dn)
            w.raw(",\"members\":")
            strings(group.members)
            w.raw(",\"name\":")
            w.string(group.name)
            w.raw("}")
        }
        w.raw("\n],\"users\":[")
        for (i, user) in users.enumerated() {
            w.raw(i == 0 ? "\n" : ",\n")
            w.raw("{\"department\":")
            w.optional(user.department)
            w.raw(",\"disabled\":")
            if user.disabled { w.raw("true") } else { w.raw("false") }
            w.raw(",\"dn\":")
            w.string(user.dn)
            w.raw(",\"effective_groups\":")
            strings(user.effectiveGroups)
            w.raw(",\"email\":")
            w.optional(user.email)
            w.raw(",\"employee_id\":")
            w.optional(user.employeeId)
            w.raw(",\"employee_type\":")
            w.optional(user.employeeType)
            w.raw(",\"end_date\":")
            w.optional(user.endDate?.description)
            w.raw(",\"groups\":")
            strings(user.groups)
            w.raw(",\"id\":")
            w.string(user.id)
            w.raw(",\"manager\":")
            w.optional(user.manager)
            w.raw(",\"name\":")
            w.optional(user.name)
            w.raw(",\"title\":")
            w.optional(user.title)
            w.raw("}")
        }
        w.raw("\n]}\n")
        return w.data
    }
}
