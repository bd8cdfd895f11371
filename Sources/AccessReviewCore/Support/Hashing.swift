import Crypto
import Foundation

public enum Hashing {
    public static func sha256Hex(_ data: Data) -> String {
        SHA256.hash(data: data).map { String(format: "%02x", $0) }.joined()
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
        return (hasher.finalize().map { String(format: "%02x", $0) }.joined(), total)
    }
}

extension Hashing {
    /// Incremental SHA-256 for data read in blocks.
    public struct SHA256Stream {
        private var hasher = SHA256()
        public init() {}
        public mutating func update(_ data: Data) { hasher.update(data: data) }
        public var hex: String { hasher.finalize().map { String(format: "%02x", $0) }.joined() }
    }
}
