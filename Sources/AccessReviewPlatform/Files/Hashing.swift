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

    /// SHA-256 of a file, read in blocks so that large exports do not sit in memory.
    public static func sha256Hex(fileAt path: String) throws -> (hex: String, bytes: Int) {
        guard let handle = FileHandle(forReadingAtPath: path) else {
            throw ToolError(.input, "\(path): error: cannot open the file for reading")
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
