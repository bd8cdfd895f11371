import CLibXML2
import Foundation

/// The process-wide settings the tool needs, made once at start-up by the executable (and by
/// the test support), never by a stage:
/// - SIGPIPE ignored: a server that dies mid-search gives an error, not a killed process;
/// - libxml2 initialised with an external-entity loader that loads nothing (no file, no
///   network, whatever a document asks).
public enum ProcessSetup {
    private static let done: Void = {
        signal(SIGPIPE, SIG_IGN)
        ar_xml_harden()
    }()

    private static let started = LockedValue(false)

    public static func start() {
        _ = done
        started.withLock { $0 = true }
    }

    /// Stops a program that reads XML or talks to a server before `start()`: without it a
    /// document could load external entities.
    package static func requireStarted() {
        precondition(
            started.withLock { $0 }, "ProcessSetup.start() must run before any export, sheet or server is read")
    }

    /// Hands the free pages of every malloc arena back to the system (glibc's `malloc_trim`);
    /// the application layer calls it between stages.
    public static func releaseFreeMemory() { MemoryRelease.trim() }

    /// The process's peak resident memory so far, in bytes.
    public static func peakMemoryBytes() -> Int {
        var usage = rusage()
        getrusage(RUSAGE_SELF.rawValue, &usage)
        return Int(usage.ru_maxrss) * 1024
    }

    /// The process's resident memory now, in bytes (`/proc/self/statm`); 0 where unreadable.
    public static func currentMemoryBytes() -> Int {
        guard let text = try? String(contentsOfFile: "/proc/self/statm", encoding: .utf8) else { return 0 }
        let fields = text.split(separator: " ")
        guard fields.count > 1, let pages = Int(fields[1]) else { return 0 }
        return pages * Int(sysconf(Int32(_SC_PAGESIZE)))
    }
}
