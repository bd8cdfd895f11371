import Foundation

/// What `report.html` shows management and auditors, gathered from the state store, the
/// run's manifest and the leaver report.
public struct AuditReport: Sendable {
    public var organisation: String
    public var campaign: String
    public var asOf: Day
    public var deadline: Day?
    public var closedOn: Day?
    public var language: Language

    public struct ReviewerProgress: Sendable {
        public var reviewer: String
        public var decided: Int
        public var total: Int
        public var keep: Int
        public var remove: Int
        public var notAttested: Int
        public var sheetVersion: Int
        public var mustResend: Bool
        /// The days files of this reviewer were imported, oldest first.
        public var imports: [String]
        /// What `notify` sent about the sheet (kind and day), and the delegations to or from it.
        public var messages: [String] = []
    }
    public var reviewers: [ReviewerProgress] = []

    public struct Revocation: Sendable {
        public var system, account, role, identity: String
        public var decidedOn: Day
        public var verifiedOn: Day?
    }
    public var revocations: [Revocation] = []
    /// Who handed whose lines to whom, approved by whom, why and until when.
    public var delegations: [Delegation] = []
    public var revocationDays = 14

    /// Where a removal decided Remove stands, as the findings judge it: a line is seen
    /// present on the day its export was made, so an export made before the removal was
    /// due cannot show it late.
    public enum RevocationStatus: Equatable {
        case verified(on: Day)
        case late(seen: Day, days: Int)
        case unproven(exportedOn: Day, due: Day)
        case pending(due: Day)
    }

    public func status(of revocation: Revocation) -> RevocationStatus {
        if let on = revocation.verifiedOn { return .verified(on: on) }
        let due = revocation.decidedOn + revocationDays
        let madeOn = manifest.inputs.first { $0.kind == "export:\(revocation.system)" }?.madeOn.flatMap(Day.init(iso:))
        let seen = min(madeOn ?? asOf, asOf)
        if seen > due { return .late(seen: seen, days: seen - due) }
        if asOf > due { return .unproven(exportedOn: seen, due: due) }
        return .pending(due: due)
    }

    /// Findings counts of this run, and of the latest run of every campaign for the trend.
    public var findings: [(code: String, severity: String, department: String, system: String, count: Int)] = []
    public var trend: [(campaign: String, asOf: String, bySeverity: [String: Int])] = []

    public var leavers: LeaverReport

    /// The population statement: every source with its records and SHA-256.
    public var manifest: Manifest
    public var inputsReadAt: String
    public var hrNotInDirectory: [(employeeId: String, name: String, endDate: Day?)] = []
    public var directoryNotInHR: [(identity: String, name: String)] = []

    public init(
        organisation: String, campaign: String, asOf: Day, language: Language, leavers: LeaverReport,
        manifest: Manifest, inputsReadAt: String
    ) {
        self.organisation = organisation
        self.campaign = campaign
        self.asOf = asOf
        self.language = language
        self.leavers = leavers
        self.manifest = manifest
        self.inputsReadAt = inputsReadAt
    }
}

extension AuditReport {
    /// Reads progress, decisions, revocations and findings for `campaign` from the store.
    public mutating func gather(from state: StateStore) throws {
        deadline = try state.deadline(of: campaign)
        closedOn = try state.closedOn(campaign)
        let resend = try state.reviewersToResend(campaign: campaign)
        let imports = try state.importDays(campaign: campaign)
        // Counted by the store: a million-line campaign never comes into memory row by row.
        reviewers = try state.reviewerProgress(campaign: campaign).map { p in
            ReviewerProgress(
                reviewer: p.reviewer, decided: p.decided, total: p.total, keep: p.keep, remove: p.remove,
                notAttested: p.notAttested, sheetVersion: p.version, mustResend: resend.contains(p.reviewer),
                imports: imports[p.reviewer] ?? [])
        }
        let sent = Dictionary(grouping: try state.messages(campaign: campaign), by: \.reviewer)
        for index in reviewers.indices {
            reviewers[index].messages = (sent[reviewers[index].reviewer] ?? []).filter(\.status.counts).map {
                "\($0.kind.rawValue) \($0.sentOn)"
            }
        }
        delegations = try state.delegations(campaign: campaign)
        let verified = try state.verifiedRemovals()
        let verifiedByKey = Dictionary(
            verified.map {
                (StateStore.lineKey(system: $0.system, account: $0.account, role: $0.role), $0.verifiedOn)
            }, uniquingKeysWith: { a, _ in a })
        revocations = try CampaignReport(state: state, campaign: campaign).revocations().map { line in
            Revocation(
                system: line.system, account: line.account, role: line.role, identity: line.identity,
                decidedOn: line.decidedOn,
                verifiedOn: verifiedByKey[
                    StateStore.lineKey(system: line.system, account: line.account, role: line.role)])
        }
        let counts = try state.findingCounts()
        findings = counts.filter { $0.campaign == campaign }.map {
            ($0.code, $0.severity, $0.department, $0.system, $0.count)
        }
        var byCampaign: [String: (asOf: String, bySeverity: [String: Int])] = [:]
        for row in counts {
            var entry = byCampaign[row.campaign] ?? (row.asOf, [:])
            entry.bySeverity[row.severity, default: 0] += row.count
            byCampaign[row.campaign] = entry
        }
        if byCampaign[campaign] == nil { byCampaign[campaign] = (asOf.description, [:]) }
        trend = byCampaign.map { ($0.key, $0.value.asOf, $0.value.bySeverity) }.sorted {
            ($0.asOf, $0.campaign) < ($1.asOf, $1.campaign)
        }
    }
}
