import Foundation

/// Builds a run's output folder beside its final place and moves it in whole: a failed run
/// leaves nothing behind, and a reader never sees half a folder.
public final class OutputFolder {
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
            try fm.createDirectory(atPath: workPath, withIntermediateDirectories: false)
        } catch {
            throw ToolError(.badInput, "\(parent): error: cannot create the output folder: \(error.localizedDescription)")
        }
    }

    deinit {
        if !committed { try? FileManager.default.removeItem(atPath: workPath) }
    }

    /// Writes a file at a path relative to the folder and records its hash for the manifest.
    public func write(_ relative: String, _ data: Data) throws {
        let path = (workPath as NSString).appendingPathComponent(relative)
        let folder = (path as NSString).deletingLastPathComponent
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        guard FileManager.default.createFile(atPath: path, contents: data) else {
            throw ToolError(.badInput, "\(path): error: cannot write the file")
        }
        written.append((relative, Hashing.sha256Hex(data), data.count))
    }

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
