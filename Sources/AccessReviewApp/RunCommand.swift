import AccessReviewCore
import Foundation

/// `accessreview run`: read → guard → snapshots → reconcile → sheets → manifest → state and
/// publication in one step.
extension Application {
    public struct RunSummary: Sendable {
        /// Seconds spent in each stage, in order.
        public var stages: [(name: String, seconds: Double)] = []
        public var folder: String
        public var campaign: String
        public var findings: [Finding]
        public var sheets: Int
        public var lines: Int
        public var countsBySeverity: [Severity: Int]
        /// Removals this run saw carried out, reviewers who must get a new version of their
        /// sheet, and the leaver totals.
        public var verifiedRemovals = 0
        public var resend: [String] = []
        public var leavers: LeaverReport.Totals?
    }

    public func run(asOf day: Day? = nil, acceptPopulationChange: Bool = false) throws -> RunSummary {
        let lock = try lockState()
        defer { withExtendedLifetime(lock) {} }
        var clock = StageClock()
        let loader = loader(asOf: day)
        let asOf = loader.asOf, campaign = loader.campaign
        let startedAt = StateStore.now()
        if FileManager.default.fileExists(atPath: config.statePath),
            let closed = try StateStore(path: config.statePath).closedOn(campaign)
        {
            throw ToolError(
                .input,
                "\(config.statePath): error: campaign \(campaign) was closed on \(closed); its sheets and decisions are final. Start the next campaign (a later as_of, or another 'campaign' in the config)"
            )
        }
        let givenKey = try campaignKey()
        var inputs = try loader.loadAll()
        clock.lap("read inputs (directory, HR, exports)")
        for warning in inputs.warnings { progress.warn(warning.description) }
        let state = try StateStore(path: config.statePath)
        let revocationDays = inputs.handbook.policy.revocationDays
        let population = inputs.population, hrRecords = inputs.hr?.records.count ?? 0
        if !acceptPopulationChange {
            try PopulationGuard.check(
                current: population, previous: try state.lastCounts(), maxDrop: inputs.handbook.policy.maxPopulationDrop
            )
        }
        let history = try state.history(before: asOf)
        let population_ = PopulationCheck(inputs: inputs)
        var context = SheetContext(
            organisation: config.organisation, campaign: campaign, asOf: asOf, deadline: asOf + config.deadlineDays,
            language: config.language, csvSeparator: config.csvSeparator)
        context.jobRoleNames = Dictionary(
            inputs.handbook.jobRoles.map { ($0.id, $0.name) }, uniquingKeysWith: { first, _ in first })
        let key = try state.secret(for: campaign, asOf: asOf, deadline: context.deadline, given: givenKey)
        let folder = try OutputFolder(parent: config.output, name: campaign)
        do {
            // The snapshots are written first, so that the reconciler can hold the only copy
            // of the inputs and free each as soon as it is used.
            try inputs.writeSnapshots(into: folder)
            clock.lap("directory.json, accounts.json")
            progress.stage("reconciling \(population["directory"] ?? 0) identities against the handbook")
            let release = InputRelease(returnFreedMemory: { ProcessSetup.releaseFreeMemory() })
            let fallbacks = inputs.handbook.fallbacks
            var result = try Reconciler(inputs.handOver(history: history, release: release)).run()
            // The line history is read only now, with the exports let go: at a million
            // identities it is 380 MB that would otherwise add to reconciliation's peak.
            let pendingRemovals = try applyLineHistory(
                state: state, campaign: campaign, handbook: inputs.handbook, to: &result)
            // Lines delegated to another reviewer (`delegate`) go to them while the delegation holds.
            let delegations = try state.delegations(campaign: campaign)
            if !delegations.isEmpty {
                var managers: [String: String] = [:]
                for identity in result.identities { managers[identity.user.id] = identity.user.manager }
                Delegation.apply(delegations, to: &result.lines, managers: managers, fallbacks: fallbacks, on: asOf)
            }
            clock.lap("reconcile")
            progress.stage("writing sheets and reports")
            var sheets = SheetBuilder(context: context, key: key).sheets(for: result)
            // A reviewer who delegated every open line and decided none gets an empty version:
            // their earlier sheet is no longer what they are asked to decide.
            let emptied = Set(delegations.filter { $0.isInForce(on: asOf) }.map(\.from))
                .subtracting(sheets.map(\.reviewer))
            for reviewer in emptied.sorted()
            where try !state.issuedSheets(campaign: campaign, reviewer: reviewer).isEmpty {
                sheets.append(Sheet(reviewer: reviewer, reviewerName: nil, rows: []))
            }
            if !emptied.isEmpty { sheets.sort { $0.reviewer < $1.reviewer } }
            let versions = try state.planVersions(
                campaign: campaign, sheets: sheets.map { sheet in (sheet.reviewer, { Set(sheet.rows.map(\.rowId)) }) })
            clock.lap("sheets: rows and row ids")
            try folder.write("findings.csv", FindingsRenderer.csv(result.findings))
            try folder.write("findings.json", FindingsRenderer.json(result.findings))
            try SheetFiles.write(
                sheets, context: context, formats: config.sheetFormats, into: folder, progress: progress,
                versions: versions)
            clock.lap("writing \(sheets.count) sheets (\(config.sheetFormats.joined(separator: ", ")))")
            var record = StateStore.RunRecord(
                campaign: campaign, asOf: asOf, identities: result.identities, counts: population,
                versions: versions, issuedSheets: { SheetFiles.issuedSheets(sheets, $0) })
            record.lines = result.lines
            record.findings = result.findings
            record.pendingRemovals = pendingRemovals
            let stateTimings = StageTimings()
            record.timings = stateTimings
            var leaverTotals: LeaverReport.Totals?
            let verified = try state.record(
                record,
                evidence: {
                    // Made from the state as this run leaves it, inside its transaction.
                    let manifest = try Manifest.make(
                        inputs: inputs, population: population, hrRecords: hrRecords, result: result,
                        campaign: campaign, outputs: [])
                    let evidence = try writeEvidence(
                        state: state, campaign: campaign, asOf: asOf, manifest: manifest, startedAt: startedAt,
                        population: population_.reconciled(with: result), into: folder, timings: stateTimings)
                    leaverTotals = evidence
                    let complete = try Manifest.make(
                        inputs: inputs, population: population, hrRecords: hrRecords, result: result,
                        campaign: campaign, outputs: folder.files)
                    try folder.write("manifest.json", JSONOutput.encode(complete))
                },
                publish: { number, commitState in try folder.commit(token: "run \(number)", confirm: commitState) })
            // The revocation worklists are made from the decisions; the new folder has none yet.
            let revocations = try CampaignReport(state: state, campaign: campaign).revocationFiles(
                revocationDays: revocationDays)
            if !revocations.isEmpty { try writeRevocations(revocations, campaign: campaign) }
            clock.lap("state store, evidence and publication")
            progress.finish()
            var bySeverity: [Severity: Int] = [:]
            for finding in result.findings { bySeverity[finding.severity, default: 0] += 1 }
            var summary = RunSummary(
                stages: clock.laps + stateTimings.all.map { ("  state stage: \($0.name)", $0.seconds) },
                folder: folder.finalPath, campaign: campaign, findings: result.findings,
                sheets: sheets.count,
                lines: result.lines.count, countsBySeverity: bySeverity)
            summary.verifiedRemovals = verified
            summary.resend = versions.resend.sorted()
            summary.leavers = leaverTotals
            return summary
        } catch {
            folder.discard()
            throw error
        }
    }
}

extension Application {
    /// Reads the line history as of the result's day, applies the history findings and "new
    /// since last attestation" to the result, and returns what the recording needs: the
    /// pending removals, and the lines seen before (which the recording empties in place —
    /// the history itself is gone when this returns, so they are never copied).
    func applyLineHistory(
        state: StateStore, campaign: String, handbook: Handbook, to result: inout ReconcileResult
    ) throws -> [LineID: StateStore.PendingRemoval] {
        let history = try state.lineHistory(before: result.asOf, campaign: campaign)
        HistoryChecks(history: history, handbook: handbook, language: config.language).apply(to: &result)
        return history.pendingRemovals
    }
}

/// Who is in HR and not in the directory, and the reverse: the population statement's
/// reconciliation, taken from the inputs before the reconciler consumes them.
struct PopulationCheck {
    var hr: [(employeeId: String, name: String, endDate: Day?)] = []
    var hasHR = false

    init(inputs: LoadedInputs) {
        if let records = inputs.hr?.records {
            hasHR = true
            hr = records.map { ($0.employeeId, $0.name ?? "", $0.endDate) }
        }
    }

    func reconciled(with result: ReconcileResult) -> (
        hrNotInDirectory: [(employeeId: String, name: String, endDate: Day?)],
        directoryNotInHR: [(identity: String, name: String)]
    ) {
        guard hasHR else { return ([], []) }
        let matched = Set(result.identities.compactMap { $0.hr?.employeeId })
        return (
            hr.filter { !matched.contains($0.employeeId) }.sorted { $0.employeeId < $1.employeeId },
            result.identities.filter { $0.hr == nil }.map { ($0.user.id, $0.user.name ?? "") }
        )
    }
}

extension Application {
    /// Writes `leavers.csv` and `report.html` from the state store into `folder`; returns the leaver totals.
    func writeEvidence(
        state: StateStore, campaign: String, asOf: Day, manifest: Manifest, startedAt: String,
        population: (
            hrNotInDirectory: [(employeeId: String, name: String, endDate: Day?)],
            directoryNotInHR: [(identity: String, name: String)]
        ),
        into folder: OutputFolder, timings: StageTimings? = nil
    ) throws -> LeaverReport.Totals {
        var started = Date()
        func lap(_ name: String) {
            timings?.record(name, since: started)
            started = Date()
        }
        let handbook = try loader(asOf: asOf).loadRules().0
        let leavers = try state.leaverReport(
            asOf: asOf, periodStart: try state.previousClose(before: asOf, other: campaign)?.on,
            graceDays: handbook.policy.leaverGraceDays)
        try folder.write("leavers.csv", leavers.csv())
        lap("  leavers.csv")
        try folder.write(PopulationFile.name, PopulationFile.csv(population))
        lap("  population.csv")
        var report = AuditReport(
            organisation: config.organisation, campaign: campaign, asOf: asOf, language: config.language,
            leavers: leavers, manifest: manifest, inputsReadAt: startedAt)
        report.revocationDays = handbook.policy.revocationDays
        report.hrNotInDirectory = population.hrNotInDirectory
        report.directoryNotInHR = population.directoryNotInHR
        try report.gather(from: state)
        lap("  report: gathered from the state store")
        try folder.write("report.html", ReportRenderer.render(report))
        lap("  report.html")
        return leavers.totals
    }

    /// The config's `campaign_key_file`, read and checked: 64 hexadecimal digits.
    func campaignKey() throws -> (key: Data, file: String)? {
        guard let path = config.campaignKeyFile else { return nil }
        guard let data = FileManager.default.contents(atPath: path) else {
            throw ToolError(
                .configuration,
                "\(path): error: the campaign key file (campaign_key_file) cannot be read")
        }
        let text = String(decoding: data, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
        var bytes: [UInt8] = []
        var pending: UInt8?
        for scalar in text.unicodeScalars {
            guard let digit = UInt8(String(scalar), radix: 16) else { bytes = []; break }
            if let high = pending { bytes.append(high << 4 | digit); pending = nil } else { pending = digit }
        }
        guard bytes.count == 32, text.count == 64 else {
            throw ToolError(
                .configuration,
                "\(path): error: the campaign key file must hold 64 hexadecimal digits (a 256-bit key), e.g. from 'openssl rand -hex 32'"
            )
        }
        return (Data(bytes), path)
    }
}
