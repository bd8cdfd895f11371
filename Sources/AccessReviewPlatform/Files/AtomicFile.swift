import Foundation

/// The tool's one file writer. `write(_:mode:_:)` writes a file whole or not at all: beside
/// its place, then renamed over it, so that a failure leaves the earlier file, if any,
/// untouched and no partial file behind. Files inside an `OutputFolder`'s work folder are
/// written in place (`replacing: false`): the folder itself is what appears whole.
public enum AtomicFile {
    public static func write(
        _ path: String, mode: mode_t = 0o600, replacing: Bool = true,
        _ body: (FileHandle) throws -> Void
    ) throws {
        let target = replacing ? path + ".partial-\(ProcessInfo.processInfo.processIdentifier)" : path
        let descriptor = open(target, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, mode)
        guard descriptor >= 0 else { throw writeFailure(path) }
        // The mode whatever the umask.
        fchmod(descriptor, mode)
        let handle = FileHandle(fileDescriptor: descriptor, closeOnDealloc: true)
        do {
            try body(handle)
            try handle.close()
            // rename(2) replaces an earlier file in one step: readers see the old or the new one.
            if replacing { guard rename(target, path) == 0 else { throw writeFailure(path) } }
        } catch {
            try? handle.close()
            unlink(target)
            if let error = error as? ToolError { throw error }
            throw ToolError(.outputNotWritten, "\(path): error: cannot write the file: \(error.localizedDescription)")
        }
    }

    public static func write(_ path: String, data: Data, mode: mode_t = 0o600, replacing: Bool = true) throws {
        try write(path, mode: mode, replacing: replacing) { handle in
            try data.withUnsafeBytes { try handle.writeAll($0, path: path) }
        }
    }

    /// The error for a failed system call on `path`, with the system's words (errno).
    package static func writeFailure(_ path: String) -> ToolError {
        ToolError(.outputNotWritten, "\(path): error: cannot write the file: \(String(cString: strerror(errno)))")
    }
}

extension FileHandle {
    /// Writes every byte, or throws naming `path` and the system's reason ("No space left on
    /// device", "Read-only file system").
    package func writeAll(_ buffer: UnsafeRawBufferPointer, path: String) throws {
        var offset = 0
        while offset < buffer.count {
            let count = Foundation.write(fileDescriptor, buffer.baseAddress! + offset, buffer.count - offset)
            if count < 0 && errno == EINTR { continue }
            guard count > 0 else { throw AtomicFile.writeFailure(path) }
            offset += count
        }
    }

    package func writeAll(_ bytes: [UInt8], path: String) throws {
        try bytes.withUnsafeBytes { try writeAll($0, path: path) }
    }
}
