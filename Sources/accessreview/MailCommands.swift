import AccessReviewApp
import AccessReviewCore
import ArgumentParser
import Foundation

// The commands that reach reviewers by e-mail: `notify` and `delegate`.

struct Notify: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "E-mail each reviewer their sheet, remind before the deadline and escalate after it.",
        discussion: """
            Sends, over the SMTP server in the config's mail: section, every message due today: each reviewer's \
            sheet (again when a re-run made a new version of it), a reminder remind_days_before the deadline \
            (handbook) to reviewers with undecided lines, and escalate_after_days after the deadline a message to \
            the reviewer's own manager (the fallback reviewer where there is none) with a notice to the reviewer. \
            Every message is recorded in the state store before it is sent: running notify again the same day, or \
            after a notify was killed, sends nothing twice. Run it each morning from cron. \
            The password comes from mail.password_env or mail.password_file, never from the command line. \
            Exit 3 when the server is down or refuses the login or the TLS handshake; exit 2 when a recipient was \
            refused or had no address (the other messages are sent).
            """)
    @OptionGroup var options: ConfigOptions

    @Option(
        name: .customLong("as-of"),
        help: "The day of the messages (YYYY-MM-DD), for trying out the schedule; default today.")
    var asOf: DayArgument?

    @Flag(name: .customLong("dry-run"), help: "Write every message due as an .eml file and send nothing.")
    var dryRun = false

    @Option(
        name: .long,
        help: "With --dry-run: the folder for the .eml files (default <output>/outbox/<campaign>/<day>).")
    var outbox: String?

    func run() throws {
        try guarded {
            let summary = try options.application().notify(asOf: asOf?.day, dryRun: dryRun, outbox: outbox)
            for note in summary.notes { printError("accessreview: note: \(note)") }
            for outcome in summary.refused {
                if case .refused(let reason) = outcome.result {
                    printError(
                        "accessreview: error: the \(outcome.kind.rawValue) message about \(outcome.reviewer)'s sheet to \(outcome.recipient) was not sent: \(reason)"
                    )
                }
            }
            for problem in summary.undeliverable { printError("accessreview: error: not sent: \(problem)") }
            let counts = MessageKind.allCases.compactMap { kind -> String? in
                let n =
                    summary.outcomes.filter { $0.kind == kind }.count - summary.refused.filter { $0.kind == kind }.count
                return n == 0 ? nil : "\(n) \(kind.rawValue)"
            }.joined(separator: ", ")
            let delivered = summary.outcomes.count - summary.refused.count
            if let outbox = summary.outbox {
                print(
                    "accessreview \(summary.campaign): dry run for \(summary.day): \(delivered) messages due (\(counts.isEmpty ? "none" : counts)) written to \(outbox)/; nothing sent or recorded"
                )
            } else {
                print(
                    "accessreview \(summary.campaign): \(summary.day): \(delivered) messages sent and recorded (\(counts.isEmpty ? "none due" : counts)); \(summary.refused.count) refused, \(summary.undeliverable.count) without an address"
                )
            }
            if !summary.refused.isEmpty || !summary.undeliverable.isEmpty {
                throw ExitCode(ExitStatus.badInput.rawValue)
            }
        }
    }
}

struct Delegate: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Hand a reviewer's undecided lines to another reviewer, approved and recorded.",
        discussion: """
            Moves the lines on --from's sheet that have no decision yet to --to (a line of --to's own access goes \
            up --to's chain of managers, then to the fallback reviewer: nobody reviews their own access), records \
            the delegation (who approved it, why, when, until when, which lines) in the state store, and issues \
            the new sheets with a run of the campaign, which keeps every other row id. With a mail: section, --to \
            gets the new sheet and --from a notice with theirs. A sheet --from returns later is refused for a \
            delegated line that has a decision, naming --to. status shows the delegation.
            """)
    @OptionGroup var options: ConfigOptions

    @Option(name: .long, help: "The reviewer whose undecided lines move (identity id).") var from: String
    @Option(name: .long, help: "The reviewer who takes them (identity id).") var to: String
    @Option(name: .long, help: "Why (kept for the auditors).") var reason: String
    @Option(name: .customLong("approved-by"), help: "Who approved the delegation (identity id; not --from or --to).")
    var approvedBy: String
    @Option(name: .long, help: "The last day the delegation applies (YYYY-MM-DD); default: until the campaign closes.")
    var until: DayArgument?
    @Option(name: .customLong("as-of"), help: "The day of the delegation (YYYY-MM-DD); default today.")
    var asOf: DayArgument?

    func run() throws {
        try guarded {
            let summary = try options.application().delegate(
                from: from, to: to, reason: reason, approvedBy: approvedBy, until: until?.day, asOf: asOf?.day)
            let d = summary.delegation
            let sheets = ((summary.run.folder as NSString).standardizingPath as NSString).appendingPathComponent(
                "sheets")
            print(
                "accessreview \(d.campaign): \(d.lines.count) undecided lines of \(d.from) delegated to \(d.to) (approved by \(d.approvedBy)\(d.until.map { ", until \($0)" } ?? "")); \(d.to)'s sheet is now version \(summary.toVersion)\(summary.fromVersion.map { ", \(d.from)'s version \($0)" } ?? ", \(d.from) has no lines left") in \(sheets)/"
            )
            if let messages = summary.messages {
                for note in messages.notes { printError("accessreview: note: \(note)") }
                for problem in messages.undeliverable { printError("accessreview: error: not sent: \(problem)") }
                let sent = messages.outcomes.filter { if case .sent = $0.result { true } else { false } }
                print("sent: \(sent.map { "\($0.kind.rawValue) to \($0.recipient)" }.joined(separator: ", "))")
                if sent.count != messages.outcomes.count || !messages.undeliverable.isEmpty {
                    throw ExitCode(ExitStatus.badInput.rawValue)
                }
            } else {
                print("no mail: section in the config: send \(sheets)/\(d.to).xlsx to \(d.to) by hand")
            }
        }
    }
}
