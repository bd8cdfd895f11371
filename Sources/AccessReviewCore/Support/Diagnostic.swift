import Foundation

/// A problem in something the user gave the tool, with where it is.
///
/// Prints as `path:line:column: error: message`, the form compilers use, so editors and
/// terminals can jump to it.
public struct Diagnostic: Error, Sendable, Equatable, CustomStringConvertible {
    public enum Severity: String, Sendable { case error, warning }

    public var severity: Severity
    public var file: String
    public var line: Int?
    public var column: Int?
    public var message: String

    public init(_ severity: Severity = .error, file: String, line: Int? = nil, column: Int? = nil, _ message: String) {
        self.severity = severity
        self.file = file
        self.line = line
        self.column = column
        self.message = message
    }

    public var description: String {
        var location = file
        if let line { location += ":\(line)" }
        if let line = line, line > 0, let column { location += ":\(column)" }
        return "\(location): \(severity.rawValue): \(message)"
    }
}

/// Every problem found in one pass over the inputs: reported together, not just the first.
public struct DiagnosticList: Error, Sendable, CustomStringConvertible {
    public var diagnostics: [Diagnostic]

    public init(_ diagnostics: [Diagnostic]) { self.diagnostics = diagnostics }

    public var errors: [Diagnostic] { diagnostics.filter { $0.severity == .error } }
    public var description: String { diagnostics.map(\.description).joined(separator: "\n") }
}

/// Collects diagnostics while a file is read.
public final class DiagnosticCollector: @unchecked Sendable {
    private let lock = NSLock()
    private var items: [Diagnostic] = []

    public init() {}

    public func add(_ diagnostic: Diagnostic) {
        lock.lock()
        items.append(diagnostic)
        lock.unlock()
    }

    public var all: [Diagnostic] {
        lock.lock()
        defer { lock.unlock() }
        return items
    }

    public var hasErrors: Bool { all.contains { $0.severity == .error } }

    /// Throws every collected diagnostic when at least one is an error.
    public func throwIfErrors() throws {
        if hasErrors { throw DiagnosticList(sorted) }
    }

    /// In the order of the file: by file, then line (stable for equal lines).
    public var sorted: [Diagnostic] {
        all.enumerated().sorted { a, b in
            (a.element.file, a.element.line ?? 0, a.offset) < (b.element.file, b.element.line ?? 0, b.offset)
        }.map(\.element)
    }
}

/// The exit status of the tool, as DESIGN.md fixes it.
public enum ExitStatus: Int32, Sendable {
    case done = 0
    case findingsAtOrAboveThreshold = 1
    case badInput = 2
    case sourceUnreachable = 3
    case guardStopped = 4
}

/// An error that carries the exit status the command must end with.
public struct ToolError: Error, Sendable, CustomStringConvertible {
    public var status: ExitStatus
    public var message: String

    public init(_ status: ExitStatus, _ message: String) {
        self.status = status
        self.message = message
    }

    public var description: String { message }
}
