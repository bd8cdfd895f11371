import AccessReviewCore
import Foundation

/// `notify`: the campaign's sheets, reminders and escalations by e-mail (see `NotificationPlan`).
extension Application {
    public struct NotifySummary: Sendable {
        public enum Result: Sendable, Equatable {
            /// Accepted by the server, with its reply.
            case sent(String)
            /// `--dry-run`: written to this file.
            case written(String)
            /// The server refused the recipient: not recorded as sent, due again next time.
            case refused(String)
        }

        public struct Outcome: Sendable {
            public var reviewer: String
            public var kind: MessageKind
            public var recipientId: String
            public var recipient: String
            public var result: Result
        }

        public var campaign: String
        public var day: Day
        public var outcomes: [Outcome] = []
        /// Reviewers whose messages went to someone else, and why.
        public var notes: [String] = []
        /// Messages nobody could be given: no address for the reviewer nor for a fallback.
        public var undeliverable: [String] = []
        /// `--dry-run`: where the `.eml` files are.
        public var outbox: String?

        public var refused: [Outcome] {
            outcomes.filter { if case .refused = $0.result { true } else { false } }
        }
    }

    /// A message ready to go: who it is about, to whom, and the bytes.
    struct PreparedMessage {
        var record: StateStore.MessageRecord
        var message: MailMessage
    }

    /// Sends (or with `dryRun` writes to `outbox`) every message due on `day` (`asOf`, else
    /// `today`). Each message is recorded in the state store before it is sent, so a notify
    /// killed half-way never sends one twice. Throws `sourceUnreachable` when the server is
    /// down or refuses the login or TLS, after recording what was sent before.
    public func notify(asOf: Day? = nil, today: Day = Day.today(), dryRun: Bool = false, outbox: String? = nil)
        throws -> NotifySummary
    {
        guard let mail = config.mail else {
            throw ToolError(
                .configuration,
                "\(config.file): error: notify needs a 'mail:' section (url, starttls, from, username, password_env or password_file); see README, Reaching reviewers by e-mail"
            )
        }
        for format in mail.formats where !config.sheetFormats.contains(format) {
            throw ToolError(
                .configuration,
                "\(config.places.at("mail.formats")): error: mail.formats lists \(format), but the run writes no \(format) sheets (sheet_formats: \(config.sheetFormats.joined(separator: ", ")))"
            )
        }
        let lock = dryRun ? nil : try lockState()
        defer { withExtendedLifetime(lock) {} }
        let day = asOf ?? today
        guard FileManager.default.fileExists(atPath: config.statePath) else {
            throw ToolError(
                .input, "\(config.statePath): error: no campaign has been run here yet; run accessreview run first")
        }
        let state = try StateStore(path: config.statePath)
        let campaign = try messagingCampaign(state: state, day: day)
        _ = try state.requireRun(of: campaign)
        guard let deadline = try state.deadline(of: campaign) else {
            throw ToolError(.input, "\(state.path): error: campaign \(campaign) has no deadline in the state store")
        }
        if let closed = try state.closedOn(campaign) {
            throw ToolError(
                .input,
                "\(state.path): error: campaign \(campaign) was closed on \(closed); its reviewers are not written to any more"
            )
        }
        let handbook = try loader(asOf: asOf).loadRules().0
        let templates = try MailTemplate.load(folder: mail.templates, language: config.language)
        let folder = (config.output as NSString).appendingPathComponent(campaign)
        let directory = try ReviewerDirectory.read(folder: folder)
        let plan = NotificationPlan(
            deadline: deadline, remindDaysBefore: handbook.policy.remindDaysBefore,
            escalateAfterDays: handbook.policy.escalateAfterDays)
        let sent = Dictionary(grouping: try state.messages(campaign: campaign), by: \.reviewer)

        var summary = NotifySummary(campaign: campaign, day: day)
        var composer = MessageComposer(
            config: config, mail: mail, templates: templates, directory: directory, fallbacks: handbook.fallbacks,
            campaign: campaign, deadline: deadline, day: day,
            sheets: (folder as NSString).appendingPathComponent("sheets"))
        var prepared: [PreparedMessage] = []
        for sheet in try state.sheetSummaries(campaign: campaign) {
            for due in plan.due(on: day, sheet: sheet, sent: NotificationPlan.Sent(sent[sheet.reviewer] ?? [])) {
                prepared += try composer.messages(for: due, sheet: sheet)
            }
        }
        summary.notes = composer.notes
        summary.undeliverable = composer.undeliverable

        if dryRun {
            let path =
                outbox
                ?? ((config.output as NSString).appendingPathComponent("outbox/\(campaign)/\(day)") as NSString)
                .standardizingPath
            var files: [String: Data] = [:]
            for (index, item) in prepared.enumerated() {
                let name = String(format: "%03d-%@-%@.eml", index + 1, item.record.reviewer, item.record.kind.rawValue)
                files[name] = Data(item.message.bytes)
                summary.outcomes.append(outcome(item, .written((path as NSString).appendingPathComponent(name))))
            }
            try FolderSwap.replace(path, with: files)
            summary.outbox = path
            return summary
        }

        try deliver(prepared, mail: mail, state: state, into: &summary)
        return summary
    }

    /// Sends each message, recording it as `sending` before and its outcome after. A refused
    /// recipient is noted and the rest are sent; a server failure stops with exit 3 after
    /// recording what was sent.
    func deliver(
        _ prepared: [PreparedMessage], mail: MailConfig, state: StateStore, into summary: inout NotifySummary
    ) throws {
        guard !prepared.isEmpty else { return }
        let settings = SMTPSettings(
            url: mail.url, starttls: mail.starttls, allowInsecure: mail.allowInsecure, username: mail.username,
            password: try mail.password(places: config.places), caFile: mail.caFile, timeoutSeconds: mail.timeoutSeconds
        )
        let client: SMTPClient
        do { client = try SMTPClient(settings) } catch { throw ToolError(.sourceUnreachable, error.message) }
        for item in prepared {
            let id = try state.recordSending(item.record)
            let bytes = item.message.bytes
            let result = Result { () throws(SMTPFailure) in
                try client.send(from: mail.from, to: [item.record.recipient], message: bytes)
            }
            switch result {
            case .success(let accepted):
                try state.recordOutcome(of: id, .sent, reply: accepted.reply)
                summary.outcomes.append(outcome(item, .sent(accepted.reply)))
            case .failure(.recipient(let reason)):
                try state.recordOutcome(of: id, .refused, reply: reason)
                summary.outcomes.append(outcome(item, .refused(reason)))
            case .failure(.server(let reason)):
                try state.recordOutcome(of: id, .failed, reply: reason)
                let done = summary.outcomes.count
                throw ToolError(
                    .sourceUnreachable,
                    "\(reason); \(done) \(done == 1 ? "message was" : "messages were") sent before and recorded, the rest were not sent: run notify again when the server answers"
                )
            }
        }
    }

    /// The campaign `notify` and `status` write about on `day`: the config's (`campaign`, or
    /// the one its `as_of` names); without either, the latest campaign still open on that day.
    /// `--as-of` is the day of the messages, which lies after the campaign's own as_of.
    func messagingCampaign(state: StateStore, day: Day) throws -> String {
        if config.campaign != nil || config.asOf != nil { return campaign(asOf: nil) }
        return try state.openCampaign(on: day) ?? campaign(asOf: day)
    }

    /// `status`: what was sent to each reviewer last and what is due next.
    func addMessages(to progress: inout [CampaignReport.Progress], state: StateStore, campaign: String, day: Day)
        throws
    {
        for delegation in try state.delegations(campaign: campaign) {
            let terms =
                "on \(delegation.madeOn), approved by \(delegation.approvedBy)\(delegation.until.map { ", until \($0)" } ?? ""): \(delegation.reason)"
            for index in progress.indices {
                if progress[index].reviewer == delegation.from {
                    progress[index].delegations.append(
                        "\(delegation.lines.count) lines delegated to \(delegation.to) \(terms)")
                } else if progress[index].reviewer == delegation.to {
                    progress[index].delegations.append(
                        "\(delegation.lines.count) lines delegated from \(delegation.from) \(terms)")
                }
            }
        }
        let records = Dictionary(grouping: try state.messages(campaign: campaign), by: \.reviewer)
        guard let deadline = try state.deadline(of: campaign), try state.closedOn(campaign) == nil else { return }
        let policy = try loader(asOf: day).loadRules().0.policy
        let plan = NotificationPlan(
            deadline: deadline, remindDaysBefore: policy.remindDaysBefore, escalateAfterDays: policy.escalateAfterDays)
        for index in progress.indices {
            let reviewer = progress[index].reviewer
            // The plan needs the sheet's version and counts, which the progress has: the
            // sheets are not read again.
            let p = progress[index]
            let sheet = StateStore.SheetSummary(
                reviewer: reviewer, version: p.sheetVersion, lines: p.total, findings: 0, decided: p.decided)
            let sent = records[reviewer] ?? []
            if let last = sent.last {
                let state =
                    last.status == .sent ? "" : " (\(last.status == .sending ? "unconfirmed" : last.status.rawValue))"
                progress[index].lastMessage = "\(last.kind.rawValue) \(last.sentOn) to \(last.recipient)\(state)"
            }
            if let next = plan.next(after: day, sheet: sheet, sent: NotificationPlan.Sent(sent)) {
                progress[index].nextMessage = "\(next.kind.rawValue) \(next.day)"
            }
        }
    }

    private func outcome(_ item: PreparedMessage, _ result: NotifySummary.Result) -> NotifySummary.Outcome {
        NotifySummary.Outcome(
            reviewer: item.record.reviewer, kind: item.record.kind, recipientId: item.record.recipientId,
            recipient: item.record.recipient, result: result)
    }
}

extension SMTPFailure {
    var message: String {
        switch self {
        case .server(let text), .recipient(let text): text
        }
    }
}

/// Turns a due message into the messages to send: whom to, from which template, with which
/// files. A reviewer without an address is written to through the first fallback reviewer
/// who has one, and the message says so; with nobody, it is reported as undeliverable.
struct MessageComposer {
    let config: RunConfig
    let mail: MailConfig
    let templates: [MessageKind: MailTemplate]
    let directory: ReviewerDirectory
    let fallbacks: [String]
    let campaign: String
    let deadline: Day
    let day: Day
    let sheets: String
    var notes: [String] = []
    var undeliverable: [String] = []

    /// The address a message for `person` goes to, and the identity it belongs to.
    mutating func recipient(for person: String, about reviewer: String, kind: MessageKind) -> (
        id: String, address: String
    )? {
        if let address = directory.address(of: person) { return (person, address) }
        for fallback in fallbacks where fallback != person {
            if let address = directory.address(of: fallback) {
                notes.append(
                    "\(person) has no usable e-mail address in the directory: the \(kind.rawValue) message about \(reviewer)'s sheet went to the fallback reviewer \(fallback) <\(address)>"
                )
                return (fallback, address)
            }
        }
        undeliverable.append(
            "\(kind.rawValue) message about \(reviewer)'s sheet: neither \(person) nor a fallback reviewer (\(fallbacks.joined(separator: ", "))) has an e-mail address in the directory"
        )
        return nil
    }

    mutating func messages(for due: NotificationPlan.Due, sheet: StateStore.SheetSummary) throws -> [Application
        .PreparedMessage]
    {
        let reviewer = sheet.reviewer
        switch due.kind {
        case .sheet, .reminder:
            return try [message(due.kind, due: due.due, to: reviewer, sheet: sheet, attach: true)].compactMap { $0 }
        case .escalation:
            var manager = directory.people[reviewer]?.manager
            if manager == reviewer || manager.map({ directory.people[$0] == nil }) == true { manager = nil }
            let escalateTo = manager ?? fallbacks.first { $0 != reviewer } ?? reviewer
            return try [
                message(.escalation, due: due.due, to: escalateTo, sheet: sheet, attach: false),
                message(.escalationNotice, due: due.due, to: reviewer, sheet: sheet, attach: false),
            ].compactMap { $0 }
        case .escalationNotice, .delegation, .delegationNotice:
            return []
        }
    }

    mutating func message(
        _ kind: MessageKind, due: String, to person: String, sheet: StateStore.SheetSummary, attach: Bool,
        extra: [String: String] = [:]
    ) throws -> Application.PreparedMessage? {
        guard let template = templates[kind], let to = recipient(for: person, about: sheet.reviewer, kind: kind)
        else { return nil }
        var attachments: [MailMessage.Attachment] = []
        if attach {
            for format in mail.formats {
                let name = "\(sheet.reviewer).\(format)"
                let path = (sheets as NSString).appendingPathComponent(name)
                guard let data = FileManager.default.contents(atPath: path) else {
                    throw ToolError(
                        .input, "\(path): error: the sheet to send is missing; run accessreview run again")
                }
                attachments.append(
                    MailMessage.Attachment(
                        name: name, contentType: MailMessage.Attachment.contentType(ofFile: name), data: data))
            }
        }
        var values: [String: String] = [
            "name": directory.name(of: to.id), "reviewer": sheet.reviewer,
            "reviewer_name": directory.name(of: sheet.reviewer), "organisation": config.organisation,
            "campaign": campaign, "deadline": deadline.description, "lines": String(sheet.lines),
            "undecided": String(sheet.undecided), "findings": String(sheet.findings),
            "days_left": String(max(0, deadline - day)), "days_overdue": String(max(0, day - deadline)),
            "files": attachments.map(\.name).joined(separator: ", "), "reply_to": mail.replyTo ?? mail.from,
            "delegate": "", "delegate_name": "", "reason": "",
        ]
        values.merge(extra) { $1 }
        var (subject, body) = template.fill(values)
        if to.id != person {
            body =
                (config.language == .da
                    ? "Denne besked er til \(directory.name(of: person)) (\(person)), som ikke har en e-mailadresse i kataloget. Giv den videre, eller sørg for at gennemgangen bliver gjort.\n\n"
                    : "This message is for \(directory.name(of: person)) (\(person)), who has no e-mail address in the directory. Please pass it on, or see that the review is done.\n\n")
                + body
        }
        let messageId = MailMessage.newMessageId(from: mail.from)
        let message = MailMessage(
            from: mail.from, fromName: config.organisation, to: to.address, toName: directory.name(of: to.id),
            replyTo: mail.replyTo, subject: subject, body: body, attachments: attachments, messageId: messageId,
            date: Date())
        let record = StateStore.MessageRecord(
            campaign: campaign, reviewer: sheet.reviewer, kind: kind, due: due, recipientId: to.id,
            recipient: to.address, sentOn: day, sentAt: StateStore.now(), status: .sending, messageId: messageId,
            attachments: attachments.map { ($0.name, $0.sha256) })
        return Application.PreparedMessage(record: record, message: message)
    }
}
