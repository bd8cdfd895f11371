@testable import AccessReviewCore
import AccessReviewApp
import Foundation
import Testing
import TestSupport

/// One scenario over a campaign's life and into the next, with advancing `--as-of`, on a
/// copy of the Samples: decisions imported, a re-run that keeps row ids, a removal done and
/// one not done, leavers removed late, on time and never, close, an import after close, and
/// the review intervals of the next campaign.
@Suite(.serialized, .processStarted) struct CampaignLifeTests {
    let samples = Repository.copyOfSamples()
    let output = TemporaryFolder()

    func application(campaign: String = "2026-H2") throws -> Application {
        var config = try RunConfig.load(path: samples.file("Samples/accessreview.yaml"))
        config.output = output.path
        config.campaign = campaign
        return Application(config: config)
    }

    /// The rows of a reviewer's CSV sheet below the header row.
    func rows(_ reviewer: String, campaign: String = "2026-H2") throws -> [[String]] {
        let text = try #require(output.read("\(campaign)/sheets/\(reviewer).csv"))
        let all = ReturnedSheetReader.parseCSV(text.replacingOccurrences(of: "\u{FEFF}", with: ""), separator: ";")
        return Array(all.dropFirst(SheetLayout.headerRow + 1)).filter { $0.count > SheetLayout.commentColumn }
    }

    /// Writes the reviewer's sheet back with `decide` filling Decision and Comment.
    func returned(_ reviewer: String, _ decide: ([String]) -> (String, String)) throws -> String {
        let text = try #require(output.read("2026-H2/sheets/\(reviewer).csv"))
        var all = ReturnedSheetReader.parseCSV(text.replacingOccurrences(of: "\u{FEFF}", with: ""), separator: ";")
        for index in all.indices where index > SheetLayout.headerRow && all[index].count > SheetLayout.commentColumn {
            (all[index][SheetLayout.decisionColumn], all[index][SheetLayout.commentColumn]) = decide(all[index])
        }
        var csv = CSVWriter(separator: ";", byteOrderMark: true)
        for row in all { csv.row(row) }
        return output.write("returned-\(reviewer).csv", data: csv.data)
    }

    /// Removes `<Role name="role"/>` from the account's block in the ESDH export (the removal done).
    func removeRole(_ role: String, of account: String) throws {
        let path = "Samples/exports/esdh.xml"
        var text = try #require(samples.read(path))
        let start = try #require(text.range(of: "<User id=\"\(account)\""))
        let end = try #require(text[start.upperBound...].range(of: "</User>"))
        let role = try #require(text[start.lowerBound..<end.upperBound].range(of: "<Role name=\"\(role)\"/>"))
        text.removeSubrange(role)
        _ = samples.write(path, text)
    }

    /// Adds to the ESDH account a normal role it does not hold; returns the role.
    func addRole(to account: String) throws -> String {
        let path = "Samples/exports/esdh.xml"
        var text = try #require(samples.read(path))
        let start = try #require(text.range(of: "<User id=\"\(account)\""))
        let end = try #require(text[start.upperBound...].range(of: "</User>"))
        let block = text[start.lowerBound..<end.lowerBound]
        let role = try #require(["Læseadgang", "Basisbruger"].first { !block.contains("<Role name=\"\($0)\"/>") })
        text.replaceSubrange(end, with: "  <Role name=\"\(role)\"/>\n    </User>")
        _ = samples.write(path, text)
        return role
    }

    /// Gives the ESDH export a new date: a later export shows what was removed by then.
    func redateESDH(_ day: String) throws {
        let path = "Samples/exports/esdh.xml"
        let text = try #require(samples.read(path))
        let dated = try #require(text.range(of: #"created="[0-9-]+""#, options: .regularExpression))
        _ = samples.write(path, text.replacingCharacters(in: dated, with: "created=\"\(day)\""))
    }

    func removeAccount(login: String) throws {
        let path = "Samples/exports/esdh.xml"
        var text = try #require(samples.read(path))
        let login = try #require(text.range(of: " login=\"\(login)\""))
        let start = try #require(
            text[..<login.lowerBound].range(of: "<User id=", options: String.CompareOptions.backwards))
        let end = try #require(text[start.upperBound...].range(of: "</User>"))
        text.removeSubrange(start.lowerBound..<end.upperBound)
        _ = samples.write(path, text)
    }

    func findings(_ campaign: String) throws -> [[String]] {
        let text = try #require(output.read("\(campaign)/findings.csv"))
        return Array(ReturnedSheetReader.parseCSV(text, separator: ",").dropFirst()).filter { $0.count > 8 }
    }

    @Test func aCampaignFromFirstRunToCloseAndTheNextOne() throws {
        // Run 1 (2026-11-29): every line first seen; no history findings.
        let first = try application().run(asOf: Day(iso: "2026-11-29"))
        #expect(first.verifiedRemovals == 0 && first.resend.isEmpty)
        #expect(try findings("2026-H2").allSatisfy { !FindingCode(rawValue: $0[0])!.needsHistory })
        #expect(try rows("maso").allSatisfy { $0[10] == "ja" }, "no campaign was closed: every line is new")
        let before = Dictionary(grouping: try rows("aekj"), by: { $0[SheetLayout.rowIdColumn] })

        // maso removes two ESDH lines and keeps the rest, on 2026-12-01.
        let esdh = try rows("maso").filter { $0[4] == "esdh" && $0[11] == "leder" && $0[0] != "maso" }
        let (done, notDone) = (esdh[0], try #require(esdh.first { $0[5] != esdh[0][5] }))
        let file = try returned("maso") { row in
            row[SheetLayout.rowIdColumn] == done[SheetLayout.rowIdColumn]
                || row[SheetLayout.rowIdColumn] == notDone[SheetLayout.rowIdColumn]
                ? ("Fjern", "") : ("Behold", "gennemgået")
        }
        let imported = try application().importDecisions([file], asOf: Day(iso: "2026-12-01"))
        #expect(imported.refused == 0 && imported.linesToRemove == 2)

        // Before run 2: the first removal is done; leaver bjjo (end date 2026-11-15) loses
        // ESDH late; aelu's account goes before the end date HR now gives (2027-01-15).
        try removeRole(done[6], of: done[5])
        try removeAccount(login: "bjjo")
        try removeAccount(login: "aelu")
        try redateESDH("2026-12-19")
        // And one of maso's people gets a role in ESDH: a line maso has never seen.
        let added = try addRole(to: done[5])
        try samples.replace(
            in: "Samples/exports/hr.xml", "<Medarbejdernummer>10105</Medarbejdernummer>",
            with: "<Medarbejdernummer>10105</Medarbejdernummer>\n    <Ansat-til>2027-01-15</Ansat-til>")

        // Run 2 (2026-12-20), the same campaign again.
        let second = try application().run(asOf: Day(iso: "2026-12-20"))
        #expect(second.verifiedRemovals == 1, "the removal done is verified by the run that first saw it gone")
        let late = try findings("2026-H2").filter { $0[0] == "REVOCATION_NOT_DONE" }
        #expect(late.count == 1 && late.first?[4] == notDone[5] && late.first?[5] == notDone[6])
        #expect(
            late.first?[8].contains("stadig til stede 2026-12-19, 4 dage efter fristen") == true,
            "decided 2026-12-01 + 14 days, seen in the export of 2026-12-19: 4 days late")
        // maso's sheet has a new line: send again. mach's only lost bjjo's line: a new
        // version, but the one mach has decides every line it still holds.
        #expect(second.resend.contains("maso") && !second.resend.contains("aekj") && !second.resend.contains("mach"))
        #expect(try rows("maso").contains { $0[5] == done[5] && $0[6] == added && $0[10] == "ja" })
        // The line whose removal is late keeps its row id (and the Remove decided on it).
        let stillThere = try #require(
            try rows("maso").first { $0[SheetLayout.rowIdColumn] == notDone[SheetLayout.rowIdColumn] })
        #expect(stillThere[SheetLayout.codesColumn].contains("REVOCATION_NOT_DONE"))
        #expect(!(try rows("mach")).contains { $0[0] == "bjjo" })
        #expect(
            try application().status(asOf: nil, today: Day(iso: "2026-12-20")!).progress.first {
                $0.reviewer == "mach"
            }?.resend == false)
        #expect(
            Dictionary(grouping: try rows("aekj"), by: { $0[SheetLayout.rowIdColumn] }).keys == before.keys,
            "an unchanged sheet keeps every row id")
        let index = try #require(output.read("2026-H2/sheets/index.html"))
        #expect(index.contains("ny version: send igen"))
        // The sheet maso returned stays importable (the same file changes nothing).
        let again = try application().importDecisions([file], asOf: Day(iso: "2026-12-21"))
        #expect(again.outcomes.first.map { $0.outcome == .alreadyImported(reviewer: "maso") } == true)
        let status = try application().status(asOf: nil, today: Day(iso: "2026-12-21")!)
        #expect(status.progress.first { $0.reviewer == "maso" }?.resend == true)

        // Leavers as of run 2: bjjo removed 35 days late; anba still open.
        let leavers = try #require(output.read("2026-H2/leavers.csv"))
        #expect(leavers.contains("bjjo,Bjørn Jørgensen") && leavers.contains("2026-12-20,35,,removed late"))
        #expect(leavers.contains("anba,") && leavers.contains("open, overdue"))

        // Close (2026-12-31): every undecided line "not attested"; later imports refused.
        let closed = try application().close(asOf: Day(iso: "2026-12-31"))
        #expect(closed.newlyClosed && closed.unanswered > 100 && closed.outcome == "not attested")
        #expect(throws: ToolError.self) { _ = try application().importDecisions([file], asOf: Day(iso: "2027-01-02")) }
        do {
            _ = try application().importDecisions([file], asOf: Day(iso: "2027-01-02"))
        } catch let error as ToolError {
            #expect(error.message.contains("was closed on 2026-12-31"))
        }
        #expect(throws: ToolError.self) { _ = try application().run(asOf: Day(iso: "2027-01-02")) }
        #expect(try application().close(asOf: Day(iso: "2027-01-05")).newlyClosed == false)
        #expect(try Application.verify(folder: output.file("2026-H2")).ok, "close keeps the manifest true")

        // Run 3, the next campaign (2027-03-02). maso gains a role: the only new line.
        let text = try #require(samples.read("Samples/exports/esdh.xml"))
        let masoAccount = try #require(text.range(of: "login=\"maso\""))
        let closing = try #require(text[masoAccount.upperBound...].range(of: "</User>"))
        _ = samples.write(
            "Samples/exports/esdh.xml",
            text.replacingCharacters(in: closing, with: "  <Role name=\"Administrator\"/>\n    </User>"))
        _ = try application(campaign: "2027-H1").run(asOf: Day(iso: "2027-03-02"))
        let next = try findings("2027-H1")
        let sheets = try FileManager.default.contentsOfDirectory(atPath: output.file("2027-H1/sheets")).filter {
            $0.hasSuffix(".csv")
        }
        var newRows: [[String]] = []
        for sheet in sheets {
            newRows += try rows(String(sheet.dropLast(4)), campaign: "2027-H1").filter { $0[10] == "ja" }
        }
        // One new line, on the manager's and the system owner's sheet (it is extra-sensitive).
        #expect(Set(newRows.map { "\($0[0])/\($0[4])/\($0[6])" }) == ["maso/esdh/Administrator"], "\(newRows)")
        // maso kept sensitive lines 91 days ago: attested. Undecided sensitive lines first
        // seen 93 days ago: due. Still the REVOCATION_NOT_DONE, from the closed campaign.
        let decidedRemove = { (row: [String]) in
            row[5] == done[5] && row[6] == done[6] || row[5] == notDone[5] && row[6] == notDone[6]
        }
        let kept = try rows("maso").filter { $0[7] != "normal" && !decidedRemove($0) }
        let due = Set(next.filter { $0[0] == "SENSITIVE_REVIEW_DUE" }.map { "\($0[3])/\($0[4])/\($0[5])" })
        #expect(!due.isEmpty && next.allSatisfy { $0[0] != "REVIEW_OVERDUE" })
        // A line also on another sheet (its second review) is attested only when both said Keep.
        var elsewhere = Set<String>()
        for sheet in try FileManager.default.contentsOfDirectory(atPath: output.file("2026-H2/sheets"))
        where sheet.hasSuffix(".csv") && sheet != "maso.csv" {
            for row in try rows(String(sheet.dropLast(4))) { elsewhere.insert("\(row[4])/\(row[5])/\(row[6])") }
        }
        var checked = 0
        for row in kept where row[11] == "leder" && !elsewhere.contains("\(row[4])/\(row[5])/\(row[6])") {
            #expect(!due.contains("\(row[4])/\(row[5])/\(row[6])"), "kept on 2026-12-01")
            checked += 1
        }
        #expect(checked > 0)
        for row in kept where elsewhere.contains("\(row[4])/\(row[5])/\(row[6])") {
            #expect(due.contains("\(row[4])/\(row[5])/\(row[6])"), "kept by maso only: the second review is missing")
        }
        #expect(next.contains { $0[0] == "REVOCATION_NOT_DONE" && $0[4] == notDone[5] })
        // aelu left on 2027-01-15; the account was gone on 2026-12-20: on time.
        let nextLeavers = try #require(output.read("2027-H1/leavers.csv"))
        #expect(nextLeavers.contains("aelu,") && nextLeavers.contains("2026-12-20,-26,,removed on time"))
        // Run 4 (2027-06-01): normal lines first seen 184 days ago are overdue; maso's kept 182 days ago are not.
        _ = try application(campaign: "2027-H1").run(asOf: Day(iso: "2027-06-01"))
        let overdue = Set(
            try findings("2027-H1").filter { $0[0] == "REVIEW_OVERDUE" }.map { "\($0[3])/\($0[4])/\($0[5])" })
        #expect(!overdue.isEmpty)
        for row in try rows("maso") where row[7] == "normal" && !decidedRemove(row) {
            #expect(!overdue.contains("\(row[4])/\(row[5])/\(row[6])"), "kept on 2026-12-01")
        }
        let report = try #require(output.read("2027-H1/report.html"))
        #expect(report.contains("REVOCATION_NOT_DONE") && report.contains("2026-H2") && report.contains("<svg"))
    }

    @Test func closeWithRemoveAsTheUnansweredOutcomePutsUndecidedLinesOnTheRevocationLists() throws {
        try samples.replace(
            in: "Mappings/handbook.yaml", "unanswered: not_attested", with: "unanswered: remove")
        _ = try application().run(asOf: Day(iso: "2026-11-29"))
        let closed = try application().close(asOf: Day(iso: "2026-12-31"))
        #expect(closed.outcome == "Remove" && closed.unanswered > 100)
        let lists = try FileManager.default.contentsOfDirectory(atPath: output.file("2026-H2/revocations"))
        #expect(lists.contains("esdh.csv"))
        // Removals decided at close are due 14 days later; an export made before that proves
        // nothing, a later one shows every ESDH line still there.
        _ = try application(campaign: "2027-H1").run(asOf: Day(iso: "2027-01-20"))
        #expect(try findings("2027-H1").filter { $0[0] == "REVOCATION_NOT_DONE" }.isEmpty)
        try redateESDH("2027-01-19")
        _ = try application(campaign: "2027-H1").run(asOf: Day(iso: "2027-01-20"))
        let late = try findings("2027-H1").filter { $0[0] == "REVOCATION_NOT_DONE" }
        #expect(late.count > 50 && late.allSatisfy { $0[3] == "esdh" && $0[8].contains("5 dage efter fristen") })
    }

    @Test func aCampaignKeyFileGivesTheSameRowIdsToEveryFreshStoreAndMustMatchAnOpenCampaign() throws {
        _ = try application().run(asOf: Day(iso: "2026-11-29"))
        let first = try rows("maso").map { $0[SheetLayout.rowIdColumn] }
        // A fresh output folder and state store: the same key, the same row ids.
        try FileManager.default.removeItem(atPath: output.path)
        _ = try application().run(asOf: Day(iso: "2026-11-29"))
        #expect(try rows("maso").map { $0[SheetLayout.rowIdColumn] } == first && !first.isEmpty)
        // Another key for the open campaign is refused, naming the key file.
        _ = samples.write("Samples/demo-campaign.key", String(repeating: "ab", count: 32) + "\n")
        do {
            _ = try application().run(asOf: Day(iso: "2026-11-29"))
            Issue.record("a run with another key for an open campaign must be refused")
        } catch let error as ToolError {
            #expect(error.message.contains("demo-campaign.key: error: campaign 2026-H2 was opened with another key"))
        }
        // A key file that is not 64 hexadecimal digits is refused before anything is read.
        _ = samples.write("Samples/demo-campaign.key", "not a key\n")
        do {
            _ = try application(campaign: "2027-H1").run(asOf: Day(iso: "2027-03-01"))
            Issue.record("a malformed key file must be refused")
        } catch let error as ToolError {
            #expect(error.message.contains("must hold 64 hexadecimal digits"))
        }
        #expect(!output.exists("2027-H1"))
    }
}
