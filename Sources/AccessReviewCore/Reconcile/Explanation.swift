import Foundation

/// `accessreview explain IDENTITY`: for one person, the job roles and why each matched,
/// every access line with its ground or why it has none, the reviewer, and every finding
/// with its rule — the answer to "why is this on my sheet?".
public enum Explanation {
    /// The identity an id names (case-insensitively), or an error suggesting near names.
    public static func identity(_ id: String, in result: ReconcileResult) throws -> IdentityState {
        guard let identity = result.identities.first(where: { $0.user.id == id || $0.user.id.matchKey == id.matchKey }) else {
            let near = result.identities.filter { $0.user.name?.matchKey.contains(id.matchKey) == true }.prefix(5).map(\.user.id)
            throw ToolError(.input, "no identity '\(id)' in the directory\(near.isEmpty ? "" : "; did you mean \(near.joined(separator: ", "))?")")
        }
        return identity
    }

    public static func render(identity id: String, result: ReconcileResult, handbook: Handbook, language: Language) throws -> String {
        let identity = try identity(id, in: result)
        let messages = Messages(language)
        let da = language == .da
        func t(_ a: String, _ b: String) -> String { da ? a : b }
        let user = identity.user
        var out: [String] = []
        out.append("\(user.id) — \(user.name ?? "") (\(user.title ?? "–"), \(user.department ?? "–"))")
        out.append("  dn: \(user.dn)")
        out.append("  \(t("leder", "manager")): \(user.manager ?? user.managerDN.map { "\($0) (\(t("ukendt", "unknown")))" } ?? "–")")
        if identity.isLeaver {
            let reasons = identity.leaverReasons.map(messages.reason).joined(separator: ", ")
            out.append("  \(t("FRATRÅDT", "LEAVER")): \(reasons)\(identity.leaverDate.map { ", \(t("fratrædelsesdato", "leaving date")) \($0)" } ?? "")")
        } else {
            out.append("  \(t("status", "status")): \(t("aktiv", "active"))\(user.disabled ? " (\(t("deaktiveret", "disabled")))" : "")")
        }
        if identity.isExternal { out.append("  \(t("ekstern", "external")) (\(user.employeeType ?? "")), \(t("slutdato", "end date")) \(identity.endDate?.description ?? "–")") }
        if let hr = identity.hr {
            out.append("  HR: \(hr.employeeId)\(hr.endDate.map { ", \(t("til", "until")) \($0)" } ?? "")\(hr.title.map { ", \($0)" } ?? "")")
        }
        out.append("")
        out.append(t("Jobroller:", "Job roles:"))
        if identity.jobRoles.isEmpty { out.append("  (\(t("ingen — ingen match passer", "none — no match holds")))") }
        for jobRole in identity.jobRoles {
            let definition = handbook.jobRoles.first { $0.id == jobRole.id }
            out.append("  \(jobRole.id)\(definition.flatMap { $0.name == $0.id ? nil : " \"\($0.name)\"" } ?? "")\(definition?.section.map { " §\($0)" } ?? ""): \(jobRole.why)")
            if let grants = definition?.grants, !grants.isEmpty {
                out.append("    \(t("giver", "grants")): \(grants.map(\.description).joined(separator: ", "))")
            }
        }
        let exceptions = handbook.exceptions.filter { $0.identity == user.id }
        if !exceptions.isEmpty {
            out.append("")
            out.append(t("Undtagelser:", "Exceptions:"))
            for exception in exceptions {
                let what = exception.role?.description ?? exception.sod.map { "SoD \($0)" } ?? ""
                let validity = exception.isValid(on: result.asOf) ? t("gyldig til", "valid until") : t("UDLØBET", "EXPIRED")
                out.append("  \(what): \(validity) \(exception.expires) — \(exception.reason) (\(t("godkendt af", "approved by")) \(exception.approvedBy))")
            }
        }
        let lines = result.lines.filter { $0.identity == user.id }
        out.append("")
        out.append(t("Adgange (\(lines.count)):", "Access lines (\(lines.count)):"))
        for line in lines {
            let ground: String
            switch line.ground {
            case .none where identity.isLeaver: ground = t("fratrådt — skal fjernes", "leaver — must be removed")
            case .none: ground = t("intet grundlag: ingen jobrolle, grundrettighed eller gyldig undtagelse giver den", "no ground: no job role, birthright or valid exception grants it")
            default: ground = messages.groundName(line.ground)
            }
            let codes = line.codes.isEmpty ? "" : "  [\(line.codes.map(\.rawValue).joined(separator: " "))]"
            out.append("  \(line.system)/\(line.role) (\(line.account), \(messages.sensitivityName(line.sensitivity))): \(ground)\(codes)")
            out.append("    \(t("attesteres af", "reviewed by")) \(line.reviewer)\(line.secondReviewer.map { " + \($0) (\(t("systemejer", "system owner")))" } ?? "")")
        }
        let findings = result.findings.filter { $0.identity == user.id }
        out.append("")
        out.append(t("Fund (\(findings.count)):", "Findings (\(findings.count)):"))
        for finding in findings {
            out.append("  \(finding.severity.rawValue.uppercased()) \(finding.code.rawValue) [\(finding.rule)] \(finding.detail)")
        }
        return out.joined(separator: "\n") + "\n"
    }
}
