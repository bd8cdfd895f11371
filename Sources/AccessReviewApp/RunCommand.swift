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
    }

    public func run(asOf day: Day? = nil, acceptPopulationChange: Bool = false) throws -> RunSummary {
        let lock = try lockState()
        defer { withExtendedLifetime(lock) {} }
        var clock = StageClock()
        let loader = loader(asOf: day)
        let asOf = loader.asOf, campaign = loader.campaign
        var inputs = try loader.loadAll()
        clock.lap("read inputs (directory, HR, exports)")
        for warning in inputs.warnings { progress.warn(warning.description) }
        let state = try StateStore(path: config.statePath)
        let population = inputs.population, hrRecords = inputs.hr?.records.count ?? 0
        if !acceptPopulationChange {
            try PopulationGuard.check(
                current: population, previous: try state.lastCounts(), maxDrop: inputs.handbook.policy.maxPopulationDrop
            )
        }
        let history = try state.history(before: asOf)
        let context = SheetContext(
            organisation: config.organisation, campaign: campaign, asOf: asOf, deadline: asOf + config.deadlineDays,
            language: config.language, csvSeparator: config.csvSeparator)
        let key = try state.secret(for: campaign, asOf: asOf, deadline: context.deadline)
        let folder = try OutputFolder(parent: config.output, name: campaign)
        do {
            // The snapshots are written first, so that the reconciler can hold the only copy
            // of the inputs and free each as soon as it is used.
            try inputs.writeSnapshots(into: folder)
            clock.lap("directory.json, accounts.json")
            progress.stage("reconciling \(population["directory"] ?? 0) identities against the handbook")
            let release = InputRelease(returnFreedMemory: { ProcessSetup.releaseFreeMemory() })
            let result = try Reconciler(inputs.handOver(history: history, release: release)).run()
            clock.lap("reconcile")
            progress.stage("writing sheets and reports")
            let sheets = SheetBuilder(context: context, key: key).sheets(for: result)
            clock.lap("sheets: rows and row ids")
            try folder.write("findings.csv", FindingsRenderer.csv(result.findings))
            try folder.write("findings.json", FindingsRenderer.json(result.findings))
            try SheetFiles.write(
                sheets, context: context, formats: config.sheetFormats, into: folder, progress: progress)
            clock.lap("writing \(sheets.count) sheets (\(config.sheetFormats.joined(separator: ", ")))")
            let manifest = try Manifest.make(
                inputs: inputs, population: population, hrRecords: hrRecords, result: result,
                campaign: campaign, outputs: folder.files)
            try folder.write("manifest.json", JSONOutput.encode(manifest))
            clock.lap("manifest")
            let record = StateStore.RunRecord(
                campaign: campaign, asOf: asOf, identities: result.identities, counts: population,
                issuedRows: { SheetFiles.issuedRows(sheets, campaign: campaign, $0) })
            try state.record(record) { commitState in try folder.commit(confirm: commitState) }
            clock.lap("state store and publication")
            progress.finish()
            var bySeverity: [Severity: Int] = [:]
            for finding in result.findings { bySeverity[finding.severity, default: 0] += 1 }
            return RunSummary(
                stages: clock.laps, folder: folder.finalPath, campaign: campaign, findings: result.findings,
                sheets: sheets.count,
                lines: result.lines.count, countsBySeverity: bySeverity)
        } catch {
            folder.discard()
            throw error
        }
    }
}
