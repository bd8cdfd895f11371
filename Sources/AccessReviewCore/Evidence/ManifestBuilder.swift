import Foundation

extension Manifest {
    /// The manifest of a run: the inputs it read (with their hashes and record counts), the
    /// directory it read, the counts of what it found, and every file in the output folder.
    /// `population` and `hrRecords` are counted before the inputs were handed to the reconciler.
    public static func make(
        inputs: LoadedInputs, population: [String: Int], hrRecords: Int, result: ReconcileResult,
        campaign: String, outputs: [OutputFolder.File]
    ) throws -> Manifest {
        let config = inputs.config
        let base = (config.file as NSString).deletingLastPathComponent
        func relative(_ path: String) -> String {
            let prefix = base.isEmpty ? "" : base + "/"
            return !prefix.isEmpty && path.hasPrefix(prefix) ? String(path.dropFirst(prefix.count)) : path
        }
        let (configSHA, configBytes) = try Hashing.sha256Hex(fileAt: config.file)
        var inputList: [Manifest.Input] = []
        if let rules = config.rulesFile {
            let (sha, bytes) = try Hashing.sha256Hex(fileAt: rules)
            inputList.append(
                .init(
                    kind: "handbook", path: relative(rules), sha256: sha, bytes: bytes,
                    records: inputs.handbook.jobRoles.count))
        }
        if inputs.config.directory.source == .ldif, let ldif = config.directory.ldif {
            inputList.append(
                .init(
                    kind: "directory", path: relative(ldif), sha256: inputs.directory.sourceSHA256 ?? "",
                    bytes: inputs.directory.sourceBytes ?? 0,
                    records: result.identities.count + inputs.directory.groups.count))
        }
        if let hr = inputs.hr, let hrMapping = inputs.hrMapping {
            inputList.append(
                .init(kind: "hr", path: relative(hr.file), sha256: hr.sha256, bytes: hr.bytes, records: hrRecords))
            let (sha, bytes) = try Hashing.sha256Hex(fileAt: hrMapping.file)
            inputList.append(
                .init(
                    kind: "mapping", path: relative(hrMapping.file), sha256: sha, bytes: bytes,
                    records: hrMapping.records.count))
        }
        for export in inputs.exports where export.system != DirectoryGroupsSystem.id {
            inputList.append(
                .init(
                    kind: "export:\(export.system)", path: relative(export.file), sha256: export.sha256,
                    bytes: export.bytes,
                    records: population[export.system] ?? 0, madeOn: export.exportedOn?.description))
            if let mapping = inputs.mappings[export.system] {
                let (sha, bytes) = try Hashing.sha256Hex(fileAt: mapping.file)
                inputList.append(
                    .init(
                        kind: "mapping", path: relative(mapping.file), sha256: sha, bytes: bytes,
                        records: mapping.records.count))
            }
        }
        var counts: [String: Int] = [
            "identities": result.identities.count, "access_lines": result.lines.count,
            "findings": result.findings.count, "reviewers": result.reviewers.count,
        ]
        for severity in Severity.allCases { counts["findings_\(severity.rawValue)"] = result.count(of: severity) }
        let formatter = ISO8601DateFormatter()
        return Manifest(
            tool: ToolInfo.name, version: ToolInfo.version, createdAt: formatter.string(from: Date()),
            organisation: config.organisation, campaign: campaign, asOf: inputs.asOf.description,
            config: .init(
                kind: "config", path: (config.file as NSString).lastPathComponent, sha256: configSHA,
                bytes: configBytes, records: 1),
            inputs: inputList,
            directory: .init(
                source: config.directory.source.rawValue, server: config.directory.url,
                userBase: config.directory.users.base, groupBase: config.directory.groups.base,
                users: result.identities.count, groups: inputs.directory.groups.count,
                filter: config.directory.source == .ldif ? nil : config.directory.users.filter),
            counts: counts,
            outputs: outputs.map { .init(path: $0.relative, sha256: $0.sha256, bytes: $0.bytes) })
    }
}
