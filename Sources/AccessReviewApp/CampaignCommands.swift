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
    public func importDecisions(_ files: [String], asOf day: Day? = nil) throws -> ImportSummary {
        let lock = try lockState()
        defer { withExtendedLifetime(lock) {} }
        let campaign = campaign(asOf: day)
        let state = try StateStore(path: config.statePath)
        let importer = try DecisionImporter(state: state, campaign: campaign)
        var outcomes: [(String, DecisionImporter.Outcome)] = []
        for file in files { outcomes.append((file, try importer.importFile(file))) }
        let report = CampaignReport(state: state, campaign: campaign)
        let revocations = try report.revocationFiles()
        let parent = (config.output as NSString).appendingPathComponent(campaign)
        // The worklists change only when a file was recorded; a refused import writes nothing.
        if outcomes.contains(where: { if case .recorded = $0.1 { true } else { false } }) {
            let folder = try OutputFolder(parent: parent, name: "revocations")
            do {
                for (name, data) in revocations.sorted(by: { $0.key < $1.key }) { try folder.write(name, data) }
                try folder.commit()
            } catch {
                folder.discard()
                throw error
            }
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

    public struct StatusSummary: Sendable {
        public var campaign: String
        public var progress: [CampaignReport.Progress]
        public var file: String
    }

    /// `status`: each reviewer's progress, written to `status.csv`.
    public func status(asOf day: Day? = nil, today: Day = Day.today()) throws -> StatusSummary {
        let campaign = campaign(asOf: day)
        let state = try StateStore(path: config.statePath)
        let progress = try CampaignReport(state: state, campaign: campaign).progress(today: today)
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
