import Foundation

/// Grounds and account checks: leaver and dormant accounts, unauthorised roles, expired
/// exceptions, service accounts and lines that belong to no person.
extension ReconcileState {
    func addOwnerRoutedLines(
        account: Account, export: SystemExport, route: Route, codes: [FindingCode], into out: inout ExportOutcome
    ) {
        var codes = codes
        if route.fallback {
            codes.append(.noReviewer)
            out.findings.append(noReviewer(route, system: export.system, account: account.account))
        }
        for role in account.roles {
            let key = RoleKey(system: export.system, role: role)
            var lineCodes = codes
            if handbook.roles[key] == nil { lineCodes.append(.unknownRole) }
            appendLine(
                identity: nil, account: account, export: export, role: role, ground: .none, codes: lineCodes,
                reviewer: route.reviewer,
                into: &out)
        }
    }

    func checkService(
        _ service: SystemMapping.ServiceAccount, account: Account, export: SystemExport, into out: inout ExportOutcome
    ) {
        var codes: [FindingCode] = []
        let ownerIndex = indexById[service.owner]
        let route: Route
        if let ownerIndex, !identities[ownerIndex].isLeaver {
            route = Route(reviewer: service.owner, fallback: false, why: "")
        } else {
            codes.append(.serviceOwnerInactive)
            out.findings.append(
                Finding(
                    code: .serviceOwnerInactive, system: export.system, account: account.account,
                    rule: rule(.serviceOwnerInactive, default: "service_accounts"),
                    reviewer: nil,
                    detail: messages.serviceOwnerInactive(
                        owner: service.owner, known: ownerIndex != nil, reason: service.reason)))
            route = climb(from: ownerIndex.flatMap { identities[$0].user.manager }, person: nil, missingManager: nil)
            out.findings[out.findings.count - 1].reviewer = route.reviewer
        }
        if route.fallback {
            codes.append(.noReviewer)
            out.findings.append(noReviewer(route, system: export.system, account: account.account))
        }
        for role in account.roles {
            var lineCodes = codes
            if handbook.roles[RoleKey(system: export.system, role: role)] == nil { lineCodes.append(.unknownRole) }
            appendLine(
                identity: nil, account: account, export: export, role: role,
                ground: .serviceAccount(owner: service.owner),
                codes: lineCodes, reviewer: route.reviewer, into: &out)
        }
    }

    func checkPersonalAccount(
        index: Int, account: Account, export: SystemExport, roleKeys: [RoleKey], into out: inout ExportOutcome
    ) {
        let route = route(index)
        let identity = identities[index]
        var accountCodes: [FindingCode] = []
        if identity.isLeaver {
            let deadline = identity.leaverDate.map { $0 + handbook.policy.leaverGraceDays }
            let overdue = deadline.map { asOf - $0 }
            if overdue.map({ $0 > 0 }) ?? true {
                accountCodes.append(.leaverAccess)
                out.findings.append(
                    Finding(
                        code: .leaverAccess, identity: identity.user.id, system: export.system,
                        account: account.account,
                        rule: rule(.leaverAccess, default: "policy.leaver_grace_days"), reviewer: route.reviewer,
                        detail: messages.leaverAccess(
                            system: export.system, leaverDate: identity.leaverDate, overdue: overdue,
                            reasons: identity.leaverReasons.map(messages.reason))))
            }
        } else if export.hasLastLogin {
            let limit = handbook.policy.dormantAfterDays
            if account.lastLogin.map({ asOf - $0 > limit }) ?? true {
                accountCodes.append(.dormantAccount)
                out.findings.append(
                    Finding(
                        code: .dormantAccount, identity: identity.user.id, system: export.system,
                        account: account.account,
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
                    var detail = messages.unauthorised(
                        role: key, sensitivity: sensitivity, jobRoles: identity.jobRoles.map(\.id))
                    // A mover: a job role held in the previous run, and lost since, granted it.
                    let held = Set(identity.jobRoles.map(\.id))
                    if let previous = input.history.previousJobRoles(of: identity.user.id),
                        let lost = previous.first(where: {
                            !held.contains($0) && grantsByJobRole[$0]?.contains(key) == true
                        })
                    {
                        detail += messages.mover(jobRole: lost, until: input.history.previousRun)
                    }
                    out.findings.append(
                        Finding(
                            code: .unauthorisedRole, severity: FindingCode.unauthorisedRole.severity(on: sensitivity),
                            identity: identity.user.id, system: export.system, account: account.account, role: role,
                            rule: rule(.unauthorisedRole, default: "job_roles"), reviewer: route.reviewer,
                            detail: detail))
                case .expiredException(let expired):
                    codes.append(.exceptionExpired)
                    let exception = exceptionsByIdentity[identity.user.id]?.first { $0.role == key }
                    out.findings.append(
                        Finding(
                            code: .exceptionExpired, identity: identity.user.id, system: export.system,
                            account: account.account,
                            role: role, rule: exception.map { "exceptions (line \($0.line))" } ?? "exceptions",
                            reviewer: route.reviewer,
                            detail: messages.exceptionExpired(
                                role: key, expires: expired, reason: exception?.reason ?? "")))
                default: break
                }
            }
            appendLine(
                identity: index, account: account, export: export, role: role, ground: ground, codes: codes,
                reviewer: route.reviewer,
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
        if let valid = exceptions.filter({ $0.isValid(on: asOf) }).map(\.expires).max() {
            return .exception(until: valid)
        }
        if let expired = exceptions.map(\.expires).max() { return .expiredException(expired) }
        return .none
    }

    func appendLine(
        identity index: Int?, account: Account, export: SystemExport, role: String, ground: Ground,
        codes: [FindingCode], reviewer: String, key known: RoleKey? = nil, into out: inout ExportOutcome
    ) {
        let key = known ?? RoleKey(system: export.system, role: role)
        let catalogued = handbook.roles[key]
        let sensitivity = catalogued?.sensitivity ?? .normal
        let privileged = catalogued?.privileged ?? false
        // Fields are read in place: copying the whole IdentityState per line costs a retain for each of its strings.
        let id = index.map { identities[$0].user.id }
        let second =
            sensitivity == .extraSensitive || privileged ? secondReviewer(export, holder: id, first: reviewer) : nil
        out.lineIdentities.append(Int32(index ?? -1))
        out.lines.append(
            AccessLine(
                identity: id, person: index.map { persons[$0] }, system: export.system, account: account.account,
                role: role,
                sensitivity: sensitivity, privileged: privileged, ground: ground, codes: codes, worstSeverity: nil,
                reviewer: reviewer, secondReviewer: second))
    }
}
