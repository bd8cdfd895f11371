import Foundation

/// Everything a run reads, loaded and cross-checked.
public struct LoadedInputs: Sendable {
    public var config: RunConfig
    public var asOf: Day
    public var handbook: Handbook
    public var mappings: [String: SystemMapping]
    public var hrMapping: SystemMapping?
    public var directory: DirectorySnapshot
    public var hr: HRSnapshot?
    public var exports: [SystemExport]
    public var warnings: [Diagnostic]
}

/// The stages of a run, each a step with a named input and output: load → reconcile →
/// attestation → evidence. The command line only calls these.
public struct Pipeline: Sendable {
    public var config: RunConfig
    public var asOf: Day
    public var progress: ProgressDisplay
    /// `--accept-population-change`: run even when a population shrank past the guard.
    public var acceptPopulationChange = false
    /// Filled by `loadDirectory` when the source is LDAP.
    public var directoryTimings = StageTimings()

    public init(config: RunConfig, asOf: Day? = nil, progress: ProgressDisplay = ProgressDisplay(quiet: true)) {
        self.config = config
        self.asOf = config.asOf(overriddenBy: asOf)
        self.progress = progress
    }

    public var campaign: String { config.campaignName(asOf: asOf) }

    // MARK: - Loading

    /// Loads the handbook and mappings, collecting every error of every file.
    public func loadRules() throws -> (Handbook, [String: SystemMapping], SystemMapping?) {
        var problems: [Diagnostic] = []
        var handbook: Handbook?
        if let rules = config.rulesFile {
            do { handbook = try Handbook.load(path: rules) } catch let list as DiagnosticList { problems += list.diagnostics }
        } else {
            problems.append(Diagnostic(file: config.file, "missing required key 'rules': the handbook file"))
        }
        do {
            let (mappings, hrMapping) = try loadMappings()
            if problems.contains(where: { $0.severity == .error }) { throw DiagnosticList(problems) }
            return (handbook!, mappings, hrMapping)
        } catch let list as DiagnosticList {
            throw DiagnosticList(problems + list.diagnostics)
        }
    }

    /// Loads the system mappings and the HR mapping (all that `accounts` needs).
    public func loadMappings() throws -> ([String: SystemMapping], SystemMapping?) {
        var problems: [Diagnostic] = []
        var mappings: [String: SystemMapping] = [:]
        for system in config.systems {
            do {
                mappings[system.id] = try SystemMapping.load(path: system.mapping, kind: .system, expectedSystem: system.id)
            } catch let list as DiagnosticList {
                problems += list.diagnostics
            }
        }
        var hrMapping: SystemMapping?
        if let hr = config.hr {
            do { hrMapping = try SystemMapping.load(path: hr.mapping, kind: .hr, expectedSystem: nil) } catch let list as DiagnosticList {
                problems += list.diagnostics
            }
        }
        if problems.contains(where: { $0.severity == .error }) { throw DiagnosticList(problems) }
        return (mappings, hrMapping)
    }

    public func loadDirectory() throws -> DirectorySnapshot {
        let directory = config.directory
        switch directory.source {
        case .ldif:
            guard let path = directory.ldif else { throw ToolError(.configuration, "\(config.file): error: directory.ldif is missing") }
            progress.stage("reading the directory from \(path)")
            // libldap parses the file on this thread while another builds the users.
            let classify = try DirectoryBuilder(config: directory).classifier()
            var (file, building): ((sha256: String, bytes: Int), DirectoryBuilder.Streaming)
            do {
                (file, building) = try BatchPipe<DirectoryEntry>.overlap(
                    DirectoryBuilder.Streaming(config: directory), batchSize: 256,
                    consume: { $0.add($1, as: classify($1)) },
                    produce: { try LDIFReader.read(path: path, $0) })
            } catch let diagnostic as Diagnostic {
                throw DiagnosticList([diagnostic])
            }
            var snapshot = try building.finish(source: path)
            MemoryRelease.trim()
            snapshot.sourceSHA256 = file.sha256
            snapshot.sourceBytes = file.bytes
            return snapshot
        case .ldap:
            progress.stage("reading the directory from \(directory.url ?? "")")
            let started = Date()
            // libldap receives and decodes on this thread while another builds the users.
            let source = LDAPDirectorySource(config: directory, configFile: config.file)
            var (server, building) = try BatchPipe<LDAPDirectorySource.Delivery>.overlap(
                DirectoryBuilder.Streaming(config: directory), batchSize: 256,
                consume: { builder, delivery in
                    switch delivery {
                    case .group(let entry): builder.addGroup(entry)
                    case .groupsComplete: builder.groupsComplete()
                    case .user(let entry): builder.addUser(entry)
                    }
                },
                produce: { try source.fetch(warn: progress.warn, deliver: $0) })
            directoryTimings.record("LDAP search, decoding and users", since: started)
            let finishing = Date()
            let snapshot = try building.finish(source: server)
            directoryTimings.record("managers, posixGroups, sorting", since: finishing)
            return snapshot
        }
    }

    /// Parses every system export, concurrently, one per core. Any error in any export stops
    /// the run; the errors of all exports are reported together.
    public func loadExports(mappings: [String: SystemMapping]) throws -> [SystemExport] {
        let systems = config.systems.filter { mappings[$0.id] != nil }
        let results = ResultSlots<SystemExport>(count: systems.count)
        let done = Counter()
        DispatchQueue.concurrentPerform(iterations: systems.count) { index in
            let system = systems[index]
            do {
                results.set(index, .success(try ExportLoader.loadSystem(export: system.export, mapping: mappings[system.id]!)))
            } catch let list as DiagnosticList {
                results.set(index, .failure(list.diagnostics))
            } catch let diagnostic as Diagnostic {
                results.set(index, .failure([diagnostic]))
            } catch {
                results.set(index, .failure([Diagnostic(file: system.export, "\(error)")]))
            }
            // What parsing the export allocated and freed (batches, the id index) goes back now.
            MemoryRelease.trim()
            progress.advance("reading exports", done: done.increment(), total: systems.count)
        }
        var problems: [Diagnostic] = []
        var exports: [SystemExport] = []
        for result in results.values {
            switch result {
            case .success(let export): exports.append(export)
            case .failure(let diagnostics): problems += diagnostics
            case nil: break
            }
        }
        if !problems.isEmpty { throw DiagnosticList(problems) }
        return exports
    }

    public func loadAll() throws -> LoadedInputs {
        progress.stage("reading the handbook and mappings")
        let (handbook, mappings, hrMapping) = try loadRules()
        var directory = try loadDirectory()
        var hr: HRSnapshot?
        if let source = config.hr, let hrMapping {
            progress.stage("reading the HR export")
            do {
                hr = try ExportLoader.loadHR(export: source.export, mapping: hrMapping)
            } catch let diagnostic as Diagnostic {
                throw DiagnosticList([diagnostic])
            }
        }
        progress.stage("reading \(config.systems.count) system exports")
        var exports = try loadExports(mappings: mappings)
        var allMappings = mappings
        if config.directory.reviewGroups {
            let (export, mapping) = DirectoryGroupsSystem.make(directory: directory)
            exports.append(export)
            allMappings[export.system] = mapping
        }
        directory.users.sort { $0.id < $1.id }
        var warnings = try CrossReferences.check(config: config, handbook: handbook, mappings: allMappings, directory: directory)
        warnings += (hr?.warnings ?? []) + exports.flatMap(\.warnings)
        return LoadedInputs(config: config, asOf: asOf, handbook: handbook, mappings: allMappings, hrMapping: hrMapping,
                            directory: directory, hr: hr, exports: exports, warnings: warnings)
    }

    // MARK: - Run

    public struct Summary: Sendable {
        /// Seconds spent in each stage, in order.
        public var stages: [(name: String, seconds: Double)] = []
        public var folder: String
        public var campaign: String
        public var findings: [Finding]
        public var sheets: Int
        public var lines: Int
        public var countsBySeverity: [Severity: Int]
    }

    public func run() throws -> Summary {
        var clock = StageClock()
        var inputs = try loadAll()
        clock.lap("read inputs (directory, HR, exports)")
        for warning in inputs.warnings { progress.warn(warning.description) }
        progress.stage("reconciling \(inputs.directory.users.count) identities against the handbook")
        let state = try StateStore(path: config.statePath)
        // Users of the directory and accounts of each export: for the guard, the state store and the manifest.
        var population = ["directory": inputs.directory.users.count]
        let hrRecords = inputs.hr?.records.count ?? 0
        for export in inputs.exports where export.system != DirectoryGroupsSystem.id { population[export.system] = export.accounts.count }
        if !acceptPopulationChange {
            try PopulationGuard.check(current: population, previous: try state.lastCounts(), maxDrop: inputs.handbook.policy.maxPopulationDrop)
        }
        let history = try state.history(before: asOf)
        let context = SheetContext(organisation: config.organisation, campaign: campaign, asOf: asOf,
                                   deadline: asOf + config.deadlineDays, language: config.language,
                                   csvSeparator: config.csvSeparator)
        let key = try state.secret(for: campaign, asOf: asOf, deadline: context.deadline)
        // The snapshots go into the work folder first, so that the reconciler can free each
        // export's accounts once it has correlated them: it then holds the only copy.
        let folder = try OutputFolder(parent: config.output, name: campaign)
        do {
            try folder.writeJSON("directory.json", inputs.directory)
            try folder.writeJSON("accounts.json", AccountsSnapshot(systems: inputs.exports.filter { $0.system != DirectoryGroupsSystem.id }))
            clock.lap("directory.json, accounts.json")
            func handOver() -> ReconcileInput {
                var reconcileInput = ReconcileInput(directory: inputs.directory, hr: inputs.hr, exports: inputs.exports,
                                                    mappings: inputs.mappings, handbook: inputs.handbook, asOf: asOf, language: config.language)
                reconcileInput.history = history
                reconcileInput.releaseInputsWhenUsed = true
                // What the manifest needs stays (counts, files, hashes); the users, HR records and
                // accounts now belong to the reconciler alone.
                for index in inputs.exports.indices { inputs.exports[index].accounts = [] }
                inputs.directory.users = []
                inputs.hr?.records = []
                return reconcileInput
            }
            let result = try Reconciler(handOver()).run()
            clock.lap("reconcile")
            progress.stage("writing sheets and reports")
            let sheets = SheetBuilder(context: context, key: key).sheets(for: result)
            clock.lap("sheets: rows and row ids")
            try folder.write("findings.csv", FindingsRenderer.csv(result.findings))
            try folder.write("findings.json", FindingsRenderer.json(result.findings))
            let done = Counter()
            let failures = ResultSlots<Bool>(count: sheets.count)
            DispatchQueue.concurrentPerform(iterations: sheets.count) { index in
                let sheet = sheets[index]
                do {
                    let formats = config.sheetFormats
                    if formats.contains("csv") {
                        try folder.write("sheets/\(sheet.reviewer).csv", CSVSheetRenderer.render(sheet, context: context), private: true)
                    }
                    if formats.contains("xlsx") {
                        try folder.produce("sheets/\(sheet.reviewer).xlsx", private: true) { try XLSXSheet.write(sheet, context: context, to: $0) }
                    }
                    if formats.contains("pdf") {
                        try folder.produce("sheets/\(sheet.reviewer).pdf", private: true) { try PDFSheet.write(sheet, context: context, to: $0) }
                    }
                } catch let error as ToolError {
                    failures.set(index, .failure([Diagnostic(file: sheet.reviewer, error.message)]))
                } catch {
                    failures.set(index, .failure([Diagnostic(file: sheet.reviewer, "\(error)")]))
                }
                progress.advance("writing sheets", done: done.increment(), total: sheets.count)
            }
            for case .failure(let diagnostics)? in failures.values {
                throw ToolError(.outputNotWritten, diagnostics.map(\.message).joined(separator: "\n"))
            }
            clock.lap("writing \(sheets.count) sheets (\(config.sheetFormats.joined(separator: ", ")))")
            try folder.write("sheets/index.html", SheetIndexRenderer.render(sheets, context: context, formats: config.sheetFormats))
            let manifest = try makeManifest(inputs: inputs, population: population, hrRecords: hrRecords, result: result, folder: folder)
            try folder.write("manifest.json", JSONOutput.encode(manifest))
            try folder.commit()
            clock.lap("manifest and commit")
            try state.recordRun(asOf: asOf, identities: result.identities)
            try state.recordCounts(population)
            clock.lap("state store: run history")
            try state.replaceIssuedRows(campaign: campaign) { add in
                // In primary-key order (sheets come by reviewer): each row is appended to the
                // table's B-tree instead of inserted at a random place.
                for sheet in sheets {
                    for row in sheet.rows.sorted(by: { $0.id < $1.id }) {
                        let line = row.line
                        add(StateStore.IssuedRow(campaign: campaign, reviewer: sheet.reviewer, rowId: row.rowId, identity: line.identity ?? "",
                                                 system: line.system, account: line.account, role: line.role,
                                                 worst: line.worstSeverity, capacity: row.capacity.rawValue))
                    }
                }
            }
            progress.finish()
            var bySeverity: [Severity: Int] = [:]
            for finding in result.findings { bySeverity[finding.severity, default: 0] += 1 }
            clock.lap("state store: issued rows")
            return Summary(stages: clock.laps, folder: folder.finalPath, campaign: campaign, findings: result.findings, sheets: sheets.count,
                           lines: result.lines.count, countsBySeverity: bySeverity)
        } catch {
            folder.discard()
            throw error
        }
    }

    func makeManifest(inputs: LoadedInputs, population: [String: Int], hrRecords: Int, result: ReconcileResult, folder: OutputFolder) throws -> Manifest {
        let base = (config.file as NSString).deletingLastPathComponent
        func relative(_ path: String) -> String {
            let prefix = base.isEmpty ? "" : base + "/"
            return !prefix.isEmpty && path.hasPrefix(prefix) ? String(path.dropFirst(prefix.count)) : path
        }
        let (configSHA, configBytes) = try Hashing.sha256Hex(fileAt: config.file)
        var inputList: [Manifest.Input] = []
        if let rules = config.rulesFile {
            let (sha, bytes) = try Hashing.sha256Hex(fileAt: rules)
            inputList.append(.init(kind: "handbook", path: relative(rules), sha256: sha, bytes: bytes, records: inputs.handbook.jobRoles.count))
        }
        if inputs.config.directory.source == .ldif, let ldif = config.directory.ldif {
            inputList.append(.init(kind: "directory", path: relative(ldif), sha256: inputs.directory.sourceSHA256 ?? "",
                                   bytes: inputs.directory.sourceBytes ?? 0, records: result.identities.count + inputs.directory.groups.count))
        }
        if let hr = inputs.hr, let hrMapping = inputs.hrMapping {
            inputList.append(.init(kind: "hr", path: relative(hr.file), sha256: hr.sha256, bytes: hr.bytes, records: hrRecords))
            let (sha, bytes) = try Hashing.sha256Hex(fileAt: hrMapping.file)
            inputList.append(.init(kind: "mapping", path: relative(hrMapping.file), sha256: sha, bytes: bytes, records: hrMapping.records.count))
        }
        for export in inputs.exports where export.system != DirectoryGroupsSystem.id {
            inputList.append(.init(kind: "export:\(export.system)", path: relative(export.file), sha256: export.sha256, bytes: export.bytes,
                                   records: population[export.system] ?? 0))
            if let mapping = inputs.mappings[export.system] {
                let (sha, bytes) = try Hashing.sha256Hex(fileAt: mapping.file)
                inputList.append(.init(kind: "mapping", path: relative(mapping.file), sha256: sha, bytes: bytes, records: mapping.records.count))
            }
        }
        var counts: [String: Int] = ["identities": result.identities.count, "access_lines": result.lines.count,
                                     "findings": result.findings.count, "reviewers": result.reviewers.count]
        for severity in Severity.allCases { counts["findings_\(severity.rawValue)"] = result.count(of: severity) }
        let formatter = ISO8601DateFormatter()
        return Manifest(tool: ToolInfo.name, version: ToolInfo.version, createdAt: formatter.string(from: Date()),
                        organisation: config.organisation, campaign: campaign, asOf: asOf.description,
                        config: .init(kind: "config", path: (config.file as NSString).lastPathComponent, sha256: configSHA, bytes: configBytes, records: 1),
                        inputs: inputList,
                        directory: .init(source: config.directory.source.rawValue, server: config.directory.url,
                                         userBase: config.directory.users.base, groupBase: config.directory.groups.base,
                                         users: result.identities.count, groups: inputs.directory.groups.count),
                        counts: counts,
                        outputs: folder.files.map { .init(path: $0.relative, sha256: $0.sha256, bytes: $0.bytes) })
    }
}

/// `review_groups: true`: the directory's own groups reviewed like a system with id `directory`.
enum DirectoryGroupsSystem {
    static let id = "directory"

    static func make(directory: DirectorySnapshot) -> (SystemExport, SystemMapping) {
        var names: [String: String] = [:]
        for group in directory.groups { names[DN.normalise(group.dn)] = group.name }
        let accounts = directory.users.map { user in
            Account(account: user.id, keys: [:], roles: user.groups.compactMap { names[DN.normalise($0)] }.sorted(),
                    status: user.disabled ? .disabled : .active)
        }.filter { !$0.roles.isEmpty }
        let export = SystemExport(system: id, name: "Directory groups", owner: nil, file: directory.source,
                                  sha256: directory.sourceSHA256 ?? "", bytes: directory.sourceBytes ?? 0, records: accounts.count,
                                  exportedOn: nil, hasLastLogin: false, accounts: accounts)
        let mapping = SystemMapping(file: directory.source, kind: .system, system: id, name: "Directory groups", owner: nil, ownerLine: 0,
                                    records: [], namespaces: [:], activeValues: [], disabledValues: [], dates: [],
                                    correlate: [.init(field: "account", identity: .id, line: 0)], serviceAccounts: [], exportDate: nil)
        return (export, mapping)
    }
}


/// Where the directory stage spends its time (for `pull --timings` and the benchmark).
public final class StageTimings: @unchecked Sendable {
    private let lock = NSLock()
    private var items: [(String, Double)] = []

    public init() {}

    func record(_ name: String, since start: Date) {
        lock.lock()
        items.append((name, Date().timeIntervalSince(start)))
        lock.unlock()
    }

    public var all: [(name: String, seconds: Double)] {
        lock.lock()
        defer { lock.unlock() }
        return items
    }
}

/// Wall-clock time of each stage of a run.
struct StageClock {
    private var last = Date()
    private(set) var laps: [(name: String, seconds: Double)] = []

    /// Ends a stage; its name carries the peak memory so far, so that `--timings` shows
    /// which stage raised it.
    mutating func lap(_ name: String) {
        // Memory a stage freed goes back to the system before the next stage allocates:
        // glibc keeps freed memory in the arena of the thread that allocated it, where the
        // next stage's threads may not reuse it.
        MemoryRelease.trim()
        let now = Date()
        laps.append((name + String(format: " (peak %.0f MB)", Double(peakMemoryBytes()) / 1e6), now.timeIntervalSince(last)))
        last = now
    }
}


/// The process's peak resident memory so far, in bytes.
public func peakMemoryBytes() -> Int {
    var usage = rusage()
    getrusage(RUSAGE_SELF.rawValue, &usage)
    return Int(usage.ru_maxrss) * 1024
}

/// The guard of DESIGN.md: a run stops, writing nothing, when the directory or an export has
/// fewer than (1 − max_population_drop) of the previous run's records — a truncated export
/// must not make leavers disappear.
public enum PopulationGuard {
    public static func check(current: [String: Int], previous: [String: Int], maxDrop: Double) throws {
        var problems: [String] = []
        for (source, before) in previous.sorted(by: { $0.key < $1.key }) where before > 0 {
            guard let now = current[source] else { continue }
            if Double(now) < Double(before) * (1 - maxDrop) {
                let what = source == "directory" ? "the directory has \(now) users" : "the export of \(source) has \(now) accounts"
                problems.append("\(what), \(before) in the previous run (a drop of \(Int((1 - Double(now) / Double(before)) * 100)) %, more than max_population_drop \(Int(maxDrop * 100)) %)")
            }
        }
        guard problems.isEmpty else {
            throw ToolError(.guardStopped, "accessreview: stopped by the population guard, nothing was written:\n  "
                            + problems.joined(separator: "\n  ")
                            + "\nA truncated export or directory must not make leavers disappear. If the change is real, run again with --accept-population-change.")
        }
    }
}
