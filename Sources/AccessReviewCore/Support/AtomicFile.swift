import Foundation

/// A file written whole or not at all: written beside its place, then renamed over it.
/// A failure leaves the earlier file, if any, untouched and no partial file behind.
public enum AtomicFile {
    public static func write(_ path: String, _ body: (FileHandle) throws -> Void) throws {
        let temporary = path + ".partial-\(ProcessInfo.processInfo.processIdentifier)"
        let descriptor = open(temporary, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o644)
        guard descriptor >= 0 else {
            throw ToolError(.badInput, "\(path): error: cannot write the file: \(String(cString: strerror(errno)))")
        }
        let handle = FileHandle(fileDescriptor: descriptor, closeOnDealloc: true)
        do {
            try body(handle)
            try handle.close()
            // rename(2) replaces an earlier file in one step: readers see the old or the new one.
            guard rename(temporary, path) == 0 else {
                throw ToolError(.badInput, "\(path): error: cannot write the file: \(String(cString: strerror(errno)))")
            }
        } catch {
            try? handle.close()
            try? FileManager.default.removeItem(atPath: temporary)
            throw error
        }
    }

    public static func write(_ path: String, data: Data) throws {
        try write(path) { try $0.write(contentsOf: data) }
    }
}
