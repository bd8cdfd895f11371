import Foundation

/// Who each person is to the handbook: leaver, external, and the job roles they match.
extension ReconcileState {
    // MARK: Identities

    mutating func evaluateIdentities() {
        // Positions, not copies, of the HR records.
        let records = input.hr?.records ?? []
        var hrById: [String: Int] = [:]
        hrById.reserveCapacity(records.count)
        for (index, record) in records.enumerated() { hrById[record.employeeId.matchKey] = index }
        // The snapshot has its users in id order already; sorting would copy them all.
        let given = input.directory.users
        let users =
            given.indices.dropFirst().allSatisfy({ given[$0 - 1].id < given[$0].id })
            ? given : given.sorted { $0.id < $1.id }
        // Each person on their own, on every core.
        let state = self
        identities = Parallel.map(users.count) { [hrById] index in
            state.evaluate(
                users[index], hr: users[index].employeeId.flatMap { hrById[$0.matchKey] }.map { records[$0] })
        }
        indexById.reserveCapacity(identities.count)
        for (index, identity) in identities.enumerated() { indexById[identity.user.id] = index }
        holdsLines = Array(repeating: false, count: identities.count)
        persons = identities.map {
            LinePerson(name: $0.user.name, title: $0.user.title, department: $0.user.department)
        }
        releaseUsersAndRecords()
    }

    func evaluate(_ user: DirectoryUser, hr: HRRecord?) -> IdentityState {
        let endDate = [hr?.endDate, user.endDate].compactMap { $0 }.min()
        let leaverReasons = handbook.leaverWhen.filter { holds($0, user: user, endDate: endDate) }
        let isLeaver = !leaverReasons.isEmpty
        // The earliest known: HR end date, directory end date, or the run that first saw the account disabled.
        let firstDisabled = user.disabled ? input.history.firstSeenDisabled[user.id] : nil
        let leaverDate: Day? =
            isLeaver ? [endDate.flatMap { $0 <= asOf ? $0 : nil }, firstDisabled].compactMap { $0 }.min() : nil
        let isExternal = handbook.externalWhen.contains { holds($0, user: user, endDate: endDate) }
        var jobRoles: [(String, String)] = []
        // Match keys once per person, not once per job role and pattern.
        let keys = MatchKeys(
            title: (user.title ?? hr?.title)?.matchKey, department: (user.department ?? hr?.department)?.matchKey,
            employeeType: user.employeeType?.matchKey)
        for jobRole in handbook.jobRoles {
            if let why = matchReason(jobRole, user: user, hr: hr, keys: keys) { jobRoles.append((jobRole.id, why)) }
        }
        return IdentityState(
            user: user, hr: hr, endDate: endDate, isLeaver: isLeaver, leaverReasons: leaverReasons,
            leaverDate: leaverDate, isExternal: isExternal, jobRoles: jobRoles)
    }

    func holds(_ condition: IdentityCondition, user: DirectoryUser, endDate: Day?) -> Bool {
        switch condition {
        case .disabled: return user.disabled
        case .endDatePassed: return endDate.map { $0 < asOf } ?? false
        case .dnUnder(let base): return DN.isUnder(user.dn, base: base)
        case .group(let dn): return user.effectiveGroups.contains { DN.normalise($0) == DN.normalise(dn) }
        case .attribute(let name, let patterns):
            let value: String?
            switch name {
            case "title": value = user.title
            case "department": value = user.department
            case "employee_type": value = user.employeeType
            case "email": value = user.email
            default: value = user.name
            }
            guard let value else { return false }
            return patterns.contains { $0.matches(value) }
        }
    }

    /// Why a job role matches, or nil. Every attribute of `match` must hold.
    struct MatchKeys {
        var title: String?
        var department: String?
        var employeeType: String?
    }

    func matchReason(_ jobRole: Handbook.JobRole, user: DirectoryUser, hr: HRRecord?, keys: MatchKeys) -> String? {
        var reasons: [String] = []
        for (attribute, patterns) in jobRole.match {
            switch attribute {
            case .title, .department, .employeeType:
                let value: String?, key: String?
                switch attribute {
                case .title: (value, key) = (user.title ?? hr?.title, keys.title)
                case .department: (value, key) = (user.department ?? hr?.department, keys.department)
                default: (value, key) = (user.employeeType, keys.employeeType)
                }
                guard let value, let key, let pattern = patterns.first(where: { $0.matches(key: key) }) else {
                    return nil
                }
                reasons.append("\(attribute.rawValue) '\(value)' ~ '\(pattern)'")
            case .group:
                guard let group = user.effectiveGroups.first(where: { dn in patterns.contains { $0.matches(dn) } })
                else { return nil }
                reasons.append("group \(group)")
            case .dnUnder:
                guard let pattern = patterns.first(where: { DN.isUnder(user.dn, base: $0.pattern) }) else { return nil }
                reasons.append("dn under \(pattern)")
            }
        }
        return reasons.joined(separator: "; ")
    }

    func eligible(_ id: String, for person: String?) -> Bool {
        guard id != person, let index = indexById[id] else { return false }
        return !identities[index].isLeaver
    }
}
