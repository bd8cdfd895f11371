import Foundation

/// A streamed output file's bytes, collected in `pending` and handed to the file in blocks
/// of about 1 MB, hashed as they go: what the CSV, workbook and PDF writers share.
package struct HashedOutput {
    /// Bytes not yet written; writers append to it.
    package var pending: [UInt8] = []
    private let handle: FileHandle
    /// Names the file in errors.
    package let path: String
    private var written = 0
    private var hash = Hashing.SHA256Stream()

    package init(_ handle: FileHandle, path: String) {
        self.handle = handle
        self.path = path
    }

    /// Where the next byte appended lands in the file.
    package var position: Int { written + pending.count }

    /// Writes the pending bytes once they pass 1 MB.
    package mutating func flushIfFull() throws {
        if pending.count >= 1 << 20 { try flush() }
    }

    package mutating func flush() throws {
        try handle.writeAll(pending, path: path)
        hash.update(pending)
        written += pending.count
        pending.removeAll(keepingCapacity: true)
    }

    /// Writes `data` after the pending bytes.
    package mutating func write(_ data: Data) throws {
        try flush()
        try data.withUnsafeBytes { try handle.writeAll($0, path: path) }
        hash.update(data)
        written += data.count
    }

    /// Writes what is pending; the file's SHA-256 and size.
    package mutating func finish() throws -> (sha256: String, bytes: Int) {
        try flush()
        return (hash.hex, written)
    }
}
