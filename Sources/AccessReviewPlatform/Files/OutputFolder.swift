import Foundation

/// The tool's one folder writer: builds a folder beside its final place and moves it in
/// whole, replacing an earlier one. A failed run leaves nothing behind (the work folder is
/// removed), a reader never sees half a folder, and a failed move puts the earlier folder back.
public final class OutputFolder: Sendable {
    public typealias File = (relative: String, sha256: String, bytes: Int)

    public let finalPath: String
    public let workPath: String
    private let state = LockedValue(State())

    private struct State {
        package var written: [(relative: String, sha256: String, bytes: Int)] = []
        package var finished = false
    }

    public init(parent: String, name: String) throws {
        finalPath = (parent as NSString).appendingPathComponent(name)
        workPath = (parent as NSString).appendingPathComponent(
            ".\(name).partial-\(ProcessInfo.processInfo.processIdentifier)")
        let fm = FileManager.default
        do {
            try fm.createDirectory(atPath: parent, withIntermediateDirectories: true)
            if fm.fileExists(atPath: workPath) { try fm.removeItem(atPath: workPath) }
            // Owner only: sheets and findings hold personal data.
            try fm.createDirectory(
                atPath: workPath, withIntermediateDirectories: false, attributes: [.posixPermissions: 0o700])
        } catch {
            throw ToolError(
                .outputNotWritten, "\(parent): error: cannot create the output folder: \(error.localizedDescription)")
        }
    }

    deinit {
        if !state.withLock({ $0.finished }) { try? FileManager.default.removeItem(atPath: workPath) }
    }

    /// Writes a file at a path relative to the folder and records its hash for the manifest.
    /// Every file is readable by the owner only (0600) and every folder 0700, whatever the
    /// umask: sheets, findings and snapshots all hold personal data.
    public func write(_ relative: String, _ data: Data) throws {
        let path = try prepare(relative)
        try AtomicFile.write(path, data: data, mode: 0o600, replacing: false)
        record(relative, sha256: Hashing.sha256Hex(data), bytes: data.count)
    }

    /// Streams a large file into the folder: `body` writes it (the path to name in errors
    /// given) and returns its SHA-256 and size.
    public func stream(_ relative: String, _ body: (FileHandle, String) throws -> (sha256: String, bytes: Int)) throws {
        let path = try prepare(relative)
        var result = (sha256: "", bytes: 0)
        try AtomicFile.write(path, mode: 0o600, replacing: false) { result = try body($0, path) }
        record(relative, sha256: result.sha256, bytes: result.bytes)
    }

    /// The full path of a file in the work folder, its folder created.
    private func prepare(_ relative: String) throws -> String {
        let path = (workPath as NSString).appendingPathComponent(relative)
        let folder = (path as NSString).deletingLastPathComponent
        if !FileManager.default.fileExists(atPath: folder) {
            do {
                try FileManager.default.createDirectory(
                    atPath: folder, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o700])
            } catch {
                throw ToolError(
                    .outputNotWritten, "\(folder): error: cannot create the folder: \(error.localizedDescription)")
            }
        }
        return path
    }

    private func record(_ relative: String, sha256: String, bytes: Int) {
        state.withLock { $0.written.append((relative, sha256, bytes)) }
    }

    /// Every file written so far, by relative path.
    public var files: [File] { state.withLock { $0.written }.sorted { $0.relative < $1.relative } }

    /// The file a folder carries while its publication waits for the state store's commit;
    /// it holds the token that the committed state will have (`recover`).
    public static let unconfirmedMarker = ".unconfirmed"

    /// Moves the finished folder into place, replacing an earlier one, then calls `confirm`
    /// (the state store commits there). If the move or `confirm` fails, the new folder goes
    /// back out of place, the earlier one is put back, and the error is thrown: a reader sees
    /// the old folder or the new one, and the new one only once `confirm` succeeded.
    ///
    /// With a `token`, the folder carries `.unconfirmed` (holding the token) from before the
    /// move until `confirm` has returned, so that a process killed anywhere in between
    /// leaves enough for `recover` to finish or undo the publication.
    public func commit(token: String? = nil, confirm: () throws -> Void = {}) throws {
        let fm = FileManager.default
        var old: String?
        let marker = (workPath as NSString).appendingPathComponent(Self.unconfirmedMarker)
        do {
            if let token {
                try AtomicFile.write(marker, data: Data(token.utf8), mode: 0o600, replacing: false)
            }
            if fm.fileExists(atPath: finalPath) {
                old = finalPath + ".replaced-\(ProcessInfo.processInfo.processIdentifier)"
                try fm.moveItem(atPath: finalPath, toPath: old!)
            }
            Self.killHere("between-moves")
            try Self.move(workPath, to: finalPath)
            Self.killHere("before-commit")
        } catch {
            if let old { try? fm.moveItem(atPath: old, toPath: finalPath) }
            if let error = error as? ToolError { throw error }
            throw ToolError(
                .outputNotWritten,
                "\(finalPath): error: cannot move the finished output into place: \(error.localizedDescription)")
        }
        do {
            try confirm()
        } catch {
            // Unpublish: the new folder back to its work place (removed with it), the old one back.
            try? fm.moveItem(atPath: finalPath, toPath: workPath)
            if let old { try? fm.moveItem(atPath: old, toPath: finalPath) }
            throw error
        }
        state.withLock { $0.finished = true }
        Self.killHere("after-commit")
        if token != nil {
            try? fm.removeItem(atPath: (finalPath as NSString).appendingPathComponent(Self.unconfirmedMarker))
        }
        if let old { try? fm.removeItem(atPath: old) }
    }

    /// Finishes or undoes what a killed process left in `parent` (run under the output's
    /// lock, so no other writer is at work): a published folder still marked `.unconfirmed`
    /// stays when `isConfirmed` says the state store committed its token, else it is removed
    /// and the folder it replaced put back; a replaced folder whose successor never arrived is
    /// put back; work folders and stray partial files are removed. Returns what it did.
    public static func recover(parent: String, isConfirmed: (String) throws -> Bool) throws -> [String] {
        let fm = FileManager.default
        guard let names = try? fm.contentsOfDirectory(atPath: parent) else { return [] }
        var done: [String] = []
        func path(_ name: String) -> String { (parent as NSString).appendingPathComponent(name) }
        let replaced = names.filter { $0.contains(".replaced-") && !$0.hasPrefix(".") }
        // Published folders whose state may not have been committed.
        for name in names where !name.hasPrefix(".") && !name.contains(".replaced-") {
            let marker = (path(name) as NSString).appendingPathComponent(unconfirmedMarker)
            guard let data = fm.contents(atPath: marker) else { continue }
            if try isConfirmed(String(decoding: data, as: UTF8.self)) {
                try fm.removeItem(atPath: marker)
                done.append("\(name): publication confirmed by the state store; marker removed")
            } else {
                try fm.removeItem(atPath: path(name))
                done.append("\(name): a run killed before its state was committed; its folder removed")
            }
        }
        // Folders replaced by a publication that did not finish, or did.
        for name in replaced {
            let original = String(name[..<name.range(of: ".replaced-")!.lowerBound])
            if fm.fileExists(atPath: path(original)) {
                try fm.removeItem(atPath: path(name))
            } else {
                try fm.moveItem(atPath: path(name), toPath: path(original))
                done.append("\(original): the folder a killed run was replacing is back in place")
            }
        }
        // Work folders and partial files of killed processes.
        for name in names where name.contains(".partial-") {
            try? fm.removeItem(atPath: path(name))
        }
        return done
    }

    /// Where a test kills the process at a point of a publication (`ACCESSREVIEW_KILL_AT`),
    /// to show that `recover` leaves the output and the state store as they were, or complete.
    static func killHere(_ point: String) {
        if ProcessInfo.processInfo.environment["ACCESSREVIEW_KILL_AT"] == point { kill(getpid(), SIGKILL) }
    }

    /// Removes the work folder; nothing was published.
    public func discard() {
        try? FileManager.default.removeItem(atPath: workPath)
        state.withLock { $0.finished = true }
    }

    /// Where a test makes the final move fail (`ACCESSREVIEW_FAIL_AT=publish`), to show that
    /// the state written before it is rolled back; nothing else reads it.
    package static func move(_ from: String, to: String) throws {
        if ProcessInfo.processInfo.environment["ACCESSREVIEW_FAIL_AT"] == "publish" {
            throw ToolError(.outputNotWritten, "\(to): error: the move failed (ACCESSREVIEW_FAIL_AT=publish)")
        }
        try FileManager.default.moveItem(atPath: from, toPath: to)
    }
}
