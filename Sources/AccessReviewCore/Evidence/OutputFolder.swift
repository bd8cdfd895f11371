import Foundation

/// Builds a run's output folder beside its final place and moves it in whole: a failed run
/// leaves nothing behind, and a reader never sees half a folder.
public final class OutputFolder: @unchecked Sendable {
    public let finalPath: String
    public let workPath: String
    private var written: [(relative: String, sha256: String, bytes: Int)] = []
    private var committed = false

    public init(parent: String, name: String) throws {
        finalPath = (parent as NSString).appendingPathComponent(name)
        workPath = (parent as NSString).appendingPathComponent(".\(name).partial-\(ProcessInfo.processInfo.processIdentifier)")
        let fm = FileManager.default
        do {
            try fm.createDirectory(atPath: parent, withIntermediateDirectories: true)
            if fm.fileExists(atPath: workPath) { try fm.removeItem(atPath: workPath) }
            // Owner only: sheets and findings hold personal data.
            try fm.createDirectory(atPath: workPath, withIntermediateDirectories: false, attributes: [.posixPermissions: 0o700])
        } catch {
            throw ToolError(.badInput, "\(parent): error: cannot create the output folder: \(error.localizedDescription)")
        }
    }

    deinit {
        if !committed { try? FileManager.default.removeItem(atPath: workPath) }
    }

    /// Writes a file at a path relative to the folder and records its hash for the manifest.
    /// `private` files (sheets: personal data) are readable by the owner only.
    public func write(_ relative: String, _ data: Data, private isPrivate: Bool = false) throws {
        let path = try prepare(relative)
        try Hashing.writeFile(path, data, mode: isPrivate ? 0o600 : 0o644)
        record(relative, sha256: Hashing.sha256Hex(data), bytes: data.count)
    }

    /// Streams a large JSON document into the file, hashing it as it is written.
    func writeJSON(_ relative: String, _ document: some StreamedJSON) throws {
        let path = try prepare(relative)
        guard FileManager.default.createFile(atPath: path, contents: nil, attributes: [.posixPermissions: 0o644]),
              let handle = FileHandle(forWritingAtPath: path) else {
            throw ToolError(.badInput, "\(path): error: cannot write the file")
        }
        defer { try? handle.close() }
        let (sha, bytes) = try JSONWriter.stream(to: handle, hashing: true) { try document.write(into: &$0) }
        record(relative, sha256: sha, bytes: bytes)
    }

    /// Lets a writer (libxlsxwriter, libharu) create the file itself, then records its hash.
    public func produce(_ relative: String, private isPrivate: Bool = false, _ body: (String) throws -> Void) throws {
        let path = try prepare(relative)
        try body(path)
        if isPrivate { chmod(path, 0o600) }
        let (sha, bytes) = try Hashing.sha256Hex(fileAt: path)
        record(relative, sha256: sha, bytes: bytes)
    }

    /// The full path of a file in the work folder, its folder created.
    private func prepare(_ relative: String) throws -> String {
        let path = (workPath as NSString).appendingPathComponent(relative)
        let folder = (path as NSString).deletingLastPathComponent
        if !FileManager.default.fileExists(atPath: folder) {
            try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        }
        return path
    }

    private func record(_ relative: String, sha256: String, bytes: Int) {
        lock.lock()
        written.append((relative, sha256, bytes))
        lock.unlock()
    }

    private let lock = NSLock()

    public var files: [(relative: String, sha256: String, bytes: Int)] { written.sorted { $0.relative < $1.relative } }

    /// Moves the finished folder into place, replacing an earlier run of the same campaign.
    public func commit() throws {
        let fm = FileManager.default
        var old: String?
        if fm.fileExists(atPath: finalPath) {
            old = finalPath + ".replaced-\(ProcessInfo.processInfo.processIdentifier)"
            try fm.moveItem(atPath: finalPath, toPath: old!)
        }
        do {
            try fm.moveItem(atPath: workPath, toPath: finalPath)
        } catch {
            if let old { try? fm.moveItem(atPath: old, toPath: finalPath) }
            throw error
        }
        committed = true
        if let old { try? fm.removeItem(atPath: old) }
    }

    public func discard() {
        try? FileManager.default.removeItem(atPath: workPath)
        committed = true
    }
}
