import AccessReviewCore
import Foundation

/// The commands that work on a campaign after its sheets went out: `decisions import`,
/// `status`, `verify`.
extension Application {
    public struct ImportSummary: Sendable {
        public var outcomes: [(file: String, outcome: DecisionImporter.Outcome)]
        public var revocationsFolder: String
        public var linesToRemove: Int
        public var systems: Int
        /// Which file is in force where one import recorded several of one reviewer.
        public var notes: [String] = []
        public var refused: Int { outcomes.filter { if case .refused = $0.outcome { true } else { false } }.count }
    }

    /// `decisions import`: each file recorded whole or refused whole, then the revocation
    /// worklists (`revocations/<system>.csv`) rewritten as one folder.
    /// Decisions count from `asOf` when it is given (a test, or a file imported late), else
    /// from the day of the import.
    public func importDecisions(_ files: [String], asOf day: Day? = nil) throws -> ImportSummary {
        let lock = try lockState()
        defer { withExtendedLifetime(lock) {} }
        let campaign = campaign(asOf: day)
        let revocationDays = try loader(asOf: day).loadRules().0.policy.revocationDays
        let state = try StateStore(path: config.statePath)
        let importer = try DecisionImporter(state: state, campaign: campaign, effectiveOn: day)
        var outcomes: [(String, DecisionImporter.Outcome)] = []
        for file in files { outcomes.append((file, try importer.importFile(file))) }
        let report = CampaignReport(state: state, campaign: campaign)
        let revocations = try report.revocationFiles(revocationDays: revocationDays)
        let parent = (config.output as NSString).appendingPathComponent(campaign)
        // The worklists change only when a file was recorded; a refused import writes nothing.
        if outcomes.contains(where: { if case .recorded = $0.1 { true } else { false } }) {
            try writeRevocations(revocations, campaign: campaign)
        }
        var summary = ImportSummary(
            outcomes: outcomes, revocationsFolder: (parent as NSString).appendingPathComponent("revocations"),
            linesToRemove: try report.revocations().count, systems: revocations.count)
        // Files are recorded in the order named; the last recorded file of a reviewer supersedes
        // the earlier ones, whatever their content or time. Say so where it matters.
        var recorded: [String: [String]] = [:]
        for (file, outcome) in outcomes {
            if case .recorded(let reviewer, _, _) = outcome { recorded[reviewer, default: []].append(file) }
        }
        for (reviewer, files) in recorded.sorted(by: { $0.key < $1.key }) where files.count > 1 {
            summary.notes.append(
                "\(reviewer): \(files.count) files recorded in this import; the last named, \(files.last!), is in force (a later file supersedes an earlier one: name them oldest first)"
            )
        }
        return summary
    }

    /// `revocations/<system>.csv` replaced as one folder.
    func writeRevocations(_ files: [String: Data], campaign: String) throws {
        let parent = (config.output as NSString).appendingPathComponent(campaign)
        let folder = try OutputFolder(parent: parent, name: "revocations")
        do {
            for (name, data) in files.sorted(by: { $0.key < $1.key }) { try folder.write(name, data) }
            try folder.commit()
        } catch {
            folder.discard()
            throw error
        }
    }

    public struct CloseSummary: Sendable {
        public var campaign: String
        public var closedOn: Day
        /// False when the campaign was closed before: its evidence was written again.
        public var newlyClosed: Bool
        public var unanswered: Int
        public var outcome: String
        public var folder: String
        public var leavers: LeaverReport.Totals
    }

    /// `close`: every line without a decision gets the handbook's `unanswered` outcome,
    /// later imports are refused, and the evidence (`leavers.csv`, `report.html`, the
    /// revocation lists and the manifest's entries for them) is written again from the
    /// final state. Closing a closed campaign writes its evidence again and changes nothing else.
    public func close(asOf day: Day? = nil, today: Day = Day.today()) throws -> CloseSummary {
        let lock = try lockState()
        defer { withExtendedLifetime(lock) {} }
        let campaign = campaign(asOf: day)
        let state = try StateStore(path: config.statePath)
        _ = try state.requireRun(of: campaign)
        let folder = (config.output as NSString).appendingPathComponent(campaign)
        let manifestPath = (folder as NSString).appendingPathComponent("manifest.json")
        guard let manifestData = FileManager.default.contents(atPath: manifestPath),
            var manifest = try? JSONDecoder().decode(Manifest.self, from: manifestData)
        else {
            throw ToolError(
                .input,
                "\(manifestPath): error: the campaign's output folder has no readable manifest; run accessreview run again before closing"
            )
        }
        let handbook = try loader(asOf: day).loadRules().0
        let outcome = handbook.policy.unanswered.decision
        var closedOn = try state.closedOn(campaign)
        let newlyClosed = closedOn == nil
        var unanswered = 0
        if closedOn == nil {
            let on = day ?? today
            unanswered = try state.close(campaign: campaign, on: on, outcome: outcome)
            closedOn = on
        }
        let asOf = Day(iso: manifest.asOf) ?? closedOn!
        let population = try PopulationFile.read(folder: folder)
        let leavers = try state.leaverReport(
            asOf: asOf, periodStart: try state.previousClose(before: asOf, other: campaign)?.on,
            graceDays: handbook.policy.leaverGraceDays)
        var report = AuditReport(
            organisation: config.organisation, campaign: campaign, asOf: asOf, language: config.language,
            leavers: leavers, manifest: manifest, inputsReadAt: manifest.createdAt)
        report.revocationDays = handbook.policy.revocationDays
        report.hrNotInDirectory = population.hrNotInDirectory
        report.directoryNotInHR = population.directoryNotInHR
        try report.gather(from: state)
        let files = ["leavers.csv": leavers.csv(), "report.html": ReportRenderer.render(report)]
        for (name, data) in files.sorted(by: { $0.key < $1.key }) {
            try AtomicFile.write((folder as NSString).appendingPathComponent(name), data: data)
            let entry = Manifest.Output(path: name, sha256: Hashing.sha256Hex(data), bytes: data.count)
            if let index = manifest.outputs.firstIndex(where: { $0.path == name }) {
                manifest.outputs[index] = entry
            } else {
                manifest.outputs.append(entry)
            }
        }
        try AtomicFile.write(manifestPath, data: JSONOutput.encode(manifest))
        let revocations = try CampaignReport(state: state, campaign: campaign).revocationFiles(
            revocationDays: handbook.policy.revocationDays)
        if !revocations.isEmpty { try writeRevocations(revocations, campaign: campaign) }
        return CloseSummary(
            campaign: campaign, closedOn: closedOn!, newlyClosed: newlyClosed, unanswered: unanswered,
            outcome: outcome, folder: folder, leavers: leavers.totals)
    }

    public struct StatusSummary: Sendable {
        public var campaign: String
        public var progress: [CampaignReport.Progress]
        public var file: String
    }

    /// `status`: each reviewer's progress, written to `status.csv`.
    public func status(asOf day: Day? = nil, today: Day = Day.today()) throws -> StatusSummary {
        let campaign = campaign(asOf: day)
        let state = try StateStore(path: config.statePath)
        var progress = try CampaignReport(state: state, campaign: campaign).progress(today: today)
        try addMessages(to: &progress, state: state, campaign: campaign, day: today)
        guard !progress.isEmpty else {
            throw ToolError(
                .input,
                "\(state.path): error: no sheets were issued in campaign \(campaign); run accessreview run first")
        }
        let path = ((config.output as NSString).appendingPathComponent(campaign) as NSString).appendingPathComponent(
            "status.csv")
        try AtomicFile.write(path, data: CampaignReport.statusCSV(progress))
        return StatusSummary(campaign: campaign, progress: progress, file: path)
    }

    /// `verify`: every output of a run against its manifest, and the history of imports and
    /// decisions in the state store beside it against its hash chain.
    public static func verify(folder: String) throws -> ManifestVerifier.Report {
        let marker = (folder as NSString).appendingPathComponent(OutputFolder.unconfirmedMarker)
        if FileManager.default.fileExists(atPath: marker) {
            throw ToolError(
                .input,
                "\(folder): error: a run was interrupted while publishing this folder, before or just after its state was committed; the next run, decisions import or close of this output finishes or undoes it (\(OutputFolder.unconfirmedMarker))"
            )
        }
        var report = try ManifestVerifier.verify(folder: folder)
        let store = ((folder as NSString).deletingLastPathComponent as NSString).appendingPathComponent("state.sqlite")
        if FileManager.default.fileExists(atPath: store) {
            let state = try StateStore(path: store)
            report.alteredHistory = try state.firstAlteredImport()
            report.history = try state.historyHead()
        }
        return report
    }
}
