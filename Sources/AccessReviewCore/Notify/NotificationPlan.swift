import Foundation

/// Which messages are due for a reviewer on a day, from the campaign's deadline, the
/// handbook's `remind_days_before` and `escalate_after_days`, the reviewer's sheet and the
/// messages already sent. No I/O: `notify` and `status` both ask it.
///
/// - The sheet goes out once per version of it (a re-run that changed the sheet sends the
///   new version).
/// - A reminder is due on the day `d` days before the deadline, for each `d` of
///   `remind_days_before`, to a reviewer with undecided lines whose sheet went out before
///   that day. A notify that did not run for days sends only the latest reminder due.
/// - An escalation is due `escalate_after_days` after the deadline while lines are undecided:
///   to the reviewer's own manager, and a notice to the reviewer; once per campaign.
public struct NotificationPlan: Sendable {
    public var deadline: Day
    public var remindDaysBefore: [Int]
    public var escalateAfterDays: Int

    public init(deadline: Day, remindDaysBefore: [Int], escalateAfterDays: Int) {
        self.deadline = deadline
        self.remindDaysBefore = remindDaysBefore.sorted()
        self.escalateAfterDays = escalateAfterDays
    }

    public struct Due: Sendable, Equatable, CustomStringConvertible {
        public var kind: MessageKind
        public var due: String
        public var day: Day

        public var description: String { "\(kind.rawValue) \(due) on \(day)" }
    }

    /// What the reviewer's record says: the messages that count as sent (see `MessageStatus.counts`).
    public struct Sent: Sendable {
        /// `kind due` of each message sent.
        var keys: Set<String> = []
        /// The day the reviewer's first sheet message went out.
        var firstSheetOn: Day?

        public init(_ records: [StateStore.MessageRecord]) {
            for record in records where record.status.counts {
                keys.insert("\(record.kind.rawValue) \(record.due)")
                if record.kind == .sheet || record.kind == .delegation || record.kind == .delegationNotice {
                    firstSheetOn = min(firstSheetOn ?? record.sentOn, record.sentOn)
                }
            }
        }

        func contains(_ kind: MessageKind, _ due: String) -> Bool { keys.contains("\(kind.rawValue) \(due)") }

        /// Whether this version of the sheet went out: as the sheet itself, or attached to a
        /// delegation (to the new reviewer) or its notice (to the old one).
        func hasSheet(_ version: Int) -> Bool {
            [MessageKind.sheet, .delegation, .delegationNotice].contains { contains($0, "v\(version)") }
        }
    }

    /// The messages due for `sheet` on `day`: the escalation implies its notice.
    public func due(on day: Day, sheet: StateStore.SheetSummary, sent: Sent) -> [Due] {
        var due: [Due] = []
        if sheet.lines > 0, !sent.hasSheet(sheet.version), !(sheet.version == 1 && sent.firstSheetOn != nil) {
            due.append(Due(kind: .sheet, due: "v\(sheet.version)", day: day))
        }
        guard sheet.undecided > 0, let firstSheetOn = sent.firstSheetOn else { return due }
        if let days = remindDaysBefore.first(where: { day >= deadline - $0 }), day <= deadline,
            firstSheetOn < deadline - days, !sent.contains(.reminder, "\(days)")
        {
            due.append(Due(kind: .reminder, due: "\(days)", day: day))
        }
        let escalation = deadline + escalateAfterDays
        if day >= escalation, firstSheetOn < escalation, !sent.contains(.escalation, "\(escalateAfterDays)") {
            due.append(Due(kind: .escalation, due: "\(escalateAfterDays)", day: day))
        }
        return due
    }

    /// The next message due after `day` (for `status`): nil when the sheet is complete or
    /// everything the handbook asks for was sent.
    public func next(after day: Day, sheet: StateStore.SheetSummary, sent: Sent) -> Due? {
        guard sheet.undecided > 0 else { return nil }
        if sent.firstSheetOn == nil || (sheet.version > 1 && !sent.hasSheet(sheet.version)) {
            return Due(kind: .sheet, due: "v\(sheet.version)", day: day)
        }
        let firstSheetOn = sent.firstSheetOn!
        for days in remindDaysBefore.reversed() {
            let on = deadline - days
            if on > day, firstSheetOn < on, !sent.contains(.reminder, "\(days)") {
                return Due(kind: .reminder, due: "\(days)", day: on)
            }
        }
        let escalation = deadline + escalateAfterDays
        if !sent.contains(.escalation, "\(escalateAfterDays)") {
            return Due(kind: .escalation, due: "\(escalateAfterDays)", day: max(escalation, day + 1))
        }
        return nil
    }
}
