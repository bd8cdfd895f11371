import Foundation

/// `accessreview explain IDENTITY`: for one person, the job roles and why each matched,
/// every access line with its ground or why it has none, the reviewer, and every finding
/// with its rule — the answer to "why is this on my sheet?".
public enum Explanation {
    /// The identity an id names (case-insensitively), or an error suggesting near names.
    public static func identity(_ id: String, in result: ReconcileResult) throws -> IdentityState {
        guard let identity = result.identities.first(where: { $0.user.id == id || $0.user.id.matchKey == id.matchKey })
        else {
            let near = result.identities.filter { $0.user.name?.matchKey.contains(id.matchKey) == true }.prefix(5).map(
                \.user.id)
            throw ToolError(
                .input,
                "no identity '\(id)' in the directory\(near.isEmpty ? "" : "; did you mean \(near.joined(separator: ", "))?")"
            )
        }
        return identity
    }

    public static func render(identity id: String, result: ReconcileResult, handbook: Handbook, language: Language)
        throws -> String
    {
        let identity = try identity(id, in: result)
        let m = Messages(language)
        let user = identity.user
        var out: [String] = []
        out.append("\(user.id) — \(user.name ?? "") (\(user.title ?? "–"), \(user.department ?? "–"))")
        out.append("  dn: \(user.dn)")
        out.append("  \(m.managerWord): \(user.manager ?? user.managerDN.map { "\($0) (\(m.unknownWord))" } ?? "–")")
        if !identity.reviewer.isEmpty {
            out.append(
                "  \(m.linesGoTo): \(identity.reviewer) — \(identity.routing.isEmpty ? m.managerInDirectory : identity.routing)"
            )
        }
        if identity.isLeaver {
            let reasons = identity.leaverReasons.map(m.reason).joined(separator: ", ")
            out.append(
                "  \(m.leaverHeading): \(reasons)\(identity.leaverDate.map { ", \(m.leavingDateWord) \($0)" } ?? "")")
        } else {
            out.append("  \(m.statusWord): \(m.activeWord)\(user.disabled ? " (\(m.disabledWord))" : "")")
        }
        if identity.isExternal {
            out.append(
                "  \(m.externalWord) (\(user.employeeType ?? "")), \(m.endDateWord) \(identity.endDate?.description ?? "–")"
            )
        }
        if let hr = identity.hr {
            out.append(
                "  HR: \(hr.employeeId)\(hr.endDate.map { ", \(m.untilWord) \($0)" } ?? "")\(hr.title.map { ", \($0)" } ?? "")"
            )
        }
        out.append("")
        out.append(m.jobRolesHeading)
        if identity.jobRoles.isEmpty { out.append("  (\(m.noJobRole))") }
        for jobRole in identity.jobRoles {
            let definition = handbook.jobRoles.first { $0.id == jobRole.id }
            out.append(
                "  \(jobRole.id)\(definition.flatMap { $0.name == $0.id ? nil : " \"\($0.name)\"" } ?? "")\(definition?.section.map { " §\($0)" } ?? ""): \(jobRole.why)"
            )
            if let grants = definition?.grants, !grants.isEmpty {
                out.append("    \(m.grantsWord): \(grants.map(\.description).joined(separator: ", "))")
            }
        }
        let exceptions = handbook.exceptions.filter { $0.identity == user.id }
        if !exceptions.isEmpty {
            out.append("")
            out.append(m.exceptionsHeading)
            for exception in exceptions {
                let what = exception.role?.description ?? exception.sod.map { "SoD \($0)" } ?? ""
                let validity = exception.isValid(on: result.asOf) ? m.validUntil : m.expiredWord
                out.append(
                    "  \(what): \(validity) \(exception.expires) — \(exception.reason) (\(m.approvedBy) \(exception.approvedBy))"
                )
            }
        }
        let lines = result.lines.filter { $0.identity == user.id }
        out.append("")
        out.append(m.accessLinesHeading(lines.count))
        for line in lines {
            let ground: String
            switch line.ground {
            case .none where identity.isLeaver: ground = m.leaverMustBeRemoved
            case .none: ground = m.noGround
            default: ground = m.groundName(line.ground)
            }
            let codes = line.codes.isEmpty ? "" : "  [\(line.codes.map(\.rawValue).joined(separator: " "))]"
            out.append(
                "  \(line.system)/\(line.role) (\(line.account), \(m.sensitivityName(line.sensitivity))): \(ground)\(codes)"
            )
            var second = ""
            if let other = line.secondReviewer {
                let owners = result.owners[line.system]
                let owner = owners?.owner
                if other == owner {
                    second = " + \(other) (\(m.capacityName(.systemOwner)))"
                } else {
                    // The owner may not give this review: say why, and who gives it instead.
                    let why =
                        owner == nil
                        ? m.systemHasNoOwner
                        : owner == line.identity
                            ? m.ownerHoldsTheLine(owner!)
                            : owner == line.reviewer ? m.ownerIsFirstReviewer(owner!) : m.ownerInactive(owner!)
                    let role = other == owners?.deputy ? m.deputyOwnerWord : m.fallbackWord
                    second = " + \(other) (\(role): \(why))"
                }
            }
            out.append("    \(m.reviewedBy) \(line.reviewer)\(second)")
        }
        let findings = result.findings.filter { $0.identity == user.id }
        out.append("")
        out.append(m.findingsHeading(findings.count))
        for finding in findings {
            out.append(
                "  \(finding.severity.rawValue.uppercased()) \(finding.code.rawValue) [\(finding.rule)] \(finding.detail)"
            )
        }
        return out.joined(separator: "\n") + "\n"
    }
}
