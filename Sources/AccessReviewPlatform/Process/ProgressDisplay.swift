import Foundation

/// Progress on stderr: a redrawn bar when stderr is a terminal, plain lines otherwise, and
/// nothing when quiet. Results never go here.
public final class ProgressDisplay: Sendable {
    private let terminal: Bool
    private let quiet: Bool
    /// When the bar was last drawn; the lock also keeps lines from different threads apart.
    private let lastDraw = LockedValue(Date.distantPast)

    public init(quiet: Bool = false) {
        self.quiet = quiet
        self.terminal = isatty(STDERR_FILENO) == 1
    }

    /// A stage starts.
    public func stage(_ text: String) {
        guard !quiet else { return }
        lastDraw.withLock { _ in
            if terminal {
                FileHandle.standardError.write(Data("\r\u{1B}[K\(text)…".utf8))
            } else {
                FileHandle.standardError.write(Data("\(text)…\n".utf8))
            }
        }
    }

    /// Work within a stage: drawn as a bar on a terminal (at most ten times a second).
    public func advance(_ text: String, done: Int, total: Int) {
        guard !quiet, terminal, total > 0 else { return }
        lastDraw.withLock { lastDraw in
            let now = Date()
            guard done == total || now.timeIntervalSince(lastDraw) > 0.1 else { return }
            lastDraw = now
            let width = 30
            let filled = min(width, done * width / total)
            let bar = String(repeating: "█", count: filled) + String(repeating: "░", count: width - filled)
            FileHandle.standardError.write(Data("\r\u{1B}[K\(text) \(bar) \(done)/\(total)".utf8))
        }
    }

    /// Ends the progress display so that the next line starts clean.
    public func finish() {
        guard !quiet, terminal else { return }
        FileHandle.standardError.write(Data("\r\u{1B}[K".utf8))
    }

    public func warn(_ text: String) {
        lastDraw.withLock { _ in
            if terminal && !quiet { FileHandle.standardError.write(Data("\r\u{1B}[K".utf8)) }
            FileHandle.standardError.write(Data("\(text)\n".utf8))
        }
    }
}
