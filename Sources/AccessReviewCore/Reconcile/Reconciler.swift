import Foundation

/// The heart of accessreview: a pure function from directory, HR, exports, handbook and
/// `as_of` to access lines, findings and reviewers. Deterministic: the same inputs in any
/// order give the same result.
public struct Reconciler: Sendable {
    public var input: ReconcileInput

    public init(_ input: ReconcileInput) { self.input = input }

    /// Consuming, so that the state holds the only copy of the input and can free the
    /// accounts after correlation (`releaseInputsWhenUsed`).
    public consuming func run() throws -> ReconcileResult {
        let input = self.input
        _ = consume self
        let file = input.handbook.file, fallbackLine = input.handbook.fallbackLine
        var state = State(input: consume input)
        state.evaluateIdentities()
        state.computeRoutes()
        try state.correlateAndCheckAccounts()
        state.indexLineOwners()
        state.checkIdentities()
        state.checkExports()
        let result = state.finish()
        let unrouted = Set(result.lines.filter { $0.reviewer.isEmpty }.map { $0.identity ?? "\($0.system)/\($0.account)" })
        if !unrouted.isEmpty {
            throw DiagnosticList([Diagnostic(file: file, line: fallbackLine,
                                             "no eligible reviewer for the access of \(unrouted.sorted().joined(separator: ", ")): every fallback is the person themselves or a leaver; add another id to reviewers.fallback")])
        }
        return result
    }
}

// MARK: - Working state

private struct State {
    var input: ReconcileInput
    let handbook: Handbook
    let asOf: Day
    let messages: Messages
    var identities: [IdentityState] = []
    var indexById: [String: Int] = [:]
    var lines: [AccessLine] = []
    var findings: [Finding] = []
    /// Per identity index: the roles it holds that some SoD rule names (the only ones SoD needs).
    var heldRoles: [Int: Set<RoleKey>] = [:]
    /// Per identity index: whether it has any access line.
    var holdsLines: [Bool] = []
    /// Per identity index: the routed reviewer and whether the fallback was used (`computeRoutes`).
    var routes: [Route] = []
    /// Lookups built once: exceptions by identity, grants by job role.
    let exceptionsByIdentity: [String: [Handbook.ExceptionGrant]]
    let grantsByJobRole: [String: Set<RoleKey>]
    let birthright: Set<RoleKey>
    /// Per line: the identity index, or -1 (lines are appended in merge order).
    var lineOwners: [Int32] = []
    /// Each identity's lines, in line order: `ownedLines[ownedStart[i]..<ownedStart[i + 1]]`
    /// (one flat array rather than an array per identity; made by `indexLineOwners`).
    var ownedStart: [Int32] = []
    var ownedLines: [Int32] = []
    /// Per identity index: what its lines show of the person.
    var persons: [LinePerson] = []
    let sodRoles: Set<RoleKey>

    struct Route {
        var reviewer: String
        var fallback: Bool
        var why: String
    }

    init(input: ReconcileInput) {
        self.input = input
        self.handbook = input.handbook
        self.asOf = input.asOf
        self.messages = Messages(input.language)
        exceptionsByIdentity = Dictionary(grouping: input.handbook.exceptions, by: \.identity)
        grantsByJobRole = Dictionary(input.handbook.jobRoles.map { ($0.id, Set($0.grants)) }, uniquingKeysWith: { $0.union($1) })
        birthright = Set(input.handbook.birthright)
        sodRoles = Set(input.handbook.sod.flatMap(\.roles))
    }

    // MARK: Identities

    mutating func evaluateIdentities() {
        // Positions, not copies, of the HR records.
        let records = input.hr?.records ?? []
        var hrById: [String: Int] = [:]
        hrById.reserveCapacity(records.count)
        for (index, record) in records.enumerated() { hrById[record.employeeId.matchKey] = index }
        // The snapshot has its users in id order already; sorting would copy them all.
        let given = input.directory.users
        let users = given.indices.dropFirst().allSatisfy({ given[$0 - 1].id < given[$0].id }) ? given : given.sorted { $0.id < $1.id }
        // Each person on their own, on every core.
        let shared = UncheckedSendable((self, users, hrById, records))
        identities = Parallel.map(users.count) { index in
            let (state, users, hrById, records) = (shared.value.0, shared.value.1, shared.value.2, shared.value.3)
            return state.evaluate(users[index], hr: users[index].employeeId.flatMap { hrById[$0.matchKey] }.map { records[$0] })
        }
        indexById.reserveCapacity(identities.count)
        for (index, identity) in identities.enumerated() { indexById[identity.user.id] = index }
        holdsLines = Array(repeating: false, count: identities.count)
        persons = identities.map { LinePerson(name: $0.user.name, title: $0.user.title, department: $0.user.department) }
        if input.releaseInputsWhenUsed {
            input.directory.users = []
            input.hr?.records = []
            MemoryRelease.trim()
        }
    }

    func evaluate(_ user: DirectoryUser, hr: HRRecord?) -> IdentityState {
        let endDate = [hr?.endDate, user.endDate].compactMap { $0 }.min()
        let leaverReasons = handbook.leaverWhen.filter { holds($0, user: user, endDate: endDate) }
        let isLeaver = !leaverReasons.isEmpty
        // The earliest known: HR end date, directory end date, or the run that first saw the account disabled.
        let firstDisabled = user.disabled ? input.history.firstSeenDisabled[user.id] : nil
        let leaverDate: Day? = isLeaver ? [endDate.flatMap { $0 <= asOf ? $0 : nil }, firstDisabled].compactMap { $0 }.min() : nil
        let isExternal = handbook.externalWhen.contains { holds($0, user: user, endDate: endDate) }
        var jobRoles: [(String, String)] = []
        // Match keys once per person, not once per job role and pattern.
        let keys = MatchKeys(title: (user.title ?? hr?.title)?.matchKey, department: (user.department ?? hr?.department)?.matchKey,
                             employeeType: user.employeeType?.matchKey)
        for jobRole in handbook.jobRoles {
            if let why = matchReason(jobRole, user: user, hr: hr, keys: keys) { jobRoles.append((jobRole.id, why)) }
        }
        return IdentityState(user: user, hr: hr, endDate: endDate, isLeaver: isLeaver, leaverReasons: leaverReasons,
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
                guard let value, let key, let pattern = patterns.first(where: { $0.matches(key: key) }) else { return nil }
                reasons.append("\(attribute.rawValue) '\(value)' ~ '\(pattern)'")
            case .group:
                guard let group = user.effectiveGroups.first(where: { dn in patterns.contains { $0.matches(dn) } }) else { return nil }
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

    // MARK: Routing

    /// The reviewer of each person's lines: manager (or substitute), climbing past the person
    /// themselves, leavers, unknown managers and cycles; the fallback at the top. Each climb
    /// reads the identities only, so they run on every core.
    mutating func computeRoutes() {
        let shared = UncheckedSendable(self)
        routes = Parallel.map(identities.count) { index in
            let user = shared.value.identities[index].user
            return shared.value.climb(from: user.manager, person: user.id, missingManager: user.managerDN)
        }
    }

    func route(_ index: Int) -> Route { routes[index] }

    func climb(from start: String?, person: String?, missingManager: String?) -> Route {
        let da = messages.language == .da
        var visited: Set<String> = []
        var current = start
        var why = start == nil
            ? (missingManager.map { da ? "lederen \($0) findes ikke i kataloget" : "manager \($0) is not in the directory" }
                ?? (da ? "ingen leder angivet" : "no manager set"))
            : ""
        while let candidate = current {
            if candidate == person {
                why = da ? "lederkæden fører tilbage til personen selv" : "the manager chain leads back to the person"
                break
            }
            if !visited.insert(candidate).inserted {
                why = da ? "ring i lederkæden" : "cycle in the manager chain"
                break
            }
            guard let index = indexById[candidate] else {
                why = da ? "lederen \(candidate) findes ikke" : "manager \(candidate) not found"
                break
            }
            if let substitute = activeSubstitute(for: candidate), eligible(substitute, for: person) {
                return Route(reviewer: substitute, fallback: false, why: "")
            }
            if eligible(candidate, for: person) { return Route(reviewer: candidate, fallback: false, why: "") }
            why = da ? "lederen \(candidate) er fratrådt" : "manager \(candidate) is a leaver"
            current = identities[index].user.manager
        }
        return Route(reviewer: fallbackReviewer(for: person), fallback: true, why: why)
    }

    func activeSubstitute(for manager: String) -> String? {
        handbook.substitutes.first { $0.manager == manager && ($0.until.map { $0 >= asOf } ?? true) }?.substitute
    }

    /// The first fallback who is not the person and not a leaver; empty when there is none,
    /// which `finish()` reports as a configuration error.
    func fallbackReviewer(for person: String?) -> String {
        handbook.fallbacks.first { eligible($0, for: person) } ?? ""
    }

    // MARK: Accounts

    mutating func correlateAndCheckAccounts() throws {
        // Identity indices for each attribute a mapping may correlate on.
        // Only the attributes some mapping correlates on are indexed.
        let used = Set(input.mappings.values.flatMap { $0.correlate.map(\.identity) })
        var byAttribute: [SystemMapping.CorrelateRule.IdentityAttribute: IdentityIndex] = [:]
        for attribute in SystemMapping.CorrelateRule.IdentityAttribute.allCases where used.contains(attribute) {
            var index = IdentityIndex(attribute: attribute)
            index.first.reserveCapacity(identities.count)
            for i in identities.indices {
                if let value = IdentityIndex.value(of: identities[i].user, attribute) { index.add(value.matchKey, i) }
            }
            byAttribute[attribute] = index
        }

        // Each export is checked on its own, on every core, into an outcome of its own; the
        // outcomes are merged in system order, so the result does not depend on the timing.
        var exports = input.exports.sorted(by: { $0.system < $1.system })
        // Each task takes its export's accounts from a slot; when the reconciler holds the
        // only copy (`releaseInputsWhenUsed`), they are freed as soon as checked.
        let accounts = ResultSlots<[Account]>(count: exports.count)
        for position in exports.indices {
            accounts.set(position, .success(exports[position].accounts))
            exports[position].accounts = []
        }
        if input.releaseInputsWhenUsed {
            for index in input.exports.indices { input.exports[index].accounts = [] }
        }
        let outcomes = ResultSlots<ExportOutcome>(count: exports.count)
        let shared = UncheckedSendable(self), index = UncheckedSendable(byAttribute)
        let metadata = exports
        DispatchQueue.concurrentPerform(iterations: metadata.count) { position in
            guard case .success(let list)? = accounts.take(position) else { return }
            var outcome = ExportOutcome()
            shared.value.check(metadata[position], accounts: list, byAttribute: index.value, into: &outcome)
            outcomes.set(position, .success(outcome))
            // The accounts are gone once `list` is: their pages go back before the next export's lines grow.
            if shared.value.input.releaseInputsWhenUsed { MemoryRelease.trim() }
        }
        var total = lines.count
        for case .success(let outcome)? in outcomes.values { total += outcome.lines.count }
        lines.reserveCapacity(total)
        for index in exports.indices {
            if case .success(let outcome)? = outcomes.take(index) { merge(outcome) }
            // The outcome's lines are copied and it is gone: hand its pages back before the next.
            if input.releaseInputsWhenUsed { MemoryRelease.trim() }
        }
    }

    /// What one export contributes to the result.
    struct ExportOutcome {
        var lines: [AccessLine] = []
        /// Per line: the identity index, or -1.
        var lineIdentities: [Int32] = []
        var findings: [Finding] = []
        /// Identity indices that hold a line, and roles held that an SoD rule names.
        var holders: [Int] = []
        var sodHeld: [(identity: Int, role: RoleKey)] = []
    }

    mutating func merge(_ outcome: ExportOutcome) {
        lineOwners.append(contentsOf: outcome.lineIdentities)
        lines.append(contentsOf: outcome.lines)
        findings.append(contentsOf: outcome.findings)
        for identity in outcome.holders { holdsLines[identity] = true }
        for (identity, role) in outcome.sodHeld { heldRoles[identity, default: []].insert(role) }
    }

    func check(_ export: SystemExport, accounts: [Account], byAttribute: [SystemMapping.CorrelateRule.IdentityAttribute: IdentityIndex],
               into out: inout ExportOutcome) {
        guard let mapping = input.mappings[export.system] else { return }
        var services: [String: SystemMapping.ServiceAccount] = [:]
        for service in mapping.serviceAccounts { services[service.account.matchKey] = service }
        var unknownRoles: [RoleKey: Int] = [:]
        let ownerRoute = systemOwnerRoute(export)

        for account in accounts {
            let inactive = account.status == .disabled || (account.validTo.map { $0 < asOf } ?? false)
            if inactive { continue }
            let roleKeys = account.roles.map { RoleKey(system: export.system, role: $0) }
            for key in roleKeys where handbook.roles[key] == nil { unknownRoles[key, default: 0] += 1 }

            if let service = services[account.account.matchKey] {
                checkService(service, account: account, export: export, into: &out)
                continue
            }

            // Correlation: each rule in order; the first that matches decides.
            var matched: Int?
            var ambiguous: (field: String, candidates: [Int])?
            for rule in mapping.correlate {
                let value = rule.field == "account" ? account.account : account.keys[rule.field]
                guard let value, !value.matchKey.isEmpty else { continue }
                let candidates = byAttribute[rule.identity]?.candidates(value.matchKey, in: identities) ?? []
                if candidates.count == 1 {
                    matched = candidates[0]
                    break
                }
                if candidates.count > 1 {
                    ambiguous = (rule.field, candidates)
                    break
                }
            }

            if let ambiguous {
                let names = ambiguous.candidates.map { identities[$0].user.id }.sorted()
                out.findings.append(Finding(code: .ambiguousMatch, system: export.system, account: account.account,
                                            rule: rule(.ambiguousMatch, default: "correlate"), reviewer: ownerRoute.reviewer,
                                            detail: messages.ambiguous(candidates: names, field: ambiguous.field)))
                addOwnerRoutedLines(account: account, export: export, route: ownerRoute, codes: [.ambiguousMatch], into: &out)
                continue
            }
            guard let index = matched else {
                let keys = account.keys.map { "\($0.name)=\($0.value)" }.joined(separator: ", ")
                out.findings.append(Finding(code: .orphanAccount, system: export.system, account: account.account,
                                            rule: rule(.orphanAccount, default: "correlate"), reviewer: ownerRoute.reviewer,
                                            detail: messages.orphan(system: export.system, keys: keys.isEmpty ? account.account : keys)))
                addOwnerRoutedLines(account: account, export: export, route: ownerRoute, codes: [.orphanAccount], into: &out)
                continue
            }
            checkPersonalAccount(index: index, account: account, export: export, roleKeys: roleKeys, into: &out)
        }

        for (role, count) in unknownRoles.sorted(by: { $0.key < $1.key }) {
            out.findings.append(Finding(code: .unknownRole, system: export.system, role: role.role,
                                        rule: rule(.unknownRole, default: "roles"), reviewer: ownerRoute.reviewer,
                                        detail: messages.unknownRole(role: role, accounts: count)))
        }
    }

    /// The route for lines that belong to no person: the system owner, else the fallback.
    func systemOwnerRoute(_ export: SystemExport) -> Route {
        if let owner = export.owner, eligible(owner, for: nil) { return Route(reviewer: owner, fallback: false, why: "") }
        let why = export.owner.map { messages.language == .da ? "systemejeren \($0) er fratrådt eller ukendt" : "system owner \($0) is a leaver or unknown" }
            ?? (messages.language == .da ? "systemet har ingen ejer" : "the system has no owner")
        return Route(reviewer: fallbackReviewer(for: nil), fallback: true, why: why)
    }

    func addOwnerRoutedLines(account: Account, export: SystemExport, route: Route, codes: [FindingCode], into out: inout ExportOutcome) {
        var codes = codes
        if route.fallback {
            codes.append(.noReviewer)
            out.findings.append(Finding(code: .noReviewer, system: export.system, account: account.account,
                                        rule: rule(.noReviewer, default: "reviewers.fallback"), reviewer: route.reviewer,
                                        detail: messages.noReviewer(fallback: route.reviewer, why: route.why)))
        }
        for role in account.roles {
            let key = RoleKey(system: export.system, role: role)
            var lineCodes = codes
            if handbook.roles[key] == nil { lineCodes.append(.unknownRole) }
            appendLine(identity: nil, account: account, export: export, role: role, ground: .none, codes: lineCodes, reviewer: route.reviewer,
                       into: &out)
        }
    }

    func checkService(_ service: SystemMapping.ServiceAccount, account: Account, export: SystemExport, into out: inout ExportOutcome) {
        var codes: [FindingCode] = []
        let ownerIndex = indexById[service.owner]
        let route: Route
        if let ownerIndex, !identities[ownerIndex].isLeaver {
            route = Route(reviewer: service.owner, fallback: false, why: "")
        } else {
            codes.append(.serviceOwnerInactive)
            out.findings.append(Finding(code: .serviceOwnerInactive, system: export.system, account: account.account,
                                    rule: rule(.serviceOwnerInactive, default: "service_accounts"),
                                    reviewer: nil,
                                    detail: messages.serviceOwnerInactive(owner: service.owner, known: ownerIndex != nil, reason: service.reason)))
            route = climb(from: ownerIndex.flatMap { identities[$0].user.manager }, person: nil, missingManager: nil)
            out.findings[out.findings.count - 1].reviewer = route.reviewer
        }
        if route.fallback {
            codes.append(.noReviewer)
            out.findings.append(Finding(code: .noReviewer, system: export.system, account: account.account,
                                    rule: rule(.noReviewer, default: "reviewers.fallback"), reviewer: route.reviewer,
                                    detail: messages.noReviewer(fallback: route.reviewer, why: route.why)))
        }
        for role in account.roles {
            var lineCodes = codes
            if handbook.roles[RoleKey(system: export.system, role: role)] == nil { lineCodes.append(.unknownRole) }
            appendLine(identity: nil, account: account, export: export, role: role, ground: .serviceAccount(owner: service.owner),
                       codes: lineCodes, reviewer: route.reviewer, into: &out)
        }
    }

    func checkPersonalAccount(index: Int, account: Account, export: SystemExport, roleKeys: [RoleKey], into out: inout ExportOutcome) {
        let route = route(index)
        let identity = identities[index]
        var accountCodes: [FindingCode] = []
        if identity.isLeaver {
            let deadline = identity.leaverDate.map { $0 + handbook.policy.leaverGraceDays }
            let overdue = deadline.map { asOf - $0 }
            if overdue.map({ $0 > 0 }) ?? true {
                accountCodes.append(.leaverAccess)
                out.findings.append(Finding(code: .leaverAccess, identity: identity.user.id, system: export.system, account: account.account,
                                        rule: rule(.leaverAccess, default: "policy.leaver_grace_days"), reviewer: route.reviewer,
                                        detail: messages.leaverAccess(system: export.system, leaverDate: identity.leaverDate, overdue: overdue,
                                                                      reasons: identity.leaverReasons.map(messages.reason))))
            }
        } else if export.hasLastLogin {
            let limit = handbook.policy.dormantAfterDays
            if account.lastLogin.map({ asOf - $0 > limit }) ?? true {
                accountCodes.append(.dormantAccount)
                out.findings.append(Finding(code: .dormantAccount, identity: identity.user.id, system: export.system, account: account.account,
                                        rule: rule(.dormantAccount, default: "policy.dormant_after_days"), reviewer: route.reviewer,
                                        detail: messages.dormant(lastLogin: account.lastLogin, days: limit)))
            }
        }
        if !account.roles.isEmpty { out.holders.append(index) }
        for (role, key) in zip(account.roles, roleKeys) {
            if sodRoles.contains(key) { out.sodHeld.append((index, key)) }
            var codes = accountCodes
            if route.fallback { codes.append(.noReviewer) }
            if handbook.roles[key] == nil { codes.append(.unknownRole) }
            let ground = identity.isLeaver ? Ground.none : grounds(for: key, identity: identity)
            if !identity.isLeaver {
                switch ground {
                case .none:
                    let sensitivity = handbook.sensitivity(of: key)
                    codes.append(.unauthorisedRole)
                    var detail = messages.unauthorised(role: key, sensitivity: sensitivity, jobRoles: identity.jobRoles.map(\.id))
                    // A mover: a job role held in the previous run, and lost since, granted it.
                    let held = Set(identity.jobRoles.map(\.id))
                    if let previous = input.history.previousJobRoles[identity.user.id],
                       let lost = previous.first(where: { !held.contains($0) && grantsByJobRole[$0]?.contains(key) == true }) {
                        detail += messages.mover(jobRole: lost, until: input.history.previousRun)
                    }
                    out.findings.append(Finding(code: .unauthorisedRole, severity: sensitivity == .normal ? .medium : .high,
                                            identity: identity.user.id, system: export.system, account: account.account, role: role,
                                            rule: rule(.unauthorisedRole, default: "job_roles"), reviewer: route.reviewer,
                                            detail: detail))
                case .expiredException(let expired):
                    codes.append(.exceptionExpired)
                    let exception = exceptionsByIdentity[identity.user.id]?.first { $0.role == key }
                    out.findings.append(Finding(code: .exceptionExpired, identity: identity.user.id, system: export.system, account: account.account,
                                            role: role, rule: exception.map { "exceptions (line \($0.line))" } ?? "exceptions",
                                            reviewer: route.reviewer,
                                            detail: messages.exceptionExpired(role: key, expires: expired, reason: exception?.reason ?? "")))
                default: break
                }
            }
            appendLine(identity: index, account: account, export: export, role: role, ground: ground, codes: codes, reviewer: route.reviewer,
                       key: key, into: &out)
        }
    }

    /// The strongest ground for a role: job role, birthright, valid exception, else an expired exception, else none.
    func grounds(for key: RoleKey, identity: IdentityState) -> Ground {
        for jobRole in identity.jobRoles where grantsByJobRole[jobRole.id]?.contains(key) == true {
            return .jobRole(jobRole.id)
        }
        if birthright.contains(key) { return .birthright }
        let exceptions = (exceptionsByIdentity[identity.user.id] ?? []).filter { $0.role == key }
        if let valid = exceptions.filter({ $0.isValid(on: asOf) }).map(\.expires).max() { return .exception(until: valid) }
        if let expired = exceptions.map(\.expires).max() { return .expiredException(expired) }
        return .none
    }

    func appendLine(identity index: Int?, account: Account, export: SystemExport, role: String, ground: Ground,
                    codes: [FindingCode], reviewer: String, key known: RoleKey? = nil, into out: inout ExportOutcome) {
        let key = known ?? RoleKey(system: export.system, role: role)
        let catalogued = handbook.roles[key]
        let sensitivity = catalogued?.sensitivity ?? .normal
        let privileged = catalogued?.privileged ?? false
        // Fields are read in place: copying the whole IdentityState per line costs a retain for each of its strings.
        let id = index.map { identities[$0].user.id }
        var second: String?
        if sensitivity == .extraSensitive || privileged, let owner = export.owner, owner != reviewer, eligible(owner, for: id) {
            second = owner
        }
        out.lineIdentities.append(Int32(index ?? -1))
        out.lines.append(AccessLine(identity: id, person: index.map { persons[$0] }, system: export.system, account: account.account, role: role,
                                sensitivity: sensitivity, privileged: privileged, ground: ground, codes: codes, worstSeverity: nil,
                                reviewer: reviewer, secondReviewer: second))
    }

    // MARK: Identity-level checks

    mutating func checkIdentities() {
        for index in identities.indices {
            let identity = identities[index]
            let id = identity.user.id
            if identity.isLeaver {
                if !identity.user.disabled {
                    findings.append(Finding(code: .leaverEnabled, identity: id, system: "directory", account: identity.user.id,
                                            rule: rule(.leaverEnabled, default: "identities.leaver_when"), reviewer: route(index).reviewer,
                                            detail: messages.leaverEnabled(leaverDate: identity.leaverDate,
                                                                          reasons: identity.leaverReasons.map(messages.reason))))
                }
                continue
            }
            if identity.isExternal && identity.endDate == nil {
                findings.append(Finding(code: .externalNoEndDate, identity: id, rule: rule(.externalNoEndDate, default: "identities.external_when"),
                                        reviewer: route(index).reviewer, detail: messages.externalNoEndDate(type: identity.user.employeeType ?? "")))
            }
            let route = route(index)
            if route.fallback, holdsLines[index] {
                findings.append(Finding(code: .noReviewer, identity: id, rule: rule(.noReviewer, default: "reviewers.fallback"),
                                        reviewer: route.reviewer, detail: messages.noReviewer(fallback: route.reviewer, why: route.why)))
            }
            guard let held = heldRoles[index] else { continue }
            for sod in handbook.sod {
                let present = sod.roles.filter { held.contains($0) }
                guard present.count >= 2 else { continue }
                let exceptions = (exceptionsByIdentity[id] ?? []).filter { $0.sod == sod.id }
                if exceptions.contains(where: { $0.isValid(on: asOf) }) { continue }
                let expired = exceptions.map(\.expires).max()
                for i in 0..<present.count {
                    for j in (i + 1)..<present.count {
                        let a = present[i], b = present[j]
                        findings.append(Finding(code: .sodConflict, identity: id, system: a.system == b.system ? a.system : nil,
                                                role: "\(a.role) + \(b.role)", rule: sod.section.map { "\(sod.id) (\($0))" } ?? sod.id,
                                                reviewer: route.reviewer,
                                                detail: messages.sod(rule: sod.id, description: sod.description, first: a, second: b, expired: expired)))
                        markLines(identity: index, roles: [a, b], code: .sodConflict)
                    }
                }
            }
        }
    }

    /// Groups the lines by identity (a counting sort of `lineOwners`).
    mutating func indexLineOwners() {
        var start = [Int32](repeating: 0, count: identities.count + 1)
        for owner in lineOwners where owner >= 0 { start[Int(owner) + 1] += 1 }
        for index in identities.indices { start[index + 1] += start[index] }
        var next = start
        var owned = [Int32](repeating: 0, count: Int(start[identities.count]))
        for (line, owner) in lineOwners.enumerated() where owner >= 0 {
            owned[Int(next[Int(owner)])] = Int32(line)
            next[Int(owner)] += 1
        }
        ownedStart = start
        ownedLines = owned
        lineOwners = []
    }

    func linesOf(_ identity: Int) -> ArraySlice<Int32> {
        ownedLines[Int(ownedStart[identity])..<Int(ownedStart[identity + 1])]
    }

    mutating func markLines(identity: Int, roles: [RoleKey], code: FindingCode) {
        for line in linesOf(identity) {
            let index = Int(line)
            let key = RoleKey(system: lines[index].system, role: lines[index].role)
            if roles.contains(key), !lines[index].codes.contains(code) { lines[index].codes.append(code) }
        }
    }

    mutating func checkExports() {
        for export in input.exports {
            guard let exportedOn = export.exportedOn else { continue }
            let age = asOf - exportedOn
            if age > handbook.policy.staleExportDays {
                let route = systemOwnerRoute(export)
                findings.append(Finding(code: .staleExport, system: export.system, rule: rule(.staleExport, default: "policy.stale_export_days"),
                                        reviewer: route.reviewer,
                                        detail: messages.staleExport(system: export.system, exportedOn: exportedOn, age: age,
                                                                     limit: handbook.policy.staleExportDays)))
            }
        }
    }

    func rule(_ code: FindingCode, default value: String) -> String {
        handbook.sections[code.rawValue] ?? value
    }

    // MARK: Result

    mutating func finish() -> ReconcileResult {
        // Only lines with codes change; they are few.
        for index in lines.indices where !lines[index].codes.isEmpty {
            var worst: Severity?
            for code in lines[index].codes {
                let severity = code == .unauthorisedRole
                    ? (lines[index].sensitivity == .normal ? Severity.medium : .high)
                    : code.baseSeverity
                worst = max(worst ?? severity, severity)
            }
            lines[index].worstSeverity = worst
            if lines[index].codes.count > 1 {
                let codes = lines[index].codes.sorted { $0.rawValue < $1.rawValue }
                var unique: [FindingCode] = []
                for code in codes where unique.last != code { unique.append(code) }
                lines[index].codes = unique
            }
        }
        // The lines in (identity, system, role, account) order, lines of no identity sorting
        // as "~" among the ids. The identities are in id order already and each knows its
        // lines, so only each identity's handful of lines is sorted. The lines are then put in
        // that order in place, one cycle of the permutation at a time, so that a million lines
        // never exist twice.
        @Sendable func sorted(_ indices: [Int32], lines: [AccessLine]) -> [Int32] {
            guard indices.count > 1 else { return indices }
            let keys = indices.map { (lines[Int($0)].system, lines[Int($0)].role.matchKey, lines[Int($0)].account) }
            return keys.indices.sorted { keys[$0] < keys[$1] }.map { indices[$0] }
        }
        let ownerless = lines.indices.filter { lines[$0].identity == nil }.map { Int32($0) }
        // Where the ownerless lines ("~") go among the identities, in id order.
        let tilde = identities.firstIndex { $0.user.id >= "~" } ?? identities.count
        let sameAsTilde = tilde < identities.count && identities[tilde].user.id == "~"
        let shared = UncheckedSendable((lines, ownedStart, ownedLines))
        var order: [Int32] = []
        order.reserveCapacity(lines.count)
        @Sendable func linesOf(_ identity: Int) -> [Int32] {
            Array(shared.value.2[Int(shared.value.1[identity])..<Int(shared.value.1[identity + 1])])
        }
        let before = Parallel.flatMap(tilde) { range in
            range.flatMap { sorted(linesOf($0), lines: shared.value.0) }
        }
        order.append(contentsOf: before)
        order.append(contentsOf: sorted(sameAsTilde ? ownerless + linesOf(tilde) : ownerless, lines: lines))
        let start = sameAsTilde ? tilde + 1 : tilde
        let after = Parallel.flatMap(identities.count - start) { range in
            range.flatMap { sorted(linesOf(start + $0), lines: shared.value.0) }
        }
        order.append(contentsOf: after)
        lines.permute(by: &order)
        findings.sort(by: Finding.ordered)
        var reviewers = Set<String>()
        var previous = ""
        for line in lines {
            // Lines of one identity share a reviewer: hash each run of them once.
            if line.reviewer != previous {
                reviewers.insert(line.reviewer)
                previous = line.reviewer
            }
            if let second = line.secondReviewer { reviewers.insert(second) }
        }
        return ReconcileResult(asOf: asOf, identities: identities, lines: lines, findings: findings, reviewers: reviewers.sorted())
    }
}

/// Identities by one attribute's match key: most keys name one identity, so those need no array.
private struct IdentityIndex {
    typealias Attribute = SystemMapping.CorrelateRule.IdentityAttribute
    let attribute: Attribute
    /// Identities by the hash of their match key; each candidate is checked against the
    /// identity's own value, so a million keys need not be kept as strings.
    var first: [Int: Int32] = [:]
    var more: [Int: [Int32]] = [:]

    init(attribute: Attribute) { self.attribute = attribute }

    static func value(of user: DirectoryUser, _ attribute: Attribute) -> String? {
        switch attribute {
        case .id: user.id
        case .email: user.email
        case .employeeId: user.employeeId
        case .name: user.name
        }
    }

    mutating func add(_ key: String, _ index: Int) {
        let hash = key.hashValue
        if first[hash] == nil {
            first[hash] = Int32(index)
        } else {
            more[hash, default: []].append(Int32(index))
        }
    }

    func candidates(_ key: String, in identities: [IdentityState]) -> [Int] {
        let hash = key.hashValue
        guard let one = first[hash] else { return [] }
        var found: [Int] = []
        for index in [one] + (more[hash] ?? []) where Self.value(of: identities[Int(index)].user, attribute)?.matchKey == key {
            found.append(Int(index))
        }
        return found
    }
}

