import AccessReviewApp
import AccessReviewCore
import ArgumentParser
import Foundation

@main
struct AccessReview: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "accessreview",
        abstract:
            "Periodic user-access review: reconcile directory and system exports against the handbook, and write attestation sheets.",
        discussion: """
            A run reads the directory (LDIF or LDAP), the HR export and every system's role export, checks them \
            against the access rules of the information-security handbook, and writes one attestation sheet per \
            reviewer, the findings and a manifest to <output>/<campaign>/.

            Exit codes: 0 done; 1 findings at or above --fail-on; 2 bad configuration or input (the message names \
            the file and line); 3 a source could not be reached; 4 a safety guard stopped the run; 5 an output \
            file, the output folder or the state store could not be written (permission denied, disk full).
            """,
        version: ToolInfo.version,
        subcommands: [
            Run.self, Check.self, Pull.self, Accounts.self, Decisions.self, Status.self, Notify.self, Delegate.self,
            Close.self,
            Explain.self,
            Verify.self,
            Generate.self,
        ]
    )

    /// The process-wide settings (SIGPIPE ignored, libxml2 hardened) are made here, once,
    /// before any command runs.
    static func main() {
        ProcessSetup.start()
        main(nil)
    }
}

/// Options every command that reads the config shares.
struct ConfigOptions: ParsableArguments {
    @Option(name: .long, help: "The configuration file; paths in it are relative to it.")
    var config: String = "accessreview.yaml"

    @Flag(name: .long, help: "No progress on stderr.")
    var quiet = false

    /// The application for this config; progress on stderr unless `--quiet` (or `quiet`).
    func application(quiet: Bool = false) throws -> Application {
        Application(config: try Application.loadConfig(config), progress: ProgressDisplay(quiet: quiet || self.quiet))
    }
}

/// Runs a command body and turns the tool's errors into messages and exit codes.
func guarded(_ body: () throws -> Void) throws {
    do {
        try body()
    } catch let list as DiagnosticList {
        for diagnostic in list.diagnostics { printError(diagnostic.description) }
        let errors = list.errors.count
        printError("accessreview: \(errors) error\(errors == 1 ? "" : "s"); nothing was written")
        throw ExitCode(ExitStatus.badInput.rawValue)
    } catch let diagnostic as Diagnostic {
        printError(diagnostic.description)
        throw ExitCode(ExitStatus.badInput.rawValue)
    } catch let error as ToolError {
        printError(error.message)
        throw ExitCode(error.status.rawValue)
    }
}

/// Leaves a large result to the end of the process, which is near: the kernel takes its
/// memory back at once, where freeing it object by object (100,000 users, millions of
/// accounts) costs tens of milliseconds or more.
func keepUntilExit(_ value: some Any) {
    _ = Unmanaged.passRetained([value] as NSArray)
}

func printError(_ text: String) {
    FileHandle.standardError.write(Data((text + "\n").utf8))
}

/// `--timings`: each stage's wall time and the peak memory, on stderr.
func printTimings(_ stages: [(name: String, seconds: Double)]) {
    for stage in stages {
        printError(
            "timing: " + stage.name.padding(toLength: max(72, stage.name.count + 1), withPad: " ", startingAt: 0)
                + String(format: "%8.2f s", stage.seconds))
    }
    printError(String(format: "timing: peak memory %.0f MB", Double(ProcessSetup.peakMemoryBytes()) / 1e6))
}

/// Parses `--as-of`.
struct DayArgument: ExpressibleByArgument {
    var day: Day
    init?(argument: String) {
        guard let day = Day(iso: argument) else { return nil }
        self.day = day
    }
}

extension Severity: ExpressibleByArgument {}
