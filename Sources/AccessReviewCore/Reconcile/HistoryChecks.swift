import Foundation

/// Findings that need the history of earlier runs and decisions (the state store):
/// REVOCATION_NOT_DONE, REVIEW_OVERDUE and SENSITIVE_REVIEW_DUE, and whether each line is
/// new since the previous campaign was closed.
///
/// Applied to a finished reconciliation rather than inside it: `run` reads the line history
/// (7.4 M lines at a million identities, about 380 MB) only once the reconciler has let go of
/// the exports, so that the two never meet at the peak. `explain` applies it the same way, so
/// that it shows the findings the run reported.
public struct HistoryChecks: Sendable {
    public var history: LineHistory
    public var handbook: Handbook
    public var language: Language

    public init(history: LineHistory, handbook: Handbook, language: Language) {
        self.history = history
        self.handbook = handbook
        self.language = language
    }

    public func apply(to result: inout ReconcileResult) {
        // An empty history changes nothing (lines are new by default, and a line first seen
        // today is not overdue): a first run at a million identities skips 7.4 M lookups.
        guard !history.isEmpty else { return }
        let policy = handbook.policy, asOf = result.asOf
        let messages = Messages(language)
        var added: [Finding] = []
        for index in result.lines.indices {
            let line = result.lines[index]
            let key = LineID(system: line.system, account: line.account, role: line.role)
            let firstSeen = history.firstSeen[key] ?? asOf
            result.lines[index].isNew = history.previousClose.map { firstSeen > $0 } ?? true
            var codes: [FindingCode] = []
            if let removal = history.pendingRemovals[key] {
                // A line is seen present on the day its export was made, not on the day of the
                // run: an export made before the removal was due proves nothing either way.
                let due = removal.decidedOn + policy.revocationDays
                let seen = min(result.exportedOn[line.system] ?? asOf, asOf)
                if seen > due {
                    codes.append(.revocationNotDone)
                    added.append(
                        finding(
                            .revocationNotDone, line: line, default: "revocation",
                            detail: messages.revocationNotDone(
                                decided: removal.decidedOn, by: removal.reviewer, campaign: removal.campaign,
                                seen: seen, daysLate: seen - due, limit: policy.revocationDays)))
                }
            }
            let sensitive = line.sensitivity != .normal
            let interval = sensitive ? policy.sensitiveReviewIntervalDays : policy.reviewIntervalDays
            let attested = history.lastAttested[key]
            let since = attested ?? firstSeen
            if asOf - since > interval {
                let code: FindingCode = sensitive ? .sensitiveReviewDue : .reviewOverdue
                codes.append(code)
                added.append(
                    finding(
                        code, line: line, default: "review_interval_days",
                        detail: messages.reviewDue(
                            attested: attested, firstSeen: firstSeen, days: asOf - since, interval: interval)))
            }
            if !codes.isEmpty { result.lines[index].addCodes(codes) }
        }
        guard !added.isEmpty else { return }
        // The result's findings are in order already: the new ones are sorted and merged in.
        added.sort(by: Finding.ordered)
        var merged: [Finding] = []
        merged.reserveCapacity(result.findings.count + added.count)
        var next = added.startIndex
        for finding in result.findings {
            while next < added.endIndex, Finding.ordered(added[next], finding) {
                merged.append(added[next])
                next += 1
            }
            merged.append(finding)
        }
        merged.append(contentsOf: added[next...])
        result.findings = merged
    }

    private func finding(_ code: FindingCode, line: AccessLine, default rule: String, detail: String) -> Finding {
        Finding(
            code: code, severity: code.severity(on: line.sensitivity), identity: line.identity, system: line.system,
            account: line.account, role: line.role, rule: handbook.sections[code.rawValue] ?? rule,
            reviewer: line.reviewer, detail: detail)
    }
}

extension AccessLine {
    /// Adds finding codes to a finished line: its codes stay sorted and distinct, and its
    /// worst severity follows.
    mutating func addCodes(_ added: [FindingCode]) {
        codes = Array(Set(codes + added)).sorted { $0.rawValue < $1.rawValue }
        worstSeverity = codes.map { $0.severity(on: sensitivity) }.max()
    }
}
