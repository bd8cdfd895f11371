import Crypto
import Foundation

public enum Hashing {
    public static func sha256Hex(_ data: Data) -> String {
        hex(SHA256.hash(data: data))
    }

    /// Lower-case hex digits of bytes (String(format:) costs a microsecond a byte).
    public static func hex<S: Sequence>(_ bytes: S) -> String where S.Element == UInt8 {
        let digits: [UInt8] = Array("0123456789abcdef".utf8)
        var out: [UInt8] = []
        for byte in bytes {
            out.append(digits[Int(byte >> 4)])
            out.append(digits[Int(byte & 0x0F)])
        }
        return String(decoding: out, as: UTF8.self)
    }

    /// Writes a file without the fsync of an atomic write: for files inside a run's
    /// work folder, which is moved into place only when the whole run succeeded.
    public static func writeFile(_ path: String, _ data: Data, mode: mode_t = 0o644) throws {
        let fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, mode)
        guard fd >= 0 else { throw ToolError(.badInput, "\(path): error: cannot write the file: \(String(cString: strerror(errno)))") }
        defer { close(fd) }
        try data.withUnsafeBytes { buffer in
            var offset = 0
            while offset < buffer.count {
                let written = write(fd, buffer.baseAddress! + offset, buffer.count - offset)
                guard written > 0 else { throw ToolError(.badInput, "\(path): error: cannot write the file: \(String(cString: strerror(errno)))") }
                offset += written
            }
        }
    }

    /// SHA-256 of a file, read in blocks so that large exports do not sit in memory.
    public static func sha256Hex(fileAt path: String) throws -> (hex: String, bytes: Int) {
        guard let handle = FileHandle(forReadingAtPath: path) else {
            throw Diagnostic(file: path, "cannot open the file for reading")
        }
        defer { try? handle.close() }
        var hasher = SHA256()
        var total = 0
        while true {
            let chunk = handle.readData(ofLength: 1 << 20)
            if chunk.isEmpty { break }
            total += chunk.count
            hasher.update(data: chunk)
        }
        return (hex(hasher.finalize()), total)
    }
}

extension Hashing {
    /// Incremental SHA-256 for data read in blocks.
    public struct SHA256Stream {
        private var hasher = SHA256()
        public init() {}
        public mutating func update(_ data: Data) { hasher.update(data: data) }
        public mutating func update(_ bytes: [UInt8]) { bytes.withUnsafeBytes { hasher.update(bufferPointer: $0) } }
        public var hex: String { Hashing.hex(hasher.finalize()) }
    }
}
