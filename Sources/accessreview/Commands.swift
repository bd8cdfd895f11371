import AccessReviewCore
import ArgumentParser
import Foundation

struct Run: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Run the whole pipeline: read, reconcile, write sheets, findings and manifest.",
        discussion: "The output folder <output>/<campaign>/ appears whole or not at all.")

    @OptionGroup var options: ConfigOptions

    @Option(name: .customLong("as-of"), help: "Evaluate every rule on this date (YYYY-MM-DD); default: as_of in the config, else today.")
    var asOf: DayArgument?

    @Option(name: .customLong("fail-on"), help: "Exit 1 when a finding of this severity or worse exists (low, medium, high, critical).")
    var failOn: Severity?

    func run() throws {
        try guarded {
            let config = try options.load()
            let pipeline = Pipeline(config: config, asOf: asOf?.day, progress: Progress(quiet: options.quiet))
            let summary = try pipeline.run()
            let counts = Severity.allCases.reversed().map { "\($0.rawValue) \(summary.countsBySeverity[$0] ?? 0)" }.joined(separator: ", ")
            let sheets = ((summary.folder as NSString).standardizingPath as NSString).appendingPathComponent("sheets")
            print("accessreview \(summary.campaign): \(summary.findings.count) findings (\(counts)); \(summary.lines) access lines on \(summary.sheets) sheets in \(sheets)/ (open \(sheets)/index.html)")
            if let failOn, summary.findings.contains(where: { $0.severity >= failOn }) {
                throw ExitCode(ExitStatus.findingsAtOrAboveThreshold.rawValue)
            }
        }
    }
}

struct Check: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Validate the config, the handbook, the mappings, the directory and the exports; print a summary or every error.")

    @OptionGroup var options: ConfigOptions

    func run() throws {
        try guarded {
            let config = try options.load()
            let inputs = try Pipeline(config: config, progress: Progress(quiet: true)).loadAll()
            for warning in inputs.warnings { printError(warning.description) }
            let handbook = inputs.handbook
            let pairs = handbook.sod.reduce(0) { $0 + $1.roles.count * ($1.roles.count - 1) / 2 }
            let accounts = inputs.exports.reduce(0) { $0 + $1.accounts.count }
            print("""
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
    static let configuration = CommandConfiguration(abstract: "Read the directory only and write its snapshot (directory.json).")

    @OptionGroup var options: ConfigOptions

    @Option(name: .long, help: "Where to write the snapshot.")
    var output: String

    func run() throws {
        try guarded {
            let config = try options.load()
            let snapshot = try Pipeline(config: config, progress: Progress(quiet: options.quiet)).loadDirectory()
            try writeAtomically(snapshot.jsonData(), to: output)
            print("accessreview pull: \(snapshot.users.count) users and \(snapshot.groups.count) groups written to \(output)")
        }
    }
}

struct Accounts: ParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Parse the system exports only and write the accounts (accounts.json).")

    @OptionGroup var options: ConfigOptions

    @Option(name: .long, help: "Where to write the accounts.")
    var output: String

    func run() throws {
        try guarded {
            let config = try options.load()
            let pipeline = Pipeline(config: config, progress: Progress(quiet: options.quiet))
            let (mappings, _) = try pipeline.loadMappings()
            let exports = try pipeline.loadExports(mappings: mappings)
            try AccountsSnapshot(systems: exports).writeJSON(toFile: output)
            let accounts = exports.reduce(0) { $0 + $1.accounts.count }
            print("accessreview accounts: \(accounts) accounts of \(exports.count) systems written to \(output)")
        }
    }
}

struct Decisions: ParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Work with returned attestation sheets.", subcommands: [Import.self])

    struct Import: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Read returned sheets (XLSX or CSV) and record the decisions.")
        @OptionGroup var options: ConfigOptions
        @Argument(help: "Returned sheets.") var files: [String]
        func run() throws {
            throw notAvailable("decisions import", "returned sheets cannot be read back yet")
        }
    }
}

struct Status: ParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Show each reviewer's progress in the current campaign.")
    @OptionGroup var options: ConfigOptions
    func run() throws {
        throw notAvailable("status", "campaign progress needs the decisions import")
    }
}

struct Explain: ParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Explain why each of a person's access lines is (not) allowed.")
    @OptionGroup var options: ConfigOptions
    @Argument(help: "The identity id.") var identity: String
    func run() throws {
        throw notAvailable("explain", "see findings.csv and the person's lines in the sheets meanwhile")
    }
}

struct Verify: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Recompute the SHA-256 of every output of a run against its manifest; exit 1 and name each altered file.")

    @Argument(help: "A run's output folder (out/<campaign>).") var folder: String

    func run() throws {
        try guarded {
            let report = try ManifestVerifier.verify(folder: folder)
            for path in report.altered { print("altered: \(path)") }
            for path in report.missing { print("missing: \(path)") }
            for path in report.unlisted { print("not in the manifest: \(path)") }
            if report.ok {
                print("accessreview verify: all \(report.checked) files match the manifest")
            } else {
                print("accessreview verify: \(report.altered.count) altered, \(report.missing.count) missing, \(report.unlisted.count) not in the manifest")
                throw ExitCode(1)
            }
        }
    }
}

struct Generate: ParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Write a synthetic organisation for demos and benchmarks.")
    @Option(name: .long) var people: Int
    @Option(name: .long) var systems: Int
    @Option(name: .long) var out: String
    func run() throws {
        throw notAvailable("generate", "Samples/generate.py writes the sample municipality meanwhile")
    }
}
