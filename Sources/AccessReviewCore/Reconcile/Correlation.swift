import Foundation

/// Which person each account belongs to, export by export on every core.
extension ReconcileState {
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
        // Each task takes its export's accounts from a slot, so that they can be freed as
        // soon as checked (see `releaseExportAccounts`).
        let accounts = ResultSlots<[Account]>(count: exports.count)
        for position in exports.indices {
            accounts.set(position, .success(exports[position].accounts))
            exports[position].accounts = []
        }
        releaseExportAccounts()
        let outcomes = ResultSlots<ExportOutcome>(count: exports.count)
        let state = self
        let metadata = exports
        DispatchQueue.concurrentPerform(iterations: metadata.count) { [byAttribute] position in
            guard case .success(let list)? = accounts.take(position) else { return }
            var outcome = ExportOutcome()
            state.check(metadata[position], accounts: list, byAttribute: byAttribute, into: &outcome)
            outcomes.set(position, .success(outcome))
            // The accounts are gone once `list` is: their pages go back before the next export's lines grow.
            state.returnFreedMemory()
        }
        var total = lines.count
        for case .success(let outcome)? in outcomes.values { total += outcome.lines.count }
        lines.reserveCapacity(total)
        for index in exports.indices {
            if case .success(let outcome)? = outcomes.take(index) { merge(outcome) }
            // The outcome's lines are copied and it is gone: hand its pages back before the next.
            returnFreedMemory()
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

    func check(
        _ export: SystemExport, accounts: [Account],
        byAttribute: [SystemMapping.CorrelateRule.IdentityAttribute: IdentityIndex],
        into out: inout ExportOutcome
    ) {
        guard let mapping = input.mappings[export.system] else { return }
        // A line a role of an active account: reserved once, not grown by doubling (which
        // copies the lines and leaves up to half the buffer unused at a million identities).
        let roles = accounts.reduce(0) { $0 + $1.roles.count }
        out.lines.reserveCapacity(roles)
        out.lineIdentities.reserveCapacity(roles)
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
                out.findings.append(
                    Finding(
                        code: .ambiguousMatch, system: export.system, account: account.account,
                        rule: rule(.ambiguousMatch, default: "correlate"), reviewer: ownerRoute.reviewer,
                        detail: messages.ambiguous(candidates: names, field: ambiguous.field)))
                addOwnerRoutedLines(
                    account: account, export: export, route: ownerRoute, codes: [.ambiguousMatch], into: &out)
                continue
            }
            guard let index = matched else {
                let keys = account.keys.map { "\($0.name)=\($0.value)" }.joined(separator: ", ")
                out.findings.append(
                    Finding(
                        code: .orphanAccount, system: export.system, account: account.account,
                        rule: rule(.orphanAccount, default: "correlate"), reviewer: ownerRoute.reviewer,
                        detail: messages.orphan(system: export.system, keys: keys.isEmpty ? account.account : keys)))
                addOwnerRoutedLines(
                    account: account, export: export, route: ownerRoute, codes: [.orphanAccount], into: &out)
                continue
            }
            checkPersonalAccount(index: index, account: account, export: export, roleKeys: roleKeys, into: &out)
        }

        for (role, count) in unknownRoles.sorted(by: { $0.key < $1.key }) {
            out.findings.append(
                Finding(
                    code: .unknownRole, system: export.system, role: role.role,
                    rule: rule(.unknownRole, default: "roles"), reviewer: ownerRoute.reviewer,
                    detail: messages.unknownRole(role: role, accounts: count)))
        }
    }

    /// The route for lines that belong to no person: the system owner, else the fallback.
}

/// Identities by one attribute's match key: most keys name one identity, so those need no array.
struct IdentityIndex {
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
        for index in [one] + (more[hash] ?? [])
        where Self.value(of: identities[Int(index)].user, attribute)?.matchKey == key {
            found.append(Int(index))
        }
        return found
    }
}
