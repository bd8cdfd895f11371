import Foundation

/// Turns raw directory entries (from LDIF or LDAP) into a `DirectorySnapshot`: selects users
/// and groups by base and filter, reads the profile's attributes, resolves manager DNs to
/// identity ids and nested groups to effective memberships (cycle-safe).
public struct DirectoryBuilder: Sendable {
    public var config: DirectoryConfig

    public init(config: DirectoryConfig) {
        self.config = config
    }

    /// Builds from every entry of an LDIF file: users and groups are picked by base and
    /// filter here, as the server would.
    public func build(entries: [DirectoryEntry], source: String) throws -> DirectorySnapshot {
        let userFilter = try LDAPFilter.parse(config.users.filter)
        let groupFilter = try LDAPFilter.parse(config.groups.filter)
        var userEntries: [DirectoryEntry] = []
        var groupEntries: [DirectoryEntry] = []
        for entry in entries {
            if DN.isUnder(entry.dn, base: config.groups.base), groupFilter.matches(entry.attributes) {
                groupEntries.append(entry)
            } else if DN.isUnder(entry.dn, base: config.users.base), userFilter.matches(entry.attributes) {
                userEntries.append(entry)
            }
        }
        return try build(users: userEntries, groups: groupEntries, source: source)
    }

    /// Builds from entries that a server already selected by base and filter.
    public func build(users userEntries: [DirectoryEntry], groups groupEntries: [DirectoryEntry], source: String) throws -> DirectorySnapshot {
        let attrs = config.attributes.lowercased()
        var problems: [Diagnostic] = []

        // Users, keyed by normalised DN.
        var users: [DirectoryUser] = []
        var userIndexByDN: [String: Int] = [:]
        var userDNById: [String: String] = [:]
        var idOfUid: [String: String] = [:]
        for entry in userEntries {
            guard let id = entry.attributes[attrs.id]?.first.flatMap(Text.clean) else {
                problems.append(Diagnostic(file: source, line: entry.line == 0 ? nil : entry.line,
                                           "the user \(entry.dn) has no '\(attrs.id)' attribute (the identity id)"))
                continue
            }
            if let other = userDNById[id.matchKey] {
                problems.append(Diagnostic(file: source, line: entry.line == 0 ? nil : entry.line,
                                           "the identity id '\(id)' is used by both \(other) and \(entry.dn)"))
                continue
            }
            userDNById[id.matchKey] = entry.dn
            if let uid = entry.attributes["uid"]?.first { idOfUid[uid.matchKey] = id }
            let endDate: Day?
            if let attribute = attrs.endDate, let raw = entry.attributes[attribute]?.first {
                guard let parsed = DirectoryValues.date(raw) else {
                    problems.append(Diagnostic(file: source, line: entry.line == 0 ? nil : entry.line,
                                               "\(entry.dn): '\(attribute): \(raw)' is not a date (generalized time, YYYY-MM-DD or FILETIME)"))
                    continue
                }
                endDate = parsed.never ? nil : parsed.day
            } else {
                endDate = nil
            }
            let user = DirectoryUser(
                dn: entry.dn, id: id, employeeId: entry.attributes[attrs.employeeId]?.first.flatMap(Text.clean), name: entry.attributes[attrs.name]?.first.flatMap(Text.clean),
                email: entry.attributes[attrs.email]?.first.flatMap(Text.clean), title: entry.attributes[attrs.title]?.first.flatMap(Text.clean),
                department: entry.attributes[attrs.department]?.first.flatMap(Text.clean), manager: nil, managerDN: entry.attributes[attrs.manager]?.first.flatMap(Text.clean),
                employeeType: entry.attributes[attrs.employeeType]?.first.flatMap(Text.clean), disabled: isDisabled(entry), endDate: endDate)
            userIndexByDN[DN.normalise(entry.dn)] = users.count
            users.append(user)
        }
        if !problems.isEmpty { throw DiagnosticList(problems) }

        for index in users.indices {
            if let managerDN = users[index].managerDN, let managerIndex = userIndexByDN[DN.normalise(managerDN)] {
                users[index].manager = users[managerIndex].id
            }
        }

        // Groups and their members, in DN order, so that a group's index orders like its DN.
        var groups: [DirectoryGroup] = []
        var groupIndexByDN: [String: Int] = [:]
        for entry in groupEntries.sorted(by: { $0.dn < $1.dn }) {
            var members = (entry.attributes["member"] ?? []) + (entry.attributes["uniquemember"] ?? [])
            for uid in entry.attributes["memberuid"] ?? [] {
                if let id = idOfUid[uid.matchKey], let dn = userDNById[id.matchKey] { members.append(dn) }
            }
            members.sort()
            var unique: [String] = []
            unique.reserveCapacity(members.count)
            for dn in members where !dn.isEmpty && unique.last != dn { unique.append(dn) }
            let name = entry.attributes["cn"]?.first ?? entry.dn
            groupIndexByDN[DN.normalise(entry.dn)] = groups.count
            groups.append(DirectoryGroup(dn: entry.dn, name: name, members: unique))
        }

        // Direct memberships (group indices), from the groups' member lists and the users' memberOf.
        var direct = Array(repeating: [Int](), count: users.count)
        var parentsOfGroup = Array(repeating: [Int](), count: groups.count)
        for (groupIndex, group) in groups.enumerated() {
            for member in group.members {
                let key = DN.normalise(member)
                if let userIndex = userIndexByDN[key] {
                    direct[userIndex].append(groupIndex)
                } else if let child = groupIndexByDN[key] {
                    parentsOfGroup[child].append(groupIndex)
                }
            }
        }
        for entry in userEntries {
            guard let memberOf = entry.attributes["memberof"], !memberOf.isEmpty,
                  let userIndex = userIndexByDN[DN.normalise(entry.dn)] else { continue }
            for dn in memberOf {
                if let groupIndex = groupIndexByDN[DN.normalise(dn)] { direct[userIndex].append(groupIndex) }
            }
        }

        // Effective memberships: every group reachable upwards from a direct one (cycle-safe).
        var ancestors: [Int: [Int]] = [:]
        func closure(of group: Int) -> [Int] {
            if let known = ancestors[group] { return known }
            var seen: Set<Int> = [group]
            var stack = [group]
            while let next = stack.popLast() {
                for parent in parentsOfGroup[next] where seen.insert(parent).inserted {
                    stack.append(parent)
                }
            }
            let reached = Array(seen)
            ancestors[group] = reached
            return reached
        }
        for index in users.indices where !direct[index].isEmpty {
            let directGroups = Set(direct[index]).sorted()
            var effective = Set<Int>()
            for group in directGroups { effective.formUnion(closure(of: group)) }
            users[index].groups = directGroups.map { groups[$0].dn }
            users[index].effectiveGroups = effective.sorted().map { groups[$0].dn }
        }

        users.sort { $0.id < $1.id }
        return DirectorySnapshot(users: users, groups: groups, source: source)
    }

    private func isDisabled(_ entry: DirectoryEntry) -> Bool {
        switch config.profile {
        case .activeDirectory:
            if let raw = entry.first("userAccountControl"), let flags = Int(raw) {
                return flags & 0x2 != 0
            }
            return false
        case .openldap:
            guard let attribute = config.attributes.disabled else { return false }
            let values = entry.values(attribute)
            guard let value = values.first else { return false }
            return !(value.uppercased() == "FALSE" || value == "0")
        }
    }
}

/// Decoding of directory value syntaxes.
public enum DirectoryValues {
    /// A date from generalized time (`20261231235959Z`), `YYYY-MM-DD`, or AD FILETIME
    /// (100 ns since 1601-01-01; 0 and 0x7FFFFFFFFFFFFFFF mean never).
    public static func date(_ raw: String) -> (day: Day?, never: Bool)? {
        let text = raw.trimmingCharacters(in: .whitespaces)
        if let day = Day(iso: text) { return (day, false) }
        let bytes = Array(text.utf8)
        let isDigit: (UInt8) -> Bool = { $0 >= 0x30 && $0 <= 0x39 }
        if bytes.count >= 10, bytes.prefix(10).allSatisfy(isDigit), bytes.count < 15 || !bytes.allSatisfy(isDigit) {
            // Generalized time: YYYYMMDDHH[MM[SS]][.fraction][Z|±hhmm].
            let number = { (range: Range<Int>) in Int(String(decoding: bytes[range], as: UTF8.self))! }
            guard let day = Day(year: number(0..<4), month: number(4..<6), day: number(6..<8)) else { return nil }
            let hour = number(8..<10)
            var index = 10
            var minute = 0, second = 0
            if index + 2 <= bytes.count, bytes[index..<index + 2].allSatisfy(isDigit) {
                minute = number(index..<index + 2)
                index += 2
                if index + 2 <= bytes.count, bytes[index..<index + 2].allSatisfy(isDigit) {
                    second = number(index..<index + 2)
                    index += 2
                }
            }
            if index < bytes.count, bytes[index] == UInt8(ascii: ".") || bytes[index] == UInt8(ascii: ",") {
                index += 1
                while index < bytes.count, isDigit(bytes[index]) { index += 1 }
            }
            if index == bytes.count { return (day, false) }  // local time: the date as written
            var offset = 0
            if bytes[index] == UInt8(ascii: "Z"), index + 1 == bytes.count {
                offset = 0
            } else if bytes[index] == UInt8(ascii: "+") || bytes[index] == UInt8(ascii: "-"), index + 5 == bytes.count,
                      bytes[(index + 1)...].allSatisfy(isDigit) {
                let sign = bytes[index] == UInt8(ascii: "-") ? -1 : 1
                offset = sign * (number(index + 1..<index + 3) * 3600 + number(index + 3..<index + 5) * 60)
            } else {
                return nil
            }
            let utc = day.ordinal * 86_400 + hour * 3600 + minute * 60 + second - offset
            return (Day(date: Date(timeIntervalSince1970: TimeInterval(utc)), in: .organisation), false)
        }
        if bytes.allSatisfy(isDigit), bytes.count >= 15 || text == "0", let ticks = UInt64(text) {
            if ticks == 0 || ticks == 0x7FFF_FFFF_FFFF_FFFF { return (nil, true) }
            return (filetime(ticks), false)
        }
        return nil
    }

    /// The organisation's calendar date of an AD FILETIME.
    public static func filetime(_ ticks: UInt64) -> Day {
        let secondsSince1601 = Double(ticks) / 10_000_000
        let unix = secondsSince1601 - 11_644_473_600
        return Day(date: Date(timeIntervalSince1970: unix), in: .organisation)
    }
}
