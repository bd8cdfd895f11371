import Foundation

/// An exclusive lock between processes: `flock(2)` on a folder (the output folder that holds
/// the state store), held until the lock is released or the process ends. Nothing is written
/// for it; a process that waited in vain names the holder from `/proc/locks`.
public final class ProcessLock: Sendable {
    private let descriptor: Int32
    public let path: String

    /// Waits up to `waitSeconds` for the lock on the folder (created when missing), then
    /// gives up naming the process that holds it (exit status 4: a guard stopped the command
    /// before it changed anything).
    public init(folder path: String, waitSeconds: Double) throws {
        self.path = path
        try? FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
        let fd = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
        guard fd >= 0 else {
            throw ToolError(
                .outputNotWritten, "\(path): error: cannot open the output folder: \(String(cString: strerror(errno)))")
        }
        let deadline = Date().addingTimeInterval(waitSeconds)
        while flock(fd, LOCK_EX | LOCK_NB) != 0 {
            guard errno == EWOULDBLOCK || errno == EINTR, Date() < deadline else {
                let other = Self.holder(of: fd)
                close(fd)
                throw ToolError(
                    .guardStopped,
                    "\(path): error: \(other) is working on this output folder and its state store; waited \(Int(waitSeconds)) s. Run again when it has finished."
                )
            }
            usleep(100_000)
        }
        descriptor = fd
    }

    /// "accessreview run --config … (pid 1234)", from the kernel's table of locks.
    private static func holder(of fd: Int32) -> String {
        var info = stat()
        guard fstat(fd, &info) == 0, let table = try? String(contentsOfFile: "/proc/locks", encoding: .utf8) else {
            return "another process"
        }
        // "1: FLOCK  ADVISORY  WRITE 1234 08:01:5678 0 EOF": the pid, then device:inode.
        for line in table.split(separator: "\n") {
            let fields = line.split(separator: " ")
            guard fields.count >= 6, fields[1] == "FLOCK", let pid = Int32(fields[4]), pid != getpid(),
                fields[5].split(separator: ":").last.flatMap({ UInt64($0) }) == UInt64(info.st_ino)
            else { continue }
            let command =
                (try? Data(contentsOf: URL(fileURLWithPath: "/proc/\(pid)/cmdline")))
                .map { String(decoding: $0, as: UTF8.self).split(separator: "\0").map(String.init) } ?? []
            let shown = command.prefix(4).map { ($0 as NSString).lastPathComponent }.joined(separator: " ")
            return "\(shown.isEmpty ? "process" : shown) (pid \(pid))"
        }
        return "another process"
    }

    deinit { close(descriptor) }
}
