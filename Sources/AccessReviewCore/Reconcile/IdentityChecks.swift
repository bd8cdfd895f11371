import Foundation

/// Checks on a person as a whole (leaver still enabled, external without end date, no
/// reviewer, segregation of duties) and on each export (stale).
extension ReconcileState {
    // MARK: Identity-level checks

    mutating func checkIdentities() {
        for index in identities.indices {
            let identity = identities[index]
            let id = identity.user.id
            if identity.isLeaver {
                if !identity.user.disabled {
                    findings.append(
                        Finding(
                            code: .leaverEnabled, identity: id, system: "directory", account: identity.user.id,
                            rule: rule(.leaverEnabled, default: "identities.leaver_when"),
                            reviewer: route(index).reviewer,
                            detail: messages.leaverEnabled(
                                leaverDate: identity.leaverDate,
                                reasons: identity.leaverReasons.map(messages.reason))))
                }
                continue
            }
            if identity.isExternal && identity.endDate == nil {
                findings.append(
                    Finding(
                        code: .externalNoEndDate, identity: id,
                        rule: rule(.externalNoEndDate, default: "identities.external_when"),
                        reviewer: route(index).reviewer,
                        detail: messages.externalNoEndDate(type: identity.user.employeeType ?? "")))
            }
            let route = route(index)
            if route.fallback, holdsLines[index] {
                findings.append(noReviewer(route, identity: id))
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
                        findings.append(
                            Finding(
                                code: .sodConflict, identity: id, system: a.system == b.system ? a.system : nil,
                                role: "\(a.role) + \(b.role)", rule: sod.section.map { "\(sod.id) (\($0))" } ?? sod.id,
                                reviewer: route.reviewer,
                                detail: messages.sod(
                                    rule: sod.id, description: sod.description, first: a, second: b, expired: expired)))
                        markLines(identity: index, roles: [a, b], code: .sodConflict)
                    }
                }
            }
        }
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
                findings.append(
                    Finding(
                        code: .staleExport, system: export.system,
                        rule: rule(.staleExport, default: "policy.stale_export_days"),
                        reviewer: route.reviewer,
                        detail: messages.staleExport(
                            system: export.system, exportedOn: exportedOn, age: age,
                            limit: handbook.policy.staleExportDays)))
            }
        }
    }

    func rule(_ code: FindingCode, default value: String) -> String {
        handbook.sections[code.rawValue] ?? value
    }
}
