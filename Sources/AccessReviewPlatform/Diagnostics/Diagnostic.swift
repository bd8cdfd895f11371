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
public final class DiagnosticCollector: Sendable {
    private let items = LockedValue<[Diagnostic]>([])

    public init() {}

    public func add(_ diagnostic: Diagnostic) {
        items.withLock { $0.append(diagnostic) }
    }

    public var all: [Diagnostic] { items.withLock { $0 } }

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

/// The exit status of the tool (docs/exit-codes.md).
public enum ExitStatus: Int32, Sendable, CaseIterable {
    case done = 0
    case findingsAtOrAboveThreshold = 1
    case badInput = 2
    case sourceUnreachable = 3
    case guardStopped = 4
    /// An output file, the output folder or the state store could not be written.
    case outputNotWritten = 5
}

/// What went wrong, with a message that names the file (and line) and says what to do.
/// The exit status follows from the kind, here and nowhere else.
public struct ToolError: LocalizedError, Sendable, CustomStringConvertible {
    public enum Kind: Sendable, Equatable {
        /// `accessreview.yaml`, the handbook or a mapping is wrong.
        case configuration
        /// An input file (directory, export, returned sheet, option) cannot be used.
        case input
        /// A server (LDAP, SMTP) cannot be reached or refused us.
        case sourceUnreachable
        /// A safety guard stopped the run before anything was written.
        case guardStopped
        /// An output file, the output folder or the state store could not be written.
        case outputNotWritten
        /// A file the tool wrote was altered since (manifest, returned sheet).
        case tampered
    }

    public var kind: Kind
    public var message: String

    public init(_ kind: Kind, _ message: String) {
        self.kind = kind
        self.message = message
    }

    public var status: ExitStatus {
        switch kind {
        case .configuration, .input: .badInput
        case .sourceUnreachable: .sourceUnreachable
        case .guardStopped: .guardStopped
        case .outputNotWritten: .outputNotWritten
        case .tampered: .findingsAtOrAboveThreshold
        }
    }

    public var description: String { message }
    public var errorDescription: String? { message }
}
