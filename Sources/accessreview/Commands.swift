import AccessReviewApp
import AccessReviewCore
import ArgumentParser
import Foundation

struct Run: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Run the whole pipeline: read, reconcile, write sheets, findings and manifest.",
        discussion: "The output folder <output>/<campaign>/ appears whole or not at all.")

    @OptionGroup var options: ConfigOptions

    @Option(
        name: .customLong("as-of"),
        help: "Evaluate every rule on this date (YYYY-MM-DD); default: as_of in the config, else today.")
    var asOf: DayArgument?

    @Option(
        name: .customLong("fail-on"),
        help: "Exit 1 when a finding of this severity or worse exists (low, medium, high, critical).")
    var failOn: Severity?

    @Flag(name: .long, help: "Print the time of each stage and the peak memory on stderr.")
    var timings = false

    @Flag(
        name: .customLong("accept-population-change"),
        help: "Run even when the directory or an export has shrunk past the handbook's max_population_drop.")
    var acceptPopulationChange = false

    func run() throws {
        try guarded {
            let summary = try options.application().run(asOf: asOf?.day, acceptPopulationChange: acceptPopulationChange)
            if timings {
                printTimings(summary.stages.map { ($0.name, $0.seconds) })
            }
            let counts = Severity.allCases.reversed().map { "\($0.rawValue) \(summary.countsBySeverity[$0] ?? 0)" }
                .joined(separator: ", ")
            let sheets = ((summary.folder as NSString).standardizingPath as NSString).appendingPathComponent("sheets")
            let folder = (summary.folder as NSString).standardizingPath
            if summary.verifiedRemovals > 0 {
                print(
                    summary.verifiedRemovals == 1
                        ? "1 removal decided earlier is verified: its line is gone"
                        : "\(summary.verifiedRemovals) removals decided earlier are verified: their lines are gone")
            }
            let late = summary.findings.filter { $0.code == .revocationNotDone }
            if !late.isEmpty {
                print(
                    "\(late.count) \(late.count == 1 ? "removal is" : "removals are") past the handbook's deadline and still there (REVOCATION_NOT_DONE): \(late.prefix(5).map { "\($0.system ?? "")/\($0.account ?? "") \($0.role ?? "")" }.joined(separator: ", "))\(late.count > 5 ? ", …" : "") — see \(folder)/findings.csv and \(folder)/revocations/"
                )
            }
            if !summary.resend.isEmpty {
                print(
                    "\(summary.resend.count) \(summary.resend.count == 1 ? "reviewer" : "reviewers") must get the new version of their sheet: \(summary.resend.prefix(10).joined(separator: ", "))\(summary.resend.count > 10 ? ", …" : "")"
                )
            }
            if let leavers = summary.leavers, leavers.leavers > 0 {
                print(
                    "leavers: \(leavers.leavers), \(leavers.removedOnTime) removed by the end date, \(leavers.stillOpen) still open (\(folder)/leavers.csv)"
                )
            }
            print(
                "accessreview \(summary.campaign): \(summary.findings.count) findings (\(counts)); \(summary.lines) access lines on \(summary.sheets) sheets in \(sheets)/ (open \(sheets)/index.html); report: \(folder)/report.html"
            )
            if let failOn, summary.findings.contains(where: { $0.severity >= failOn }) {
                throw ExitCode(ExitStatus.findingsAtOrAboveThreshold.rawValue)
            }
        }
    }
}

struct Check: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract:
            "Validate the config, the handbook, the mappings, the directory and the exports; print a summary or every error."
    )

    @OptionGroup var options: ConfigOptions

    func run() throws {
        try guarded {
            let inputs = try options.application(quiet: true).check()
            let config = inputs.config
            for warning in inputs.warnings { printError(warning.description) }
            let handbook = inputs.handbook
            let pairs = handbook.sod.reduce(0) { $0 + $1.roles.count * ($1.roles.count - 1) / 2 }
            let accounts = inputs.exports.reduce(0) { $0 + $1.accounts.count }
            print(
                """
                \(config.file): ok
                  identities:  \(inputs.directory.users.count) (\(inputs.directory.groups.count) groups)
                  systems:     \(inputs.exports.count) (\(accounts) accounts): \(inputs.exports.map(\.system).joined(separator: ", "))
                  job roles:   \(handbook.jobRoles.count), catalogue roles: \(handbook.roles.count), birthright roles: \(handbook.birthright.count)
                  SoD rules:   \(handbook.sod.count) (\(pairs) conflicting pairs)
                  exceptions:  \(handbook.exceptions.count) (\(handbook.exceptions.filter { $0.isValid(on: inputs.asOf) }.count) valid on \(inputs.asOf))
                """)
        }
    }
}

struct Pull: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Read the directory only and write its snapshot (directory.json).")

    @OptionGroup var options: ConfigOptions

    @Option(name: .long, help: "Where to write the snapshot.")
    var output: String

    @Flag(name: .long, help: "Print where the time went on stderr.")
    var timings = false

    func run() throws {
        try guarded {
            let (snapshot, stages) = try options.application().pull(to: output)
            if timings { printTimings(stages) }
            print(
                "accessreview pull: \(snapshot.users.count) users and \(snapshot.groups.count) groups written to \(output)"
            )
            keepUntilExit(snapshot)
        }
    }
}

struct Accounts: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Parse the system exports only and write the accounts (accounts.json).")

    @OptionGroup var options: ConfigOptions

    @Option(name: .long, help: "Where to write the accounts.")
    var output: String

    @Flag(name: .long, help: "Print where the time went on stderr.")
    var timings = false

    func run() throws {
        try guarded {
            let (exports, stages) = try options.application().accounts(to: output)
            if timings { printTimings(stages) }
            let accounts = exports.reduce(0) { $0 + $1.accounts.count }
            print("accessreview accounts: \(accounts) accounts of \(exports.count) systems written to \(output)")
            keepUntilExit(exports)
        }
    }
}

struct Decisions: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Work with returned attestation sheets.", subcommands: [Import.self])

    struct Import: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Read returned sheets (XLSX or CSV), record the decisions and write the revocation lists.",
            discussion: """
                Each file is accepted whole or refused whole: a row that was added, edited outside Decision and Comment, \
                or comes from another reviewer or campaign, or a decision that is not Keep/Remove (Behold/Fjern), refuses \
                the file and every bad row is named. Keeping a line with a critical or high finding needs a comment. \
                Importing the same file again changes nothing; a later file from the same reviewer supersedes the earlier. \
                Afterwards <output>/<campaign>/revocations/<system>.csv lists the lines to remove.
                """)

        @OptionGroup var options: ConfigOptions

        @Option(
            name: .customLong("as-of"),
            help:
                "The day the decisions were made (YYYY-MM-DD; default today): revocation_days and the review intervals count from it. Also picks the campaign when the config names none."
        )
        var asOf: DayArgument?

        @Argument(help: "Returned sheets (.xlsx or .csv).") var files: [String]

        func run() throws {
            try guarded {
                let summary = try options.application().importDecisions(files, asOf: asOf?.day)
                for (file, outcome) in summary.outcomes {
                    switch outcome {
                    case .recorded(let reviewer, let decided, let undecided):
                        print(
                            "\(file): recorded \(decided) decisions of \(reviewer)\(undecided > 0 ? " (\(undecided) lines still undecided)" : "")"
                        )
                    case .alreadyImported(let reviewer):
                        print("\(file): already imported for \(reviewer); nothing changed")
                    case .refused(let problems):
                        for problem in problems { printError(problem.description) }
                        printError("\(file): refused; nothing of it was recorded")
                    }
                }
                for note in summary.notes { print(note) }
                let refused = summary.refused
                print(
                    "accessreview decisions: \(files.count - refused) of \(files.count) files accepted; \(summary.linesToRemove) lines to remove in \(summary.systems) systems, in \(summary.revocationsFolder)/"
                )
                if refused > 0 { throw ExitCode(ExitStatus.badInput.rawValue) }
            }
        }
    }
}

struct Status: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Show each reviewer's progress in the current campaign and write status.csv.")
    @OptionGroup var options: ConfigOptions

    @Option(name: .customLong("as-of"), help: "The campaign's as_of date when the config has none (YYYY-MM-DD).")
    var asOf: DayArgument?

    func run() throws {
        try guarded {
            let summary = try options.application().status(asOf: asOf?.day)
            let (campaign, progress, path) = (summary.campaign, summary.progress, summary.file)
            print("reviewer".padding(toLength: 16, withPad: " ", startingAt: 0) + "decided/total  due         ")
            for p in progress {
                let reviewer = p.reviewer.padding(toLength: 16, withPad: " ", startingAt: 0)
                let count = "\(p.decided)/\(p.total)".padding(toLength: 15, withPad: " ", startingAt: 0)
                let marks =
                    (p.overdue ? "  OVERDUE" : "") + (p.resend ? "  NEW VERSION \(p.sheetVersion): send again" : "")
                let mail =
                    (p.lastMessage.isEmpty ? "" : "  sent: \(p.lastMessage)")
                    + (p.nextMessage.isEmpty ? "" : "  next: \(p.nextMessage)")
                print(reviewer + count + (p.due?.description ?? "") + marks + mail)
                for delegation in p.delegations { print(String(repeating: " ", count: 16) + delegation) }
            }
            let decided = progress.reduce(0) { $0 + $1.decided }, total = progress.reduce(0) { $0 + $1.total }
            print(
                "campaign \(campaign): \(decided)/\(total) lines decided by \(progress.filter { $0.decided == $0.total }.count) of \(progress.count) reviewers; \(progress.filter(\.overdue).count) overdue; written to \(path)"
            )
        }
    }
}

struct Explain: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract:
            "Explain why each of a person's access lines is (not) allowed, with the findings a run on the same day reports (history included)."
    )
    @OptionGroup var options: ConfigOptions

    @Option(name: .customLong("as-of"), help: "Evaluate the rules on this date (YYYY-MM-DD).")
    var asOf: DayArgument?

    @Argument(help: "One or more identity ids.") var identities: [String]

    func run() throws {
        try guarded {
            let explained = try options.application(quiet: true).explain(identities, asOf: asOf?.day)
            print(explained.map(\.text).joined(separator: "\n"), terminator: "")
        }
    }
}

struct Verify: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract:
            "Recompute the SHA-256 of every output of a run against its manifest, and check the decision history's hash chain; exit 1 and name what was altered."
    )

    @Argument(help: "A run's output folder (out/<campaign>).") var folder: String

    func run() throws {
        try guarded {
            let report = try Application.verify(folder: folder)
            for path in report.altered { print("altered: \(path)") }
            for path in report.missing { print("missing: \(path)") }
            for path in report.unlisted { print("not in the manifest: \(path)") }
            if let record = report.alteredHistory {
                print("the state store's history was changed outside accessreview, first at \(record)")
            }
            if report.ok {
                let history =
                    report.history.map {
                        $0.imports == 0
                            ? ""
                            : "; the decision history of \($0.imports) imports is intact, its chain ends in \($0.head)"
                    } ?? ""
                print("accessreview verify: all \(report.checked) files match the manifest\(history)")
            } else {
                print(
                    "accessreview verify: \(report.altered.count) altered, \(report.missing.count) missing, \(report.unlisted.count) not in the manifest\(report.alteredHistory == nil ? "" : "; the decision history was altered")"
                )
                throw ExitCode(1)
            }
        }
    }
}

struct Generate: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Write a synthetic organisation for demos and benchmarks.",
        discussion: """
            Writes directory.ldif, exports/ (HR and one export per system, in the Samples' four shapes), mappings/, \
            handbook.yaml and accessreview.yaml into the folder, with a known share of each anomaly, and expected.json: \
            every finding a run must give. The same --seed gives the same files; --order-seed shuffles only the order \
            of directory entries and export records.
            """)

    @Option(name: .long, help: "Number of people (at least 60).") var people: Int
    @Option(name: .long, help: "Number of systems (at least 1).") var systems: Int
    @Option(name: .long, help: "The folder to write.") var out: String
    @Option(name: .long, help: "Seed for the organisation.") var seed: UInt64 = 1
    @Option(name: .customLong("order-seed"), help: "Seed for the order of records only.") var orderSeed: UInt64?

    func run() throws {
        try guarded {
            guard people >= 60, systems >= 1 else {
                throw ToolError(.input, "generate: --people must be at least 60 and --systems at least 1")
            }
            let expected = try OrganisationGenerator(people: people, systems: systems, seed: seed, orderSeed: orderSeed)
                .write(to: out)
            print(
                "accessreview generate: \(people) people, \(systems) systems and \(expected.count) expected findings written to \(out) (run: accessreview run --config \(out)/accessreview.yaml)"
            )
        }
    }
}

struct Close: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "End the campaign: record the unanswered outcome, write the final evidence, refuse later imports.",
        discussion: """
            Every line of every reviewer's latest sheet without a decision gets the handbook's policy.unanswered \
            outcome: "not attested" (the default) or Remove (then it goes on the revocation lists). The close is \
            recorded in the state store's hash chain; later imports of the campaign's sheets and later runs of it are \
            refused. leavers.csv, report.html and the manifest's entries for them are written again from the final \
            state. The next campaign counts "new since last attestation" from this close. Closing a closed campaign \
            writes its evidence again and changes nothing else.
            """)
    @OptionGroup var options: ConfigOptions

    @Option(
        name: .customLong("as-of"),
        help: "The campaign's as_of date when the config has none, and the day of the close (YYYY-MM-DD).")
    var asOf: DayArgument?

    func run() throws {
        try guarded {
            let summary = try options.application().close(asOf: asOf?.day)
            let leavers = summary.leavers
            print(
                summary.newlyClosed
                    ? "accessreview \(summary.campaign): closed on \(summary.closedOn); \(summary.unanswered) unanswered lines recorded as \(summary.outcome); leavers: \(leavers.leavers), \(leavers.removedOnTime) removed by the end date, \(leavers.stillOpen) still open; evidence in \(summary.folder)/report.html and leavers.csv"
                    : "accessreview \(summary.campaign): already closed on \(summary.closedOn); evidence written again in \(summary.folder)/report.html and leavers.csv"
            )
        }
    }
}
