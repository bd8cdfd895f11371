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
        var streaming = Streaming(config: config)
        let classify = try classifier()
        for entry in entries { streaming.add(entry, as: classify(entry)) }
        return try streaming.finish(source: source)
    }

    public enum Kind: Sendable { case user, group, other }

    /// Tells users from groups by base and filter, as the server would.
    public func classifier() throws -> @Sendable (DirectoryEntry) -> Kind {
        let userFilter = try LDAPFilter.parse(config.users.filter)
        let groupFilter = try LDAPFilter.parse(config.groups.filter)
        let config = self.config
        return { entry in
            if DN.isUnder(entry.dn, base: config.groups.base), groupFilter.matches(entry) { return .group }
            if DN.isUnder(entry.dn, base: config.users.base), userFilter.matches(entry) { return .user }
            return .other
        }
    }

    /// The builder fed one entry at a time. When the groups come first (`groupsComplete`),
    /// each user is complete, nested memberships and all, when it arrives, so that a directory
    /// read over the network is built while it arrives; users that come before the groups
    /// (an LDIF file in any order) get their memberships when the groups are complete.
    /// Managers (a DN that may name a later user) and posixGroup `memberUid` (a uid of a later
    /// user) wait for `finish`.
    public struct Streaming: Sendable {
        let builder: DirectoryBuilder
        let attrs: AttributeMap
        /// Where a user's attributes are in the entries' layouts, by `UserField`.
        private var userSlots: AttributeLayout.Slots
        /// Where a group's attributes are, by `GroupField`.
        private var groupSlots = AttributeLayout.Slots(GroupField.allCases.map(\.attribute))
        /// Line (LDIF) and message of each bad user; the source is named at the end.
        private var problems: [(line: Int?, message: String)] = []
        private var users: [DirectoryUser] = []
        private var userIndexByDN: [String: Int] = [:]
        /// Users whose manager had not arrived when they did: resolved in `finish`.
        private var managerPending: [Int] = []
        private var userIndexById: [String: Int] = [:]
        /// Each user's `uid`, for posixGroup `memberUid` (indexed in `finish` only if a group has one).
        private var uidOfUser: [String?] = []
        private var directOfUser: [[Int]] = []
        private var groupEntries: [DirectoryEntry] = []
        private var groups: [DirectoryGroup] = []
        private var groupIndexByDN: [String: Int] = [:]
        /// The groups of each member that is not a group, by normalised DN: one group as its
        /// index, several as `-1 - n`, `n` indexing `memberGroupLists`. Most members are in one.
        private var groupsOfMember: [String: Int] = [:]
        private var memberGroupLists: [[Int]] = []
        /// Memberships worked out, by sorted direct groups: users in the same groups share them.
        private var membershipsByDirect: [[Int]: (groups: [String], effective: [String])] = [:]
        private var parentsOfGroup: [[Int]] = []
        private var memberUids: [(group: Int, uid: String)] = []
        private var ancestors: [Int: [Int]] = [:]
        private var groupsDone = false
        /// Users added before the groups were complete: their normalised DN and memberOf values.
        private var waiting: [(user: Int, key: String, memberOf: [String])] = []

        private enum UserField: Int, CaseIterable {
            case id, employeeId, name, email, title, department, manager, employeeType, endDate, disabled, uid, memberOf
        }

        private enum GroupField: Int, CaseIterable {
            case cn, member, uniqueMember, memberUid
            var attribute: String { ["cn", "member", "uniquemember", "memberuid"][rawValue] }
        }

        public init(config: DirectoryConfig) {
            builder = DirectoryBuilder(config: config)
            let attrs = config.attributes.lowercased()
            self.attrs = attrs
            let disabled = config.profile == .activeDirectory ? "useraccountcontrol" : attrs.disabled
            let names: [UserField: String?] = [
                .id: attrs.id, .employeeId: attrs.employeeId, .name: attrs.name, .email: attrs.email,
                .title: attrs.title,
                .department: attrs.department, .manager: attrs.manager, .employeeType: attrs.employeeType,
                .endDate: attrs.endDate, .disabled: disabled, .uid: "uid", .memberOf: "memberof",
            ]
            userSlots = AttributeLayout.Slots(UserField.allCases.map { names[$0]! ?? "" })
        }

        public mutating func add(_ entry: DirectoryEntry, as kind: Kind) {
            switch kind {
            case .user: addUser(entry)
            case .group: addGroup(entry)
            case .other: break
            }
        }

        public mutating func addGroup(_ entry: DirectoryEntry) {
            precondition(!groupsDone, "a group after groupsComplete()")
            groupEntries.append(entry)
        }

        /// Every group is in: index them in DN order, link nested groups, and give the users
        /// that came first their memberships.
        public mutating func groupsComplete() {
            guard !groupsDone else { return }
            groupsDone = true
            groupEntries.sort { $0.dn < $1.dn }
            for entry in groupEntries {
                let at = groupSlots.positions(in: entry)
                func values(_ field: GroupField) -> ArraySlice<String> {
                    at[field.rawValue].map { entry.values(at: $0) } ?? []
                }
                groupIndexByDN[DN.normalise(entry.dn)] = groups.count
                groups.append(
                    DirectoryGroup(
                        dn: entry.dn, name: values(.cn).first ?? entry.dn,
                        members: Self.uniqueSorted(Array(values(.member) + values(.uniqueMember)))))
                for uid in values(.memberUid) { memberUids.append((groups.count - 1, uid.matchKey)) }
            }
            parentsOfGroup = Array(repeating: [], count: groups.count)
            groupsOfMember.reserveCapacity(groups.reduce(0) { $0 + $1.members.count })
            for index in groups.indices {
                for member in groups[index].members {
                    let key = DN.normalise(member)
                    if let child = groupIndexByDN[key] {
                        parentsOfGroup[child].append(index)
                    } else if let known = groupsOfMember[key] {
                        if known >= 0 {
                            groupsOfMember[key] = -1 - memberGroupLists.count
                            memberGroupLists.append([known, index])
                        } else {
                            memberGroupLists[-1 - known].append(index)
                        }
                    } else {
                        groupsOfMember[key] = index
                    }
                }
            }
            groupEntries = []
            for (user, key, memberOf) in waiting { resolveMemberships(of: user, key: key, memberOf: memberOf[...]) }
            waiting = []
        }

        /// The groups a user is directly in: those that list the user's DN as a member, and those
        /// of `memberOf` (servers with the memberof overlay, AD); sorted, each once.
        private func directGroups(key: String, memberOf: ArraySlice<String>) -> [Int] {
            var direct: [Int] = []
            if let known = groupsOfMember[key] {
                if known >= 0 { direct.append(known) } else { direct = memberGroupLists[-1 - known] }
            }
            for dn in memberOf {
                if let group = groupIndexByDN[DN.normalise(dn)] { direct.append(group) }
            }
            guard direct.count > 1 else { return direct }
            direct.sort()
            var unique = 0
            for group in direct where unique == 0 || direct[unique - 1] != group {
                direct[unique] = group
                unique += 1
            }
            direct.removeLast(direct.count - unique)
            return direct
        }

        /// Gives a user who came before the groups their memberships.
        private mutating func resolveMemberships(of user: Int, key: String, memberOf: ArraySlice<String>) {
            let direct = directGroups(key: key, memberOf: memberOf)
            guard !direct.isEmpty else { return }
            directOfUser[user] = direct
            (users[user].groups, users[user].effectiveGroups) = memberships(direct: direct)
        }

        public mutating func addUser(_ entry: DirectoryEntry) {
            let line = entry.line == 0 ? nil : entry.line
            let at = userSlots.positions(in: entry)
            func values(_ field: UserField) -> ArraySlice<String> {
                at[field.rawValue].map { entry.values(at: $0) } ?? []
            }
            func value(_ field: UserField) -> String? { values(field).first.flatMap(Text.clean) }
            guard let id = value(.id) else {
                problems.append((line, "the user \(entry.dn) has no '\(attrs.id)' attribute (the identity id)"))
                return
            }
            let idKey = id.matchKey
            if let other = userIndexById[idKey] {
                problems.append((line, "the identity id '\(id)' is used by both \(users[other].dn) and \(entry.dn)"))
                return
            }
            let endDate: Day?
            if let attribute = attrs.endDate, let raw = values(.endDate).first {
                guard let parsed = DirectoryValues.date(raw) else {
                    problems.append(
                        (
                            line,
                            "\(entry.dn): '\(attribute): \(raw)' is not a date (generalized time, YYYY-MM-DD or FILETIME)"
                        ))
                    return
                }
                endDate = parsed.never ? nil : parsed.day
            } else {
                endDate = nil
            }
            let key = DN.normalise(entry.dn)
            if let other = userIndexByDN[key] {
                problems.append(
                    (line, "the DN \(entry.dn) is given twice (also for the identity id '\(users[other].id)')"))
                return
            }
            let index = users.count
            // Managers usually come before their staff: most are resolved here, as they arrive.
            let managerDN = value(.manager)
            var manager: String?
            if let managerDN {
                if let known = userIndexByDN[DN.normalise(managerDN)] {
                    manager = users[known].id
                } else {
                    managerPending.append(index)
                }
            }
            var direct: [Int] = [], memberships: (groups: [String], effective: [String]) = ([], [])
            if groupsDone {
                direct = directGroups(key: key, memberOf: values(.memberOf))
                if !direct.isEmpty { memberships = self.memberships(direct: direct) }
            } else {
                waiting.append((index, key, Array(values(.memberOf))))  // not a slice: that would keep the whole entry
            }
            users.append(
                DirectoryUser(
                    dn: entry.dn, id: id, employeeId: value(.employeeId), name: value(.name), email: value(.email),
                    title: value(.title), department: value(.department), manager: manager, managerDN: managerDN,
                    employeeType: value(.employeeType), disabled: builder.isDisabled(values(.disabled).first),
                    endDate: endDate,
                    groups: memberships.groups, effectiveGroups: memberships.effective))
            userIndexById[idKey] = index
            userIndexByDN[key] = index
            uidOfUser.append(values(.uid).first)
            directOfUser.append(direct)
        }

        /// Resolves managers and posixGroup members; the users sorted by id.
        public mutating func finish(source: String) throws -> DirectorySnapshot {
            groupsComplete()
            if !problems.isEmpty {
                throw DiagnosticList(problems.map { Diagnostic(file: source, line: $0.line, $0.message) })
            }
            for index in managerPending {
                if let managerDN = users[index].managerDN, let manager = userIndexByDN[DN.normalise(managerDN)] {
                    users[index].manager = users[manager].id
                }
            }
            // posixGroup: memberUid names a user by uid, who becomes a member.
            var changed: [Int: [String]] = [:]
            var userIndexByUid: [String: Int] = [:]
            if !memberUids.isEmpty {
                for (index, uid) in uidOfUser.enumerated() { if let uid { userIndexByUid[uid.matchKey] = index } }
            }
            for (group, uid) in memberUids {
                guard let user = userIndexByUid[uid] else { continue }
                changed[group, default: groups[group].members].append(users[user].dn)
                if !directOfUser[user].contains(group) {
                    directOfUser[user].append(group)
                    directOfUser[user].sort()
                }
                (users[user].groups, users[user].effectiveGroups) = memberships(direct: directOfUser[user])
            }
            for (group, members) in changed { groups[group].members = Self.uniqueSorted(members) }
            users.sort { $0.id < $1.id }
            return DirectorySnapshot(users: users, groups: groups, source: source)
        }

        /// The DNs of the direct groups (sorted indices, each once) and of every group reachable
        /// upwards from them (cycle-safe), in DN order.
        private mutating func memberships(direct: [Int]) -> (groups: [String], effective: [String]) {
            if let known = membershipsByDirect[direct] { return known }
            var effective = Set<Int>()
            for group in direct { effective.formUnion(closure(of: group)) }
            let result = (direct.map { groups[$0].dn }, effective.sorted().map { groups[$0].dn })
            membershipsByDirect[direct] = result
            return result
        }

        private mutating func closure(of group: Int) -> [Int] {
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

        private static func uniqueSorted(_ members: [String]) -> [String] {
            var unique: [String] = []
            unique.reserveCapacity(members.count)
            for dn in members.sorted() where !dn.isEmpty && unique.last != dn { unique.append(dn) }
            return unique
        }
    }

    /// Whether a user is disabled, from the profile's attribute (AD: `userAccountControl`
    /// bit 0x2; OpenLDAP: the configured attribute, such as ppolicy's `pwdAccountLockedTime`).
    func isDisabled(_ value: String?) -> Bool {
        guard let value else { return false }
        switch config.profile {
        case .activeDirectory:
            guard let flags = Int(value) else { return false }
            return flags & 0x2 != 0
        case .openldap:
            guard config.attributes.disabled != nil else { return false }
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
                bytes[(index + 1)...].allSatisfy(isDigit)
            {
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
