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

    /// Users of the directory and accounts of each export: for the population guard, the
    /// state store and the manifest.
    public var population: [String: Int] {
        var population = ["directory": directory.users.count]
        for export in exports where export.system != DirectoryGroupsSystem.id {
            population[export.system] = export.accounts.count
        }
        return population
    }

    /// What the reconciler reads, with what earlier runs saw.
    public func reconcileInput(history: History) -> ReconcileInput {
        var input = ReconcileInput(
            directory: directory, hr: hr, exports: exports, mappings: mappings, handbook: handbook,
            asOf: asOf, language: config.language)
        input.history = history
        return input
    }

    /// Hands the users, HR records and accounts to the reconciler, which then holds the only
    /// copy and frees each once used; what the manifest needs (counts, files, hashes) stays.
    public mutating func handOver(history: History, release: InputRelease) -> ReconcileInput {
        var input = reconcileInput(history: history)
        input.release = release
        for index in exports.indices { exports[index].accounts = [] }
        directory.users = []
        hr?.records = []
        return input
    }
}

/// The load stage: the handbook and mappings, the directory (LDIF or LDAP), the HR export and
/// every system export, each file's errors collected and reported together.
public struct InputLoader: Sendable {
    public var config: RunConfig
    public var asOf: Day
    public var progress: ProgressDisplay
    /// Filled by `loadDirectory` when the source is LDAP.
    public var directoryTimings = StageTimings()
    /// Called when a stage has freed much memory (the application passes
    /// `ProcessSetup.releaseFreeMemory`); the loader changes no process-wide state itself.
    public var returnFreedMemory: @Sendable () -> Void = {}

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
            do { handbook = try Handbook.load(path: rules) } catch let list as DiagnosticList {
                problems += list.diagnostics
            }
        } else {
            problems.append(Diagnostic(file: config.file, line: 1, "missing required key 'rules': the handbook file"))
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
                mappings[system.id] = try SystemMapping.load(
                    path: system.mapping, kind: .system, expectedSystem: system.id)
            } catch let list as DiagnosticList {
                problems += list.diagnostics
            }
        }
        var hrMapping: SystemMapping?
        if let hr = config.hr {
            do { hrMapping = try SystemMapping.load(path: hr.mapping, kind: .hr, expectedSystem: nil) } catch let list
                as DiagnosticList
            {
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
            guard let path = directory.ldif else {
                throw ToolError(.configuration, "\(config.places.at("directory")): error: directory.ldif is missing")
            }
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
            returnFreedMemory()
            guard !snapshot.users.isEmpty else {
                throw DiagnosticList([
                    Diagnostic(
                        file: path,
                        "no user in the LDIF is under users.base '\(directory.users.base)' and matches users.filter '\(directory.users.filter)'; there is nobody to review"
                    )
                ])
            }
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
            guard !snapshot.users.isEmpty else {
                throw ToolError(
                    .configuration,
                    "\(config.places.at("directory.users")): error: \(server) has no user under users.base '\(directory.users.base)' matching users.filter '\(directory.users.filter)'; there is nobody to review"
                )
            }
            return snapshot
        }
    }

    /// Parses every system export, concurrently, one per core. Any error in any export stops
    /// the run; the errors of all exports are reported together.
    public func loadExports(mappings: [String: SystemMapping]) throws -> [SystemExport] {
        let systems = config.systems.filter { mappings[$0.id] != nil }
        let returnFreedMemory = self.returnFreedMemory
        let results = ResultSlots<SystemExport>(count: systems.count)
        let done = Counter()
        DispatchQueue.concurrentPerform(iterations: systems.count) { index in
            let system = systems[index]
            do {
                results.set(
                    index, .success(try ExportLoader.loadSystem(export: system.export, mapping: mappings[system.id]!)))
            } catch let list as DiagnosticList {
                results.set(index, .failure(list.diagnostics))
            } catch let diagnostic as Diagnostic {
                results.set(index, .failure([diagnostic]))
            } catch {
                results.set(index, .failure([Diagnostic(file: system.export, "\(error)")]))
            }
            // What parsing the export allocated and freed (batches, the id index) goes back now.
            returnFreedMemory()
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
        var warnings = try CrossReferences.check(
            config: config, handbook: handbook, mappings: allMappings, directory: directory)
        warnings += (hr?.warnings ?? []) + exports.flatMap(\.warnings)
        return LoadedInputs(
            config: config, asOf: asOf, handbook: handbook, mappings: allMappings, hrMapping: hrMapping,
            directory: directory, hr: hr, exports: exports, warnings: warnings)
    }
}
