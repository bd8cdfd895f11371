import Foundation

/// `manifest.json`: what a run read and wrote, with SHA-256s, so that an auditor can tie
/// every sheet back to its inputs and `accessreview verify` can detect altered files.
public struct Manifest: Codable, Sendable {
    public struct Input: Codable, Sendable {
        public var kind: String
        public var path: String
        public var sha256: String
        public var bytes: Int
        public var records: Int
        /// The day the source system made the file (its own date, for exports that carry
        /// one): a line is seen present or gone as of that day.
        public var madeOn: String?

        enum CodingKeys: String, CodingKey {
            case kind, path, sha256, bytes, records
            case madeOn = "made_on"
        }
    }

    public struct Output: Codable, Sendable {
        public var path: String
        public var sha256: String
        public var bytes: Int

        public init(path: String, sha256: String, bytes: Int) {
            self.path = path
            self.sha256 = sha256
            self.bytes = bytes
        }
    }

    public struct DirectoryInfo: Codable, Sendable {
        public var source: String
        public var server: String?
        public var userBase: String
        public var groupBase: String
        public var users: Int
        public var groups: Int
        /// The LDAP filter the users were searched with (absent for an LDIF file).
        public var filter: String?

        enum CodingKeys: String, CodingKey {
            case source, server, userBase = "user_base", groupBase = "group_base", users, groups, filter
        }
    }

    public var tool: String
    public var version: String
    public var createdAt: String
    public var organisation: String
    public var campaign: String
    public var asOf: String
    public var config: Input
    public var inputs: [Input]
    public var directory: DirectoryInfo
    public var counts: [String: Int]
    public var outputs: [Output]

    enum CodingKeys: String, CodingKey {
        case tool, version, createdAt = "created_at", organisation, campaign, asOf = "as_of", config, inputs, directory,
            counts, outputs
    }
}

public enum ToolInfo {
    public static let name = "accessreview"
    public static let version = "0.1.0"
}

/// `accessreview verify`: recomputes each output's SHA-256 against the manifest.
public enum ManifestVerifier {
    public struct Report: Sendable {
        public var checked: Int
        public var altered: [String]
        public var missing: [String]
        public var unlisted: [String]
        /// The first import of the state store's history that no longer matches its hash chain.
        public var alteredHistory: String?
        /// The number of imports in the history and the hash its chain ends in.
        public var history: (imports: Int, head: String)?
        public var ok: Bool { altered.isEmpty && missing.isEmpty && unlisted.isEmpty && alteredHistory == nil }
    }

    public static func verify(folder: String) throws -> Report {
        let manifestPath = (folder as NSString).appendingPathComponent("manifest.json")
        guard let data = FileManager.default.contents(atPath: manifestPath) else {
            throw ToolError(
                .input, "\(manifestPath): error: no manifest.json in \(folder); is it an accessreview output folder?")
        }
        let manifest: Manifest
        do {
            manifest = try JSONDecoder().decode(Manifest.self, from: data)
        } catch {
            throw ToolError(.input, "\(manifestPath): error: the manifest cannot be read: \(error)")
        }
        var altered: [String] = [], missing: [String] = []
        for output in manifest.outputs {
            let path = (folder as NSString).appendingPathComponent(output.path)
            guard FileManager.default.fileExists(atPath: path) else {
                missing.append(output.path)
                continue
            }
            let (sha, _) = try Hashing.sha256Hex(fileAt: path)
            if sha != output.sha256 { altered.append(output.path) }
        }
        let listed = Set(manifest.outputs.map(\.path) + ["manifest.json"])
        var unlisted: [String] = []
        if let enumerator = FileManager.default.enumerator(atPath: folder) {
            while let item = enumerator.nextObject() as? String {
                var isDirectory: ObjCBool = false
                _ = FileManager.default.fileExists(
                    atPath: (folder as NSString).appendingPathComponent(item), isDirectory: &isDirectory)
                // revocations/ and status.csv are written after the run, by decisions import and status.
                let later = item.hasPrefix("revocations/") || item == "status.csv"
                if !isDirectory.boolValue && !listed.contains(item) && !later { unlisted.append(item) }
            }
        }
        return Report(
            checked: manifest.outputs.count, altered: altered.sorted(), missing: missing.sorted(),
            unlisted: unlisted.sorted())
    }
}
