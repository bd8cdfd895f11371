import Foundation

/// Findings that need the history of earlier runs and decisions (the state store):
/// REVOCATION_NOT_DONE, REVIEW_OVERDUE and SENSITIVE_REVIEW_DUE, and whether each line is
/// new since the previous campaign was closed.
extension ReconcileState {
    mutating func checkHistory() {
        let history = input.history.lines
        let policy = handbook.policy
        // A line is seen present on the day its export was made, not on the day of the run:
        // an export made before the removal was due proves nothing either way.
        var exportedOn: [String: Day] = [:]
        for export in input.exports { if let day = export.exportedOn { exportedOn[export.system] = day } }
        for index in lines.indices {
            let key = LineID(system: lines[index].system, account: lines[index].account, role: lines[index].role)
            let firstSeen = history.firstSeen[key] ?? asOf
            lines[index].isNew = history.previousClose.map { firstSeen > $0 } ?? true
            if let removal = history.pendingRemovals[key] {
                let due = removal.decidedOn + policy.revocationDays
                let seen = min(exportedOn[lines[index].system] ?? asOf, asOf)
                if seen > due {
                    lines[index].codes.append(.revocationNotDone)
                    findings.append(
                        finding(
                            .revocationNotDone, line: lines[index], default: "revocation",
                            detail: messages.revocationNotDone(
                                decided: removal.decidedOn, by: removal.reviewer, campaign: removal.campaign,
                                seen: seen, daysLate: seen - due, limit: policy.revocationDays)))
                }
            }
            let sensitive = lines[index].sensitivity != .normal
            let interval = sensitive ? policy.sensitiveReviewIntervalDays : policy.reviewIntervalDays
            let attested = history.lastAttested[key]
            let since = attested ?? firstSeen
            if asOf - since > interval {
                let code: FindingCode = sensitive ? .sensitiveReviewDue : .reviewOverdue
                lines[index].codes.append(code)
                findings.append(
                    finding(
                        code, line: lines[index], default: "review_interval_days",
                        detail: messages.reviewDue(
                            attested: attested, firstSeen: firstSeen, days: asOf - since, interval: interval)))
            }
        }
    }

    private func finding(_ code: FindingCode, line: AccessLine, default rule: String, detail: String) -> Finding {
        Finding(
            code: code, severity: code.severity(on: line.sensitivity), identity: line.identity, system: line.system,
            account: line.account, role: line.role, rule: self.rule(code, default: rule), reviewer: line.reviewer,
            detail: detail)
    }
}
