import AccessReviewCore
import Foundation

/// A folder under the system's temporary directory, removed when the value is released.
public final class TemporaryFolder: @unchecked Sendable {
    public let path: String

    public init(_ prefix: String = "accessreview-test") {
        let base = (NSTemporaryDirectory() as NSString).appendingPathComponent(
            "\(prefix)-\(UUID().uuidString.prefix(8))")
        try! FileManager.default.createDirectory(atPath: base, withIntermediateDirectories: true)
        path = base
    }

    deinit { try? FileManager.default.removeItem(atPath: path) }

    /// Writes text (UTF-8 unless data is given) at a path relative to the folder; returns the full path.
    @discardableResult
    public func write(_ relative: String, _ text: String) -> String {
        write(relative, data: Data(text.utf8))
    }

    @discardableResult
    public func write(_ relative: String, data: Data) -> String {
        let full = (path as NSString).appendingPathComponent(relative)
        try! FileManager.default.createDirectory(
            atPath: (full as NSString).deletingLastPathComponent, withIntermediateDirectories: true)
        FileManager.default.createFile(atPath: full, contents: data)
        return full
    }

    public func file(_ relative: String) -> String { (path as NSString).appendingPathComponent(relative) }

    public func read(_ relative: String) -> String? {
        FileManager.default.contents(atPath: file(relative)).flatMap { String(data: $0, encoding: .utf8) }
    }

    public func exists(_ relative: String) -> Bool { FileManager.default.fileExists(atPath: file(relative)) }

    /// Replaces text in a file of the folder: the way tests break a copy of the Samples.
    public func replace(in relative: String, _ old: String, with new: String) throws {
        let path = file(relative)
        let text = try String(contentsOfFile: path, encoding: .utf8)
        precondition(text.contains(old), "\(relative) does not contain \(old)")
        try text.replacingOccurrences(of: old, with: new).write(toFile: path, atomically: true, encoding: .utf8)
    }
}

/// Where the repository is, found from this file's path.
public enum Repository {
    public static var root: String {
        var url = URL(fileURLWithPath: #filePath)
        for _ in 0..<3 { url.deleteLastPathComponent() }
        return url.path
    }

    public static func path(_ relative: String) -> String { (root as NSString).appendingPathComponent(relative) }

    /// A fresh path in the temporary folder (not created).
    public static func temporaryFile(_ prefix: String) -> String {
        (NSTemporaryDirectory() as NSString).appendingPathComponent("\(prefix)-\(UUID().uuidString)")
    }

    /// Copies the Samples and Mappings into a temporary folder so that a test can change them.
    public static func copyOfSamples() -> TemporaryFolder {
        let folder = TemporaryFolder("accessreview-samples")
        for item in ["Samples", "Mappings"] {
            try! FileManager.default.copyItem(atPath: path(item), toPath: folder.file(item))
        }
        return folder
    }
}
