import Foundation
import Testing

/// The tool as a person runs it, with a time limit.
public enum Tool {
    public struct Outcome {
        public var status: Int32
        public var crashed: Bool
        public var seconds: Double
        public var stdout: String
        public var stderr: String

        public func expect(
            status expected: Int32, naming file: String, message: String,
            sourceLocation: SourceLocation = #_sourceLocation
        ) throws {
            #expect(!crashed, "the tool crashed: \(stderr.prefix(400))", sourceLocation: sourceLocation)
            #expect(seconds < 10, "answered in \(seconds) s", sourceLocation: sourceLocation)
            #expect(status == expected, "exit \(status): \(stderr.prefix(600))", sourceLocation: sourceLocation)
            #expect(
                stderr.contains(file), "the message names \(file): \(stderr.prefix(600))",
                sourceLocation: sourceLocation)
            #expect(
                stderr.contains(message), "the message says '\(message)': \(stderr.prefix(600))",
                sourceLocation: sourceLocation)
        }
    }

    /// The tool built beside the running test bundle, so that `swift test --sanitize=…
    /// --scratch-path …` runs the instrumented tool too; `.build/debug` otherwise.
    public static let binaryPath: String = {
        let bundle = URL(fileURLWithPath: "/proc/self/exe").resolvingSymlinksInPath().deletingLastPathComponent()
        let beside = bundle.appendingPathComponent("accessreview").path
        return FileManager.default.isExecutableFile(atPath: beside)
            ? beside : Repository.path(".build/debug/accessreview")
    }()

    public static func run(
        _ arguments: [String], environment: [String: String] = [:], executable: String? = nil, limit: Double = 20
    ) throws -> Outcome {
        let binary = executable ?? binaryPath
        let process = Process()
        process.executableURL = URL(fileURLWithPath: binary)
        process.arguments = executable == nil ? arguments : Array(arguments.dropFirst())
        if !environment.isEmpty {
            process.environment = ProcessInfo.processInfo.environment.merging(environment) { $1 }
        }
        let err = Repository.temporaryFile("stderr"), out = Repository.temporaryFile("stdout")
        FileManager.default.createFile(atPath: err, contents: nil)
        FileManager.default.createFile(atPath: out, contents: nil)
        process.standardError = FileHandle(forWritingAtPath: err)
        process.standardOutput = FileHandle(forWritingAtPath: out)
        let started = Date()
        try process.run()
        while process.isRunning && Date().timeIntervalSince(started) < limit { usleep(20_000) }
        // SIGKILL: a child spawned from a test thread may inherit a mask that blocks SIGTERM.
        if process.isRunning { kill(process.processIdentifier, SIGKILL) }
        process.waitUntilExit()
        let seconds = Date().timeIntervalSince(started)
        defer {
            try? FileManager.default.removeItem(atPath: err)
            try? FileManager.default.removeItem(atPath: out)
        }
        return Outcome(
            status: process.terminationStatus, crashed: process.terminationReason == .uncaughtSignal,
            seconds: seconds, stdout: (try? String(contentsOfFile: out, encoding: .utf8)) ?? "",
            stderr: String(decoding: (try? Data(contentsOf: URL(fileURLWithPath: err))) ?? Data(), as: UTF8.self))
    }
}
