import Foundation
import Testing
import TestSupport

@testable import AccessReviewCore

/// Where writing is possible to make fail: root can mount a small tmpfs (a full disk) and
/// remount it read-only. Elsewhere these tests are skipped, and say so.
let smallDiskAvailable: Bool = {
    guard getuid() == 0, FileManager.default.isExecutableFile(atPath: "/bin/mount") else {
        FileHandle.standardError.write(
            Data("\n*** SKIPPING the full-disk and read-only tests: they need root to mount a tmpfs ***\n\n".utf8))
        return false
    }
    return true
}()

/// A failed write — a full disk, a read-only file system — leaves no partial folder, the
/// state store as it was, and a clear error with exit status 5.
@Suite(.serialized, .processStarted, .enabled(if: smallDiskAvailable, "needs root to mount a tmpfs"))
struct WriteFailureTests {
    struct Mount {
        let path: String
        init(megabytes: Int) throws {
            path = Repository.temporaryFile("accessreview-disk")
            try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
            try Self.mount(["-t", "tmpfs", "-o", "size=\(megabytes)m", "tmpfs", path])
        }
        static func mount(_ arguments: [String]) throws {
            let process = Process()
            process.executableURL = URL(fileURLWithPath: "/bin/mount")
            process.arguments = arguments
            try process.run()
            process.waitUntilExit()
            guard process.terminationStatus == 0 else { throw POSIXError(.EPERM) }
        }
        func readOnly() throws { try Self.mount(["-o", "remount,ro", path]) }
        func writable() throws { try Self.mount(["-o", "remount,rw", path]) }
        func unmount() {
            let process = Process()
            process.executableURL = URL(fileURLWithPath: "/bin/umount")
            process.arguments = [path]
            try? process.run()
            process.waitUntilExit()
            try? FileManager.default.removeItem(atPath: path)
        }
    }

    struct Evidence: Equatable {
        var manifest: String?
        var issued: Int
        var previousRun: Day?
        var counts: [String: Int]
        var entries: [String]
    }

    func evidence(_ output: String) throws -> Evidence {
        let state = try StateStore(path: (output as NSString).appendingPathComponent("state.sqlite"))
        return Evidence(
            manifest: try? String(
                contentsOfFile: (output as NSString).appendingPathComponent("2026-H2/manifest.json"), encoding: .utf8),
            issued: try state.issuedRows(campaign: "2026-H2").count,
            previousRun: try state.history(before: Day(iso: "2030-01-01")!).previousRun, counts: try state.lastCounts(),
            entries: try FileManager.default.contentsOfDirectory(atPath: output).filter {
                !$0.hasPrefix("state.sqlite")
            }.sorted())
    }

    @Test func aFullDiskAndAReadOnlyDiskLeaveTheEarlierRunAndExitFive() throws {
        let disk = try Mount(megabytes: 2)
        defer { disk.unmount() }
        let samples = Repository.copyOfSamples()
        let config = samples.file("Samples/accessreview.yaml")
        try samples.replace(
            in: "Samples/accessreview.yaml", "output: ../out", with: "output: \(disk.path)\nsheets: { formats: [csv] }")
        #expect(try Tool.run(["run", "--config", config, "--quiet"]).status == 0, "CSV sheets fit")
        let before = try evidence(disk.path)
        #expect(before.issued > 0 && before.manifest != nil)

        // A week later with every format: the PDFs do not fit.
        try samples.replace(in: "Samples/accessreview.yaml", "formats: [csv]", with: "formats: [xlsx, pdf, csv]")
        let full = try Tool.run(["run", "--config", config, "--quiet", "--as-of", "2026-12-06"])
        #expect(full.status == 5, "exit 5 on a full disk: \(full.stderr)")
        #expect(full.stderr.contains("No space left on device"), "\(full.stderr)")
        #expect(try evidence(disk.path) == before, "the earlier run's folder and state, nothing partial")

        try disk.readOnly()
        let readOnly = try Tool.run(["run", "--config", config, "--quiet", "--as-of", "2026-12-06"])
        #expect(readOnly.status == 5, "exit 5 on a read-only disk: \(readOnly.stderr)")
        #expect(readOnly.stderr.contains(disk.path), "names the place: \(readOnly.stderr)")
        #expect(readOnly.stderr.contains("read-only"), "says why: \(readOnly.stderr)")
        try disk.writable()  // SQLite needs its shared-memory file to read a WAL database
        #expect(try evidence(disk.path) == before)
    }
}
