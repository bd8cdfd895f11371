import AccessReviewCore
import Foundation

/// `delegate`: a reviewer's undecided lines handed to another reviewer, approved and recorded.
extension Application {
    public struct DelegateSummary: Sendable {
        public var delegation: Delegation
        /// The run that issued the new sheets.
        public var run: RunSummary
        /// The sheet versions after it: the new reviewer's, and the old one's (nil: no lines left).
        public var toVersion: Int
        public var fromVersion: Int?
        /// The messages to both; nil without a `mail:` section.
        public var messages: NotifySummary?
    }

    /// Moves `from`'s undecided lines of the open campaign to `to` (a line of `to` themself
    /// goes up their chain of managers), records who approved it, why and until when, issues
    /// the new sheets (a run of the campaign, which keeps every other row id), and, with a
    /// `mail:` section, sends `to` their new sheet and `from` a notice with theirs.
    public func delegate(
        from: String, to: String, reason: String, approvedBy: String, until: Day? = nil, asOf: Day? = nil,
        today: Day = Day.today()
    ) throws -> DelegateSummary {
        let day = asOf ?? today
        guard FileManager.default.fileExists(atPath: config.statePath) else {
            throw ToolError(
                .input, "\(config.statePath): error: no campaign has been run here yet; run accessreview run first")
        }
        var delegation: Delegation
        let campaign: String
        do {
            let lock = try lockState()
            defer { withExtendedLifetime(lock) {} }
            let state = try StateStore(path: config.statePath)
            campaign = try messagingCampaign(state: state, day: day)
            _ = try state.requireRun(of: campaign)
            if let closed = try state.closedOn(campaign) {
                throw ToolError(
                    .input,
                    "\(state.path): error: campaign \(campaign) was closed on \(closed); nothing can be delegated")
            }
            let directory = try ReviewerDirectory.read(
                folder: (config.output as NSString).appendingPathComponent(campaign))
            try checkDelegation(
                from: from, to: to, reason: reason, approvedBy: approvedBy, until: until, day: day,
                directory: directory)
            guard let rows = try state.undecidedRows(campaign: campaign, reviewer: from) else {
                throw ToolError(.input, "--from \(from): error: \(from) has no sheet in campaign \(campaign)")
            }
            guard !rows.isEmpty else {
                throw ToolError(
                    .input,
                    "--from \(from): error: every line on \(from)'s sheet in campaign \(campaign) is decided; there is nothing to delegate"
                )
            }
            delegation = Delegation(
                campaign: campaign, from: from, to: to, reason: reason, approvedBy: approvedBy,
                madeAt: StateStore.now(), madeOn: day, until: until, lines: Set(rows.map(Delegation.LineKey.init)))
            delegation.id = try state.recordDelegation(delegation)
        }
        // The new sheets: a run of the campaign, which routes the delegated lines to `to`.
        let campaignAsOf = try StateStore(path: config.statePath).asOf(of: campaign)
        let run = try run(asOf: config.asOf == nil ? campaignAsOf : nil)
        let state = try StateStore(path: config.statePath)
        let sheets = Dictionary(
            try state.sheetSummaries(campaign: campaign).map { ($0.reviewer, $0) }, uniquingKeysWith: { a, _ in a })
        var summary = DelegateSummary(
            delegation: delegation, run: run, toVersion: sheets[to]?.version ?? 1, fromVersion: sheets[from]?.version)
        guard let mail = config.mail else { return summary }
        summary.messages = try sendDelegation(delegation, sheets: sheets, mail: mail, state: state, day: day)
        return summary
    }

    /// What `delegate` refuses: a delegation to oneself, an approval by either party, an
    /// unknown person, an empty reason, an end in the past.
    func checkDelegation(
        from: String, to: String, reason: String, approvedBy: String, until: Day?, day: Day,
        directory: ReviewerDirectory
    ) throws {
        func refuse(_ option: String, _ message: String) throws -> Never {
            throw ToolError(.input, "\(option): error: \(message)")
        }
        if from == to { try refuse("--to \(to)", "a reviewer cannot delegate to themself") }
        if approvedBy == from || approvedBy == to {
            try refuse(
                "--approved-by \(approvedBy)",
                "the delegation must be approved by someone other than \(from) and \(to) (their manager, or IT security)"
            )
        }
        for (option, id) in [("--to", to), ("--approved-by", approvedBy)] where directory.people[id] == nil {
            try refuse("\(option) \(id)", "\(id) is not in the campaign's directory snapshot")
        }
        if reason.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty {
            try refuse("--reason", "say why the lines are delegated (auditors ask)")
        }
        if let until, until < day {
            try refuse("--until \(until)", "the delegation would end before it starts (\(day))")
        }
    }

    /// The delegation message to the new reviewer with their new sheet, and the notice to
    /// the old reviewer with theirs (if any lines are left on it).
    func sendDelegation(
        _ delegation: Delegation, sheets: [String: StateStore.SheetSummary], mail: MailConfig, state: StateStore,
        day: Day
    ) throws -> NotifySummary {
        let campaign = delegation.campaign
        let folder = (config.output as NSString).appendingPathComponent(campaign)
        let directory = try ReviewerDirectory.read(folder: folder)
        let handbook = try loader(asOf: nil).loadRules().0
        var composer = MessageComposer(
            config: config, mail: mail,
            templates: try MailTemplate.load(folder: mail.templates, language: config.language),
            directory: directory, fallbacks: handbook.fallbacks, campaign: campaign,
            deadline: try state.deadline(of: campaign) ?? day, day: day,
            sheets: (folder as NSString).appendingPathComponent("sheets"))
        let values = [
            "reviewer": delegation.from, "reviewer_name": directory.name(of: delegation.from),
            "undecided": String(delegation.lines.count), "delegate": delegation.to,
            "delegate_name": directory.name(of: delegation.to), "reason": delegation.reason,
        ]
        var prepared: [PreparedMessage] = []
        if let sheet = sheets[delegation.to],
            let message = try composer.message(
                .delegation, due: "v\(sheet.version)", to: delegation.to, sheet: sheet, attach: true, extra: values)
        {
            prepared.append(message)
        }
        let left = sheets[delegation.from]
        let fromSheet =
            left ?? StateStore.SheetSummary(reviewer: delegation.from, version: 0, lines: 0, findings: 0, decided: 0)
        if let message = try composer.message(
            .delegationNotice, due: "v\(fromSheet.version)", to: delegation.from, sheet: fromSheet,
            attach: (left?.lines ?? 0) > 0, extra: values)
        {
            prepared.append(message)
        }
        var summary = NotifySummary(campaign: campaign, day: day)
        summary.notes = composer.notes
        summary.undeliverable = composer.undeliverable
        try deliver(prepared, mail: mail, state: state, into: &summary)
        return summary
    }
}
