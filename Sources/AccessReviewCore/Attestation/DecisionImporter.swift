import Crypto
import Foundation

/// `accessreview decisions import`: reads returned sheets and records their decisions.
/// A file is accepted whole or refused whole, naming every bad row; importing the same file
/// twice changes nothing; a later file from the same reviewer supersedes the earlier one,
/// and both stay in the history.
public struct DecisionImporter {
    public enum Outcome: Sendable, Equatable {
        case recorded(reviewer: String, decided: Int, undecided: Int)
        case alreadyImported(reviewer: String)
        case refused([Diagnostic])
    }

    public let state: StateStore
    public let campaign: String
    /// The day the decisions count from (`--as-of`); nil: the day of the import.
    public let effectiveOn: Day?
    let key: SymmetricKey
    /// The campaign's delegations: a line delegated away is decided by the new reviewer.
    let delegations: [Delegation]

    public init(state: StateStore, campaign: String, effectiveOn: Day? = nil) throws {
        let key = try state.requireRun(of: campaign)
        if let closed = try state.closedOn(campaign) {
            throw ToolError(
                .input,
                "\(state.path): error: campaign \(campaign) was closed on \(closed) (accessreview close); its decisions are final and no sheet of it can be imported any more. A late answer is reviewed in the next campaign"
            )
        }
        self.state = state
        self.campaign = campaign
        self.effectiveOn = effectiveOn
        self.key = key
        self.delegations = try state.delegations(campaign: campaign)
    }

    public func importFile(_ path: String) throws -> Outcome {
        let (sha, _) = try Hashing.sha256Hex(fileAt: path)
        // No sheet of this campaign is longer than its largest issued sheet: a longer file
        // is refused while it is read, not after a million rows were looked up.
        let sheet = try ReturnedSheetReader.read(path: path, maximumRows: try state.largestSheet(campaign: campaign))
        var problems = sheet.refusals.map { Diagnostic(file: path, $0) }

        let campaignValue = value(sheet, labels: Language.allCases.map { Messages($0).campaignLabel })
        let reviewerValue = value(sheet, labels: Language.allCases.map { Messages($0).reviewerLabel }).map {
            String($0.split(separator: " ").first ?? "")
        }
        guard let reviewer = reviewerValue, !reviewer.isEmpty else {
            return .refused(
                problems + [
                    Diagnostic(
                        file: path, line: 3,
                        "the header block names no reviewer (row 'Attestant'/'Reviewer'); is this an accessreview sheet?"
                    )
                ])
        }
        if campaignValue != campaign {
            problems.append(
                Diagnostic(file: path, line: 2, "the sheet is from campaign '\(campaignValue ?? "")', not \(campaign)"))
        }
        if try state.hasImported(campaign: campaign, reviewer: reviewer, sha256: sha) {
            return problems.isEmpty ? .alreadyImported(reviewer: reviewer) : .refused(problems)
        }
        // Every version of the reviewer's sheet stays importable: a re-run keeps the row id of
        // every unchanged line, and a line that disappeared stays decidable on the sheet it was on.
        let versions = try state.issuedRowVersions(campaign: campaign, reviewer: reviewer)
        let issued = Dictionary(uniqueKeysWithValues: versions.map { ($0.row.rowId, $0.row) })
        if issued.isEmpty {
            problems.append(
                Diagnostic(file: path, line: 3, "no sheet was issued to '\(reviewer)' in campaign \(campaign)"))
        }

        let signer = RowSigner(key: key)
        var seen: [String: Int] = [:]
        // Where a foreign row came from is looked up for the first few only: each lookup
        // searches every campaign's rows.
        var lookups = 0
        var decisions: [(rowId: String, decision: String, comment: String)] = []
        var undecided = 0
        for (number, rawCells) in sheet.rows {
            var cells = rawCells
            if cells.allSatisfy({ $0.trimmingCharacters(in: .whitespaces).isEmpty }) { continue }
            if cells.count < SheetLayout.columnCount {
                cells += Array(repeating: "", count: SheetLayout.columnCount - cells.count)
            }
            let rowId = cells[SheetLayout.rowIdColumn].trimmingCharacters(in: .whitespaces)
            func refuse(_ message: String) {
                problems.append(Diagnostic(file: path, line: number, "row \(number): \(message)"))
            }
            guard !rowId.isEmpty else {
                refuse("was added (it has no row id); only Decision and Comment may be filled in")
                continue
            }
            if let first = seen[rowId] {
                refuse("repeats the row id of row \(first)")
                continue
            }
            seen[rowId] = number
            let expected = signer.rowId(
                campaign: campaign, reviewer: reviewer, cells: SheetLayout.signedCells(cells))
            if expected != rowId {
                if issued[rowId] != nil {
                    refuse("was edited outside Decision and Comment (the row no longer matches its row id \(rowId))")
                } else if lookups < 20,
                    let other = try {
                        lookups += 1; return try state.findRow(rowId)
                    }()
                {
                    refuse(
                        other.campaign != campaign
                            ? "comes from campaign \(other.campaign), not \(campaign)"
                            : "comes from \(other.reviewer)'s sheet, not \(reviewer)'s")
                } else {
                    refuse("was added or its row id was changed (\(rowId) was never issued)")
                }
                continue
            }
            guard let row = issued[rowId] else {
                refuse("is not on \(reviewer)'s current sheet (the campaign was re-run since this sheet was issued)")
                continue
            }
            let decisionText = cells[SheetLayout.decisionColumn].trimmingCharacters(in: .whitespacesAndNewlines)
            let comment = cells[SheetLayout.commentColumn].trimmingCharacters(in: .whitespacesAndNewlines)
            guard let decision = Self.decision(decisionText) else {
                refuse("the decision '\(decisionText)' is neither Keep/Behold nor Remove/Fjern")
                continue
            }
            if decision.isEmpty {
                undecided += 1
                continue
            }
            let day = effectiveOn ?? Day.today()
            if let delegation = delegations.last(where: {
                $0.from == reviewer && $0.isInForce(on: day) && $0.lines.contains(Delegation.LineKey(row))
            }) {
                refuse(
                    "\(row.identity.isEmpty ? row.account : row.identity)'s \(row.system)/\(row.role) was delegated to \(delegation.to) on \(delegation.madeOn) (approved by \(delegation.approvedBy)): \(delegation.to) decides it on their sheet; leave it empty here"
                )
                continue
            }
            if decision == "Keep", let worst = row.worst, worst >= .high, comment.isEmpty {
                refuse(
                    "keeping \(row.identity.isEmpty ? row.account : row.identity)'s \(row.system)/\(row.role) with a \(worst.rawValue) finding needs a comment"
                )
                continue
            }
            decisions.append((rowId, decision, comment))
        }
        // Every row of the version the sheet was issued as must come back: a later file
        // supersedes the earlier one, so a deleted row would silently lose its decision.
        // The version is the latest whose rows the file holds all of.
        let latest = versions.map(\.last).max() ?? 1
        var version = latest
        var missing: [StateStore.IssuedRow] = []
        for candidate in stride(from: latest, through: 1, by: -1) {
            let rows = versions.filter { $0.first <= candidate && candidate <= $0.last }.map(\.row)
            let absent = rows.filter { seen[$0.rowId] == nil }
            let ids = Set(rows.map(\.rowId))
            let foreign = seen.keys.contains { issued[$0] != nil && !ids.contains($0) }
            if candidate == latest { missing = absent.sorted { $0.rowId < $1.rowId } }
            if absent.isEmpty && !foreign {
                version = candidate
                missing = []
                break
            }
        }
        if !missing.isEmpty {
            let examples = missing.prefix(5).map {
                "\($0.identity.isEmpty ? $0.account : $0.identity) \($0.system)/\($0.role) (row id \($0.rowId))"
            }
            problems.append(
                Diagnostic(
                    file: path,
                    "\(missing.count) of the \(versions.filter { $0.last == latest }.count) rows issued to \(reviewer) are missing (deleted?): \(examples.joined(separator: "; "))\(missing.count > 5 ? "; …" : ""). A returned sheet must hold every row it was issued with; return the whole sheet"
                ))
        }
        if !problems.isEmpty { return .refused(problems) }
        try state.recordImport(
            campaign: campaign, reviewer: reviewer, file: (path as NSString).lastPathComponent, sha256: sha,
            decisions: decisions, effectiveOn: effectiveOn, sheetVersion: version)
        return .recorded(reviewer: reviewer, decided: decisions.count, undecided: undecided)
    }

    /// Keep or Remove in any of the sheet languages ("Behold"/"Fjern"), in any case, is
    /// recorded as "Keep" or "Remove"; "" is undecided; anything else nil.
    static func decision(_ text: String) -> String? {
        if text.isEmpty { return "" }
        let word = text.lowercased()
        for language in Language.allCases {
            let words = Messages(language).decisionWords
            if word == words[0].lowercased() { return "Keep" }
            if word == words[1].lowercased() { return "Remove" }
        }
        return nil
    }

    private func value(_ sheet: ReturnedSheet, labels: [String]) -> String? {
        labels.lazy.compactMap { sheet.header[$0] }.first
    }
}

/// The revocation worklists and the campaign's progress, from the state store.
public struct CampaignReport {
    public let state: StateStore
    public let campaign: String

    public init(state: StateStore, campaign: String) {
        self.state = state
        self.campaign = campaign
    }

    public struct Revocation: Sendable, Equatable {
        public var system: String
        public var identity: String
        public var account: String
        public var role: String
        public var reviewer: String
        public var decidedAt: String
        public var comment: String
        /// The day the (latest) Remove counts from.
        public var decidedOn: Day
    }

    /// Lines to remove: a Remove from any of a line's reviewers puts it on the list.
    public func revocations() throws -> [Revocation] {
        var result: [String: Revocation] = [:]
        // Only the rows decided Remove are read: a campaign's issued rows can be millions.
        for (decision, row) in try state.currentDecisionsWithRows(campaign: campaign, decision: "Remove") {
            let key = [row.system, row.account, row.role, row.identity].joined(separator: "\u{1F}")
            if var existing = result[key] {
                existing.reviewer += " + \(decision.reviewer)"
                existing.comment +=
                    existing.comment.isEmpty || decision.comment.isEmpty ? decision.comment : " / \(decision.comment)"
                existing.decidedAt = max(existing.decidedAt, decision.decidedAt)
                existing.decidedOn = max(existing.decidedOn, decision.decidedOn)
                result[key] = existing
            } else {
                result[key] = Revocation(
                    system: row.system, identity: row.identity, account: row.account, role: row.role,
                    reviewer: decision.reviewer, decidedAt: decision.decidedAt, comment: decision.comment,
                    decidedOn: decision.decidedOn)
            }
        }
        return result.values.sorted {
            ($0.system, $0.identity, $0.account, $0.role) < ($1.system, $1.identity, $1.account, $1.role)
        }
    }

    /// `revocations/<system>.csv`, one file per system with lines decided Remove, listing
    /// those still to remove: a removal a run has verified (its line gone) leaves the list,
    /// and a list whose every line is done keeps only its header row. `decided_on` is the day
    /// the Remove counts from (the import's `--as-of`), `remove_by` that day plus the
    /// handbook's `revocation_days`, after which a run reports REVOCATION_NOT_DONE.
    public func revocationFiles(revocationDays: Int) throws -> [String: Data] {
        var files: [String: Data] = [:]
        let verified = Set(
            try state.verifiedRemovals().filter { $0.campaign == campaign }.map {
                [$0.system, $0.account, $0.role, $0.decidedOn.description].joined(separator: "\u{1F}")
            })
        for (system, lines) in Dictionary(grouping: try revocations(), by: \.system) {
            var csv = CSVWriter(separator: ",", byteOrderMark: true, neutraliseFormulas: true)
            csv.row(["identity", "account", "role", "reviewer", "decided_at", "decided_on", "remove_by", "comment"])
            for line in lines
            where !verified.contains(
                [line.system, line.account, line.role, line.decidedOn.description].joined(separator: "\u{1F}"))
            {
                csv.row([
                    line.identity, line.account, line.role, line.reviewer, line.decidedAt, line.decidedOn.description,
                    (line.decidedOn + revocationDays).description, line.comment,
                ])
            }
            files["\(system).csv"] = csv.data
        }
        return files
    }

    public struct Progress: Sendable, Equatable {
        public var reviewer: String
        public var decided: Int
        public var total: Int
        public var due: Day?
        public var overdue: Bool
        /// The latest version of the reviewer's sheet, and whether they must get it again
        /// (a re-run gave it lines that the version they returned, or the first, did not hold).
        public var sheetVersion: Int = 1
        public var resend: Bool = false
        /// The last message `notify` sent about the sheet (`reminder 2026-12-19`), and the next
        /// one due (`escalation 2027-01-03`); empty when none.
        public var lastMessage = ""
        public var nextMessage = ""
        /// The delegations to or from the reviewer: who, how many lines, approved by whom, why.
        public var delegations: [String] = []
    }

    /// Each reviewer's progress on the latest version of their sheet.
    public func progress(today: Day) throws -> [Progress] {
        let due = try state.deadline(of: campaign)
        let resend = try state.reviewersToResend(campaign: campaign)
        return try state.reviewerProgress(campaign: campaign).map { p in
            Progress(
                reviewer: p.reviewer, decided: p.decided, total: p.total, due: due,
                overdue: due.map { today > $0 } == true && p.decided < p.total, sheetVersion: p.version,
                resend: resend.contains(p.reviewer))
        }
    }

    public static func statusCSV(_ progress: [Progress]) -> Data {
        var csv = CSVWriter(separator: ",", neutraliseFormulas: true)
        csv.row([
            "reviewer", "decided", "total", "due", "overdue", "sheet_version", "send_again", "last_message",
            "next_message", "delegations",
        ])
        for p in progress {
            csv.row([
                p.reviewer, String(p.decided), String(p.total), p.due?.description ?? "", p.overdue ? "yes" : "no",
                String(p.sheetVersion), p.resend ? "yes" : "no", p.lastMessage, p.nextMessage,
                p.delegations.joined(separator: "; "),
            ])
        }
        let decided = progress.reduce(0) { $0 + $1.decided }, total = progress.reduce(0) { $0 + $1.total }
        csv.row([
            "(campaign)", String(decided), String(total), progress.first?.due?.description ?? "",
            progress.contains(where: \.overdue) ? "yes" : "no", "", String(progress.filter(\.resend).count), "", "", "",
        ])
        return csv.data
    }
}

/// Replaces a folder's contents atomically: the new folder is written beside it and renamed.
public enum FolderSwap {
    public static func replace(_ path: String, with files: [String: Data]) throws {
        let fm = FileManager.default
        let temporary = path + ".partial-\(ProcessInfo.processInfo.processIdentifier)"
        try? fm.removeItem(atPath: temporary)
        try fm.createDirectory(
            atPath: temporary, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o700])
        for (name, data) in files {
            let file = (temporary as NSString).appendingPathComponent(name)
            guard fm.createFile(atPath: file, contents: data, attributes: [.posixPermissions: 0o600]) else {
                throw ToolError(.input, "\(file): error: cannot write the file")
            }
        }
        let old = path + ".replaced-\(ProcessInfo.processInfo.processIdentifier)"
        if fm.fileExists(atPath: path) { try fm.moveItem(atPath: path, toPath: old) }
        try fm.moveItem(atPath: temporary, toPath: path)
        try? fm.removeItem(atPath: old)
    }
}
