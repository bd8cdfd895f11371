import Foundation

/// `directory.source: ldap`: pulls users and groups from OpenLDAP or Active Directory with
/// the profile's attributes, following AD range retrieval for large groups.
public struct LDAPDirectorySource: Sendable {
    public var config: DirectoryConfig
    public var configFile: String

    public init(config: DirectoryConfig, configFile: String) {
        self.config = config
        self.configFile = configFile
    }

    /// The attributes requested for users: the profile's, by name only.
    var userAttributes: [String] {
        let a = config.attributes
        var names = [
            a.id, a.employeeId, a.name, a.email, a.title, a.department, a.manager, a.employeeType, "memberOf",
            "objectClass", "uid",
        ]
        if let endDate = a.endDate { names.append(endDate) }
        if let disabled = a.disabled { names.append(disabled) }
        if config.profile == .activeDirectory {
            names += ["userAccountControl", "accountExpires", "lastLogonTimestamp", "objectGUID", "objectSid"]
        }
        var seen = Set<String>()
        return names.filter { seen.insert($0.lowercased()).inserted }
    }

    var groupAttributes: [String] {
        ["cn", "objectClass", "member", "uniqueMember", "memberUid"]
    }

    /// "file:line" of a key of the config, for an error about its value.
    func at(_ key: String) -> String {
        config.places.file.isEmpty ? configFile : config.places.at(key)
    }

    /// Reads the password from `password_env` or `password_file`; nil for an anonymous bind.
    public func password(environment: [String: String] = ProcessInfo.processInfo.environment) throws -> String? {
        guard config.bindDN != nil else { return nil }
        if let password = try PasswordSource.read(
            env: config.passwordEnv.map { ($0, at("directory.password_env")) },
            file: config.passwordFile.map { ($0, at("directory.password_file")) }, section: "directory",
            environment: environment)
        {
            return password
        }
        throw ToolError(
            .configuration,
            "\(at("directory.bind_dn")): error: directory.bind_dn is set but no password source: set password_env or password_file"
        )
    }

    /// What `fetch` delivers, in this order: every group, then `groupsComplete`, then the users.
    public enum Delivery: Sendable {
        case group(DirectoryEntry)
        case groupsComplete
        case user(DirectoryEntry)
    }

    /// Connects, binds and reads every group, then every user, handing each entry to
    /// `deliver` as soon as it is complete (AD range retrieval done). Returns the server.
    @discardableResult
    public func fetch(warn: (String) -> Void = { _ in }, deliver: (Delivery) throws -> Void) throws -> String {
        guard let url = config.url else {
            throw ToolError(.configuration, "\(at("directory")): error: directory.url is missing")
        }
        let password = try password()
        if let caFile = config.caFile, !FileManager.default.isReadableFile(atPath: caFile) {
            throw ToolError(
                .configuration,
                "\(at("directory.ca_file")): error: the CA file \(caFile) (directory.ca_file) cannot be read")
        }
        let connection = try LDAPConnection(
            .init(
                url: url, starttls: config.starttls, caFile: config.caFile,
                timeoutSeconds: config.timeoutSeconds, pageSize: config.pageSize))
        if !connection.isEncrypted {
            guard config.allowInsecure else {
                throw ToolError(
                    .configuration,
                    "\(at("directory.url")): error: \(url) is not encrypted; use ldaps://, or starttls: true, or (for a test server only) allow_insecure: true"
                )
            }
            if config.bindDN != nil {
                warn("warning: \(url): the password for \(config.bindDN!) is sent without TLS (allow_insecure: true)")
            } else {
                warn("warning: \(url): reading the directory without TLS (allow_insecure: true)")
            }
        }
        try connection.bind(dn: config.bindDN, password: password)

        // Groups first: then each user can be built, nested groups and all, as it arrives.
        var groups = RangedEntryCollector()
        _ = try connection.search(base: config.groups.base, filter: config.groups.filter, attributes: groupAttributes) {
            entry in
            if let complete = groups.add(entry) { try deliver(.group(complete)) }
        }
        for entry in try groups.finish(read: { try connection.readAttribute(dn: $0, attribute: $1) }) {
            try deliver(.group(entry))
        }
        try deliver(.groupsComplete)
        var users = RangedEntryCollector()
        _ = try connection.search(base: config.users.base, filter: config.users.filter, attributes: userAttributes) {
            entry in
            if let complete = users.add(entry) { try deliver(.user(complete)) }
        }
        for entry in try users.finish(read: { try connection.readAttribute(dn: $0, attribute: $1) }) {
            try deliver(.user(entry))
        }
        return url
    }

    /// Reads every user and group entry into memory.
    public func fetch(warn: (String) -> Void = { _ in }) throws -> (
        users: [DirectoryEntry], groups: [DirectoryEntry], server: String
    ) {
        var users: [DirectoryEntry] = [], groups: [DirectoryEntry] = []
        let server = try fetch(warn: warn) { delivery in
            switch delivery {
            case .group(let entry): groups.append(entry)
            case .user(let entry): users.append(entry)
            case .groupsComplete: break
            }
        }
        return (users, groups, server)
    }
}

/// Completes attributes that AD sent in slices (`member;range=0-1499`): an entry with a
/// slice missing is held back, and each further slice is asked for by name
/// (`member;range=1500-*`) until the last (`…-*`).
struct RangedEntryCollector {
    private var held: [(entry: DirectoryEntry, pending: [(attribute: String, next: Int)])] = []

    /// The entry when it is complete, nil when it waits for more slices.
    mutating func add(_ entry: DirectoryEntry) -> DirectoryEntry? {
        var entry = entry
        var pending: [(attribute: String, next: Int)] = []
        for name in entry.names where name.utf8.contains(0x3B) {
            guard let range = RangedAttribute(name) else { continue }
            entry.append(entry.removeValues(of: name), to: range.base)
            if let next = range.next { pending.append((range.base, next)) }
        }
        if pending.isEmpty { return entry }
        held.append((entry, pending))
        return nil
    }

    /// Fetches the missing slices with `read(dn, "member;range=N-*")`; the held entries, complete.
    mutating func finish(read: (String, String) throws -> (name: String, values: [String])?) throws -> [DirectoryEntry]
    {
        var completed: [DirectoryEntry] = []
        for (held, pending) in held {
            var entry = held
            for (attribute, first) in pending {
                var next: Int? = first
                var guardCount = 0
                while let start = next {
                    guardCount += 1
                    guard guardCount < 100_000, let (name, values) = try read(entry.dn, "\(attribute);range=\(start)-*")
                    else { break }
                    guard let range = RangedAttribute(name), range.base == attribute, range.start == start else {
                        if name.lowercased() == attribute { entry.append(values, to: attribute) }
                        break
                    }
                    entry.append(values, to: attribute)
                    next = range.next
                }
            }
            completed.append(entry)
        }
        held.removeAll()
        return completed
    }
}

/// An attribute description with a range option, as AD returns large attributes:
/// `member;range=0-1499` (more follow from 1500) or `member;range=1500-*` (the last slice).
public struct RangedAttribute: Equatable, Sendable {
    public var base: String
    public var start: Int
    public var end: Int?

    public init?(_ description: String) {
        let parts = description.split(separator: ";")
        guard parts.count >= 2, let option = parts.dropFirst().first(where: { $0.lowercased().hasPrefix("range=") })
        else { return nil }
        let bounds = option.dropFirst("range=".count).split(separator: "-", maxSplits: 1)
        guard bounds.count == 2, let start = Int(bounds[0]) else { return nil }
        base = String(parts[0]).lowercased()
        self.start = start
        if bounds[1] == "*" {
            end = nil
        } else if let end = Int(bounds[1]), end >= start {
            self.end = end
        } else {
            return nil
        }
    }

    /// Where the next slice starts, or nil after the last one.
    public var next: Int? { end.map { $0 + 1 } }
}
