import Foundation

/// A large JSON document written by `JSONWriter`, in memory or streamed to a file.
protocol StreamedJSON {
    func write(into w: inout JSONWriter) throws
}

extension StreamedJSON {
    func renderedJSON() -> Data {
        var w = JSONWriter()
        try! write(into: &w)
        return w.data
    }

    /// Writes the document to a file whole or not at all, without holding it in memory.
    func streamJSON(toFile path: String) throws {
        try AtomicFile.write(path) { handle in
            _ = try JSONWriter.stream(to: handle, hashing: false) { try write(into: &$0) }
        }
    }
}

extension OutputFolder {
    /// Streams a large JSON document into the folder, hashing it as it is written.
    func writeJSON(_ relative: String, _ document: some StreamedJSON) throws {
        try stream(relative) { handle, _ in
            try JSONWriter.stream(to: handle, hashing: true) { try document.write(into: &$0) }
        }
    }
}

extension AccountsSnapshot {
    public func jsonData() -> Data { renderedJSON() }
    public func writeJSON(toFile path: String) throws { try streamJSON(toFile: path) }
}

extension DirectorySnapshot {
    public func jsonData() -> Data { renderedJSON() }
    public func writeJSON(toFile path: String) throws { try streamJSON(toFile: path) }
}

extension AccountsSnapshot: StreamedJSON {
    /// `accounts.json`: `{"systems":[{"accounts":[…],"export_sha256":…,"system":…}]}`, one account a line.
    func write(into w: inout JSONWriter) throws {
        w.raw("{\"systems\":[")
        for (s, system) in systems.enumerated() {
            if s > 0 { w.raw(",") }
            w.raw("\n{\"accounts\":[")
            try w.lines(system.accounts) { account, w in
                w.raw("{\"account\":")
                w.string(account.account)
                w.raw(",\"keys\":{")
                var first = true
                for (key, value) in account.keys {
                    if !first { w.raw(",") }
                    first = false
                    w.string(key)
                    w.raw(":")
                    w.string(value)
                }
                w.raw("},\"last_login\":")
                w.optional(account.lastLogin?.description)
                w.raw(",\"roles\":")
                w.strings(account.roles)
                w.raw(",\"status\":")
                w.string(account.status.rawValue)
                w.raw(",\"valid_to\":")
                w.optional(account.validTo?.description)
                w.raw("}")
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

extension DirectorySnapshot: StreamedJSON {
    /// `directory.json`, one user or group a line, keys sorted; the same bytes `JSONEncoder`
    /// would give in content, at a fraction of the time and memory.
    func write(into w: inout JSONWriter) throws {
        w.raw("{\"groups\":[")
        try w.lines(groups) { group, w in
            w.raw("{\"dn\":")
            w.string(group.dn)
            w.raw(",\"members\":")
            w.strings(group.members)
            w.raw(",\"name\":")
            w.string(group.name)
            w.raw("}")
        }
        w.raw("\n],\"users\":[")
        try w.lines(users) { user, w in
            w.raw("{\"department\":")
            w.optional(user.department)
            w.raw(",\"disabled\":")
            if user.disabled { w.raw("true") } else { w.raw("false") }
            w.raw(",\"dn\":")
            w.string(user.dn)
            w.raw(",\"effective_groups\":")
            w.strings(user.effectiveGroups)
            w.raw(",\"email\":")
            w.optional(user.email)
            w.raw(",\"employee_id\":")
            w.optional(user.employeeId)
            w.raw(",\"employee_type\":")
            w.optional(user.employeeType)
            w.raw(",\"end_date\":")
            w.optional(user.endDate?.description)
            w.raw(",\"groups\":")
            w.strings(user.groups)
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
    }
}

extension LoadedInputs {
    /// `directory.json` and `accounts.json`: what the run read, as it read it.
    public func writeSnapshots(into folder: OutputFolder) throws {
        try folder.writeJSON("directory.json", directory)
        try folder.writeJSON(
            "accounts.json", AccountsSnapshot(systems: exports.filter { $0.system != DirectoryGroupsSystem.id }))
    }
}
