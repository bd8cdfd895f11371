import Foundation

/// The record of every message `notify` sent (table `messages`, schema 4). A message is
/// recorded as `sending` and committed before it goes to the server, then marked `sent` with
/// the server's reply, or `refused` (the server refused the recipient) or `failed` (the
/// server could not be reached). A `sending` record left by a killed notify counts as sent:
/// the message may have gone out, and nobody gets a message twice.
extension StateStore {
    public enum MessageStatus: String, Sendable {
        case sending, sent, refused, failed

        /// Whether a message in this state is not sent again.
        public var counts: Bool { self == .sending || self == .sent }
    }

    public struct MessageRecord: Sendable, Equatable {
        public var id = 0
        public var campaign: String
        /// Whose sheet the message is about.
        public var reviewer: String
        public var kind: MessageKind
        /// Which occasion of its kind: the sheet's version (`v2`), the reminder's days before
        /// the deadline (`10`), the days after it for an escalation (`5`).
        public var due: String
        /// Who received it (an identity id) and at which address.
        public var recipientId: String
        public var recipient: String
        /// The day of the run that sent it (`--as-of`, else today) and the time it was sent.
        public var sentOn: Day
        public var sentAt: String
        public var status: MessageStatus
        /// The server's last reply, or why it was not sent.
        public var reply: String
        public var messageId: String
        /// `name sha256` of each attached file.
        public var attachments: [(name: String, sha256: String)]

        public init(
            campaign: String, reviewer: String, kind: MessageKind, due: String, recipientId: String,
            recipient: String, sentOn: Day, sentAt: String, status: MessageStatus, reply: String = "",
            messageId: String, attachments: [(name: String, sha256: String)]
        ) {
            self.campaign = campaign
            self.reviewer = reviewer
            self.kind = kind
            self.due = due
            self.recipientId = recipientId
            self.recipient = recipient
            self.sentOn = sentOn
            self.sentAt = sentAt
            self.status = status
            self.reply = reply
            self.messageId = messageId
            self.attachments = attachments
        }

        public static func == (a: MessageRecord, b: MessageRecord) -> Bool {
            a.id == b.id && a.messageId == b.messageId && a.status == b.status && a.reply == b.reply
        }
    }

    /// Records a message about to be sent, committed at once; returns its id.
    public func recordSending(_ record: MessageRecord) throws -> Int {
        try db.transaction {
            try db.run(
                """
                INSERT INTO messages (campaign, reviewer, kind, due, recipient_id, recipient, sent_on, sent_at, status,
                    reply, message_id, attachments) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
                """,
                [
                    .text(record.campaign), .text(record.reviewer), .text(record.kind.rawValue), .text(record.due),
                    .text(record.recipientId), .text(record.recipient), .text(record.sentOn.description),
                    .text(record.sentAt), .text(MessageStatus.sending.rawValue), .text(""), .text(record.messageId),
                    .text(record.attachments.map { "\($0.sha256) \($0.name)" }.joined(separator: "\n")),
                ])
            return db.lastInsertRowID
        }
    }

    /// What became of a message recorded as `sending`.
    public func recordOutcome(of id: Int, _ status: MessageStatus, reply: String) throws {
        try db.run(
            "UPDATE messages SET status = ?, reply = ? WHERE id = ?",
            [.text(status.rawValue), .text(reply), .integer(id)])
    }

    /// Every message of a campaign, in the order sent.
    public func messages(campaign: String) throws -> [MessageRecord] {
        try db.query(
            """
            SELECT id, reviewer, kind, due, recipient_id, recipient, sent_on, sent_at, status, reply, message_id,
                attachments FROM messages WHERE campaign = ? ORDER BY id
            """, [campaign]
        ) { r in
            guard let kind = MessageKind(rawValue: r.text(2)), let sentOn = Day(iso: r.text(6)),
                let status = MessageStatus(rawValue: r.text(8))
            else {
                throw ToolError(
                    .input,
                    "\(path): error: message \(r.integer(0)) of campaign \(campaign) in the state store is damaged")
            }
            var record = MessageRecord(
                campaign: campaign, reviewer: r.text(1), kind: kind, due: r.text(3), recipientId: r.text(4),
                recipient: r.text(5), sentOn: sentOn, sentAt: r.text(7), status: status, reply: r.text(9),
                messageId: r.text(10),
                attachments: r.text(11).split(separator: "\n").map { line in
                    let parts = line.split(separator: " ", maxSplits: 1)
                    return (name: parts.count > 1 ? String(parts[1]) : "", sha256: String(parts[0]))
                })
            record.id = r.integer(0)
            return record
        }
    }

    /// The latest campaign run on or before `day` and not closed.
    public func openCampaign(on day: Day) throws -> String? {
        try db.query(
            "SELECT campaign FROM campaigns WHERE closed_on IS NULL AND as_of <= ? ORDER BY as_of DESC, created_at DESC LIMIT 1",
            [day.description]
        ) { $0.text(0) }.first
    }

    /// Each reviewer's latest sheet: its version, lines, lines with findings, decided lines
    /// and the day its first version was issued. For `notify`.
    public func sheetSummaries(campaign: String) throws -> [SheetSummary] {
        let progress = Dictionary(
            try reviewerProgress(campaign: campaign).map { ($0.reviewer, $0) }, uniquingKeysWith: { a, _ in a })
        var summaries: [SheetSummary] = []
        try forEachSheet(campaign: campaign, latestOnly: true) { sheet in
            let p = progress[sheet.reviewer]
            summaries.append(
                SheetSummary(
                    reviewer: sheet.reviewer, version: sheet.version, lines: sheet.rows.count,
                    findings: sheet.rows.filter { $0.worst != nil }.count, decided: p?.decided ?? 0))
        }
        return summaries
    }

    public struct SheetSummary: Sendable, Equatable {
        public var reviewer: String
        public var version: Int
        public var lines: Int
        public var findings: Int
        public var decided: Int
        public var undecided: Int { max(0, lines - decided) }

        public init(reviewer: String, version: Int, lines: Int, findings: Int, decided: Int) {
            self.reviewer = reviewer
            self.version = version
            self.lines = lines
            self.findings = findings
            self.decided = decided
        }
    }
}
