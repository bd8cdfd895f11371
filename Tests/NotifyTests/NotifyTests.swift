@testable import AccessReviewCore
import AccessReviewApp
import Crypto
import Foundation
import Testing
import TestSupport

/// `notify` against a real SMTP server (aiosmtpd with STARTTLS and AUTH, started by the
/// tests), on a copy of the Samples: the sheets, a month of reminders and an escalation,
/// refused recipients, a server that is down or not trusted, a killed notify, and the
/// password nowhere in the output.
@Suite(.serialized, .processStarted) struct NotifyTests {
    let samples = Repository.copyOfSamples()
    let output = TemporaryFolder()
    let runDay = Day(iso: "2026-11-29")!

    /// The Samples' config pointed at `server` (or at `url`), the output in a temporary folder.
    func config(
        _ server: SMTPServer, url: String? = nil, caFile: String? = nil, language: String = "da",
        passwordFile: String? = nil, timeout: Int = 10
    ) throws -> String {
        let path = samples.file("Samples/accessreview.yaml")
        var text = try #require(samples.read("Samples/accessreview.yaml"))
        let mail = try #require(text.range(of: "\nmail:\n"))
        text = String(text[..<mail.lowerBound])
        text = text.replacingOccurrences(of: "output: ../out", with: "output: \(output.path)")
        text = text.replacingOccurrences(of: "language: da", with: "language: \(language)")
        text += """

            mail:
              url: \(url ?? server.url)
              starttls: true
              from: it-sikkerhed@eksempel.dk
              reply_to: it-sikkerhed@eksempel.dk
              username: \(server.username)
              password_file: \(passwordFile ?? server.passwordFile)
              ca_file: \(caFile ?? server.caFile)
              timeout_seconds: \(timeout)

            """
        _ = samples.write("Samples/accessreview.yaml", text)
        return path
    }

    func application(_ configPath: String) throws -> Application {
        Application(config: try RunConfig.load(path: configPath))
    }

    /// The run that issues the campaign's sheets.
    func runCampaign(_ configPath: String) throws -> Application {
        let app = try application(configPath)
        _ = try app.run(asOf: runDay)
        return app
    }

    var state: StateStore { get throws { try StateStore(path: output.file("state.sqlite")) } }

    func directory() throws -> ReviewerDirectory { try ReviewerDirectory.read(folder: output.file("2026-H2")) }

    /// A received message parsed by Python's `email` package: headers, body text and the
    /// SHA-256 of each attachment by file name.
    struct Parsed: Decodable {
        var to: String
        var subject: String
        var messageId: String
        var body: String
        var attachments: [String: String]
    }

    func parse(_ data: Data) throws -> Parsed {
        let file = output.write("parse-\(UUID().uuidString).eml", data: data)
        let script = """
            import email, email.policy, hashlib, json, sys
            m = email.message_from_bytes(open(sys.argv[1], "rb").read(), policy=email.policy.default)
            body, files = "", {}
            for part in m.walk():
                if part.get_content_disposition() == "attachment":
                    files[part.get_filename()] = hashlib.sha256(part.get_payload(decode=True)).hexdigest()
                elif part.get_content_type() == "text/plain":
                    body = part.get_content()
            print(json.dumps({"to": str(m["To"]), "subject": str(m["Subject"]), "messageId": str(m["Message-ID"]),
                              "body": body, "attachments": files}))
            """
        let out = try Slapd.run(SMTPServer.python, ["-c", script, file])
        return try JSONDecoder().decode(Parsed.self, from: Data(out.utf8))
    }

    /// The reviewer's CSV sheet with every line decided Keep.
    func returned(_ reviewer: String, decision: String = "Behold") throws -> String {
        let text = try #require(output.read("2026-H2/sheets/\(reviewer).csv"))
        let header = text.components(separatedBy: "\r\n").first { $0.hasPrefix("Person") || $0.hasPrefix("Identity") }
        let separator: Character = header?.contains(";") == true ? ";" : ","
        var all = ReturnedSheetReader.parseCSV(
            text.replacingOccurrences(of: "\u{FEFF}", with: ""), separator: separator)
        for index in all.indices where index > SheetLayout.headerRow && all[index].count > SheetLayout.commentColumn {
            all[index][SheetLayout.decisionColumn] = decision
        }
        var csv = CSVWriter(separator: separator, byteOrderMark: true)
        for row in all { csv.row(row) }
        return output.write("returned-\(reviewer).csv", data: csv.data)
    }

    func sha256(_ path: String) throws -> String {
        Data(SHA256.hash(data: try Data(contentsOf: URL(fileURLWithPath: path)))).map { String(format: "%02x", $0) }
            .joined()
    }

    @Test(.enabled(if: SMTPServer.isInstalled)) func everyReviewerGetsTheirSheetOnceWithTheFilesAsIssued() throws {
        let server = try SMTPServer()
        let app = try runCampaign(try config(server))
        let summary = try app.notify(today: runDay)
        let sheets = try state.sheetSummaries(campaign: "2026-H2")
        #expect(summary.outcomes.count == sheets.count && sheets.count > 20)
        let received = try server.received()
        #expect(received.count == sheets.count)
        let directory = try directory()
        let records = try state.messages(campaign: "2026-H2")
        #expect(records.count == sheets.count && records.allSatisfy { $0.status == .sent && $0.kind == .sheet })
        for (message, record) in zip(received, records) {
            let parsed = try parse(message.data)
            // The reviewer's own address from the directory, or the fallback's where they have none.
            let expected = directory.address(of: record.reviewer) ?? directory.address(of: "itsikkerhed")
            #expect(message.recipients == [expected ?? "?"] && record.recipient == expected)
            #expect(message.mailFrom == "it-sikkerhed@eksempel.dk")
            #expect(parsed.messageId == record.messageId)
            #expect(parsed.subject.hasPrefix("Attestering af adgange – 2026-H2"))
            #expect(parsed.body.contains("Kære \(directory.name(of: record.recipientId))"))
            #expect(record.reply.hasPrefix("250"))
            // The attachments are the sheets as issued, byte for byte, and the record holds their hashes.
            let files = ["xlsx", "pdf"].map { "\(record.reviewer).\($0)" }
            #expect(parsed.attachments.keys.sorted() == files.sorted())
            for file in files {
                let hash = try sha256(output.file("2026-H2/sheets/\(file)"))
                #expect(parsed.attachments[file] == hash)
                #expect(record.attachments.contains { $0.name == file && $0.sha256 == hash })
            }
        }
        // The same day again, and the next: nothing is due.
        #expect(try app.notify(today: runDay).outcomes.isEmpty)
        #expect(try app.notify(today: runDay + 1).outcomes.isEmpty)
        #expect(try server.received().count == sheets.count)
        // status says what went out and what comes next.
        let status = try app.status(today: runDay + 1)
        #expect(status.progress.allSatisfy { $0.lastMessage.hasPrefix("sheet 2026-11-29 to ") })
        #expect(status.progress.allSatisfy { $0.nextMessage == "reminder 2026-12-09" })
        // The password is in no output: not in the state store, the messages or status.csv.
        try expectNoPassword(server.password, in: [output.path, server.folder.file("received")])
    }

    @Test(.enabled(if: SMTPServer.isInstalled)) func aMonthGivesTheRemindersAndEscalationTheHandbookSays() throws {
        let server = try SMTPServer()
        let app = try runCampaign(try config(server, language: "en"))
        let deadline = try #require(try state.deadline(of: "2026-H2"))
        // Two reviewers return complete sheets before the first reminder.
        _ = try app.notify(today: runDay)
        let imported = try app.importDecisions(
            [try returned("pila", decision: "Remove"), try returned("mach", decision: "Remove")], asOf: runDay + 2)
        #expect(imported.refused == 0, "\(imported.outcomes)")
        let sheets = try state.sheetSummaries(campaign: "2026-H2")
        let complete = Set(sheets.filter { $0.undecided == 0 }.map(\.reviewer))
        #expect(complete == ["mach", "pila"])
        let open = Set(sheets.map(\.reviewer)).subtracting(complete)
        var sent: [Day: [StateStore.MessageRecord]] = [:]
        var day = runDay + 1
        while day <= deadline + 10 {
            let before = try state.messages(campaign: "2026-H2").count
            _ = try app.notify(today: day)
            sent[day] = Array(try state.messages(campaign: "2026-H2").dropFirst(before))
            day = day + 1
        }
        // Reminders 20, 10 and 3 days before the deadline, escalation 5 days after; nothing else.
        let expected: [Day: [MessageKind]] = [
            deadline - 20: [.reminder], deadline - 10: [.reminder], deadline - 3: [.reminder],
            deadline + 5: [.escalation, .escalationNotice],
        ]
        for (day, records) in sent {
            let kinds = expected[day] ?? []
            #expect(Set(records.map(\.kind)) == Set(kinds), "\(day)")
            for kind in kinds {
                let reviewers = records.filter { $0.kind == kind }.map(\.reviewer)
                #expect(reviewers.sorted() == open.sorted(), "\(kind) on \(day)")
            }
        }
        // Escalations go to the reviewer's own manager; every message was received once.
        let directory = try directory()
        for record in sent[deadline + 5] ?? [] where record.kind == .escalation {
            // Their manager, or the fallback reviewer where the directory names none.
            let own = directory.people[record.reviewer]?.manager
            let manager = own == record.reviewer ? "itsikkerhed" : own ?? "itsikkerhed"
            #expect(record.recipientId == manager || directory.address(of: manager) == nil, "\(record.reviewer)")
        }
        let records = try state.messages(campaign: "2026-H2")
        #expect(try server.received().count == records.count)
        #expect(Set(records.map(\.messageId)).count == records.count)
        let subjects = try server.received().map { try parse($0.data).subject }
        #expect(subjects.contains { $0.hasPrefix("Reminder: ") })
        #expect(subjects.contains { $0.hasPrefix("Access review overdue: ") })
        #expect(try app.status(today: deadline + 11).progress.allSatisfy { $0.nextMessage.isEmpty })
    }

    @Test(.enabled(if: SMTPServer.isInstalled)) func aRefusedRecipientIsReportedAndSentLater() throws {
        let refusing = try SMTPServer(refuse: ["aaho@eksempel.dk"])
        let configPath = try config(refusing)
        let app = try runCampaign(configPath)
        let summary = try app.notify(today: runDay)
        #expect(summary.refused.map(\.reviewer) == ["aaho"])
        let reason = summary.refused.first.map { if case .refused(let why) = $0.result { why } else { "" } }
        #expect(reason?.contains("550 5.1.1 <aaho@eksempel.dk>: mailbox unavailable") == true, "\(reason ?? "")")
        #expect(try refusing.received().count == summary.outcomes.count - 1)
        let records = try state.messages(campaign: "2026-H2")
        #expect(records.filter { $0.status == .refused }.map(\.reviewer) == ["aaho"])
        // Through the command line: exit 2, the recipient named, the others not sent again.
        let accepting = try SMTPServer()
        _ = try config(accepting)
        let outcome = try Tool.run(["notify", "--config", configPath, "--as-of", "2026-11-30"])
        #expect(outcome.status == 0, "\(outcome.stderr)")
        #expect(try accepting.received().map(\.recipients) == [["aaho@eksempel.dk"]])
    }

    @Test(.enabled(if: SMTPServer.isInstalled)) func aServerDownUntrustedOrRefusingTheLoginStopsWithExit3() throws {
        let server = try SMTPServer()
        _ = try runCampaign(try config(server))
        let down = "smtp://127.0.0.1:\(try Slapd.freePort())"
        let wrongPassword = output.write("wrong-password", "not-the-password")
        chmod(wrongPassword, 0o600)
        let cases: [(() throws -> String, String, String)] = [
            ({ try config(server, url: down) }, down, "cannot be reached"),
            ({ try config(server, caFile: server.wrongCAFile) }, server.url, "TLS handshake"),
            ({ try config(server, passwordFile: wrongPassword) }, server.url, "refused the login"),
        ]
        for (write, named, cause) in cases {
            let outcome = try Tool.run(["notify", "--config", try write(), "--as-of", "2026-11-29"])
            try outcome.expect(status: 3, naming: named, message: cause)
            #expect(!outcome.stderr.contains(server.password) && !outcome.stderr.contains("not-the-password"))
        }
        #expect(try server.received().isEmpty)
        #expect(try state.messages(campaign: "2026-H2").allSatisfy { $0.status == .failed })
        // Plain SMTP without STARTTLS is refused before anything is read or sent.
        let configPath = try config(server)
        try samples.replace(in: "Samples/accessreview.yaml", "starttls: true", with: "starttls: false")
        let plain = try Tool.run(["notify", "--config", configPath, "--dry-run"])
        try plain.expect(status: 2, naming: "accessreview.yaml:", message: "clear text")
    }

    @Test(.enabled(if: SMTPServer.isInstalled)) func aKilledNotifySendsNothingTwice() throws {
        let server = try SMTPServer()
        // A server that accepts the connection and never answers: notify hangs in its first message.
        let silentPort = try Slapd.freePort()
        let silent = Process()
        silent.executableURL = URL(fileURLWithPath: SMTPServer.python)
        silent.arguments = [
            "-c",
            "import socket, time; s = socket.socket(); s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1); s.bind(('127.0.0.1', \(silentPort))); s.listen(); c = s.accept(); time.sleep(120)",
        ]
        try silent.run()
        defer { silent.terminate() }
        while !Slapd.accepts(port: silentPort) { usleep(20_000) }
        let configPath = try config(server, url: "smtp://127.0.0.1:\(silentPort)", timeout: 60)
        _ = try runCampaign(configPath)
        let killed = try Tool.run(["notify", "--config", configPath, "--as-of", "2026-11-29"], limit: 4)
        #expect(killed.status != 0)
        let first = try #require(try state.messages(campaign: "2026-H2").first)
        #expect(first.status == .sending)
        // Run again against a server that answers: every sheet but the one that may have gone out.
        _ = try config(server)
        let again = try Tool.run(["notify", "--config", configPath, "--as-of", "2026-11-29"])
        #expect(again.status == 0, "\(again.stderr)")
        let received = try server.received()
        let sheets = try state.sheetSummaries(campaign: "2026-H2").count
        #expect(received.count == sheets - 1)
        #expect(!received.contains { $0.recipients == [first.recipient] })
        let status = try Tool.run(["status", "--config", configPath])
        #expect(status.stdout.contains("sent: sheet 2026-11-29 to \(first.recipient) (unconfirmed)"))
    }

    @Test(.enabled(if: SMTPServer.isInstalled)) func aReviewerWithoutAnAddressIsNamedAndWrittenToThroughTheFallback()
        throws
    {
        let server = try SMTPServer()
        try samples.replace(in: "Samples/directory.ldif", "mail: aaho@eksempel.dk\n", with: "")
        let app = try runCampaign(try config(server))
        let summary = try app.notify(today: runDay)
        #expect(
            summary.notes.contains { $0.hasPrefix("aaho has no usable e-mail address") && $0.contains("itsikkerhed") })
        let record = try #require(try state.messages(campaign: "2026-H2").first { $0.reviewer == "aaho" })
        #expect(record.recipientId == "itsikkerhed" && record.recipient == "itsikkerhed@eksempel.dk")
        let message = try #require(
            try server.received().first { (try? parse($0.data))?.attachments["aaho.xlsx"] != nil })
        #expect(message.recipients == ["itsikkerhed@eksempel.dk"])
        #expect(try parse(message.data).body.hasPrefix("Denne besked er til Åse Holm (aaho)"))
    }

    @Test(.enabled(if: SMTPServer.isInstalled)) func aDryRunWritesOneMessagePerReviewerAndSendsNothing() throws {
        let server = try SMTPServer()
        let configPath = try config(server)
        _ = try runCampaign(configPath)
        let outbox = output.file("outbox-test")
        // No password is needed for a dry run: the password file is not even read.
        let outcome = try Tool.run([
            "notify", "--config", configPath, "--dry-run", "--outbox", outbox, "--as-of", "2026-11-29",
        ])
        #expect(outcome.status == 0, "\(outcome.stderr)")
        let files = try FileManager.default.contentsOfDirectory(atPath: outbox).sorted()
        let sheets = try state.sheetSummaries(campaign: "2026-H2").map(\.reviewer)
        #expect(files.count == sheets.count)
        #expect(files.map { $0.split(separator: "-")[1] }.map(String.init).sorted() == sheets.sorted())
        #expect(try server.received().isEmpty && state.messages(campaign: "2026-H2").isEmpty)
        try expectNoPassword(server.password, in: [outbox])
    }

    /// No file under `folders` holds `password`.
    func expectNoPassword(_ password: String, in folders: [String]) throws {
        for folder in folders {
            let files = FileManager.default.enumerator(atPath: folder)?.allObjects as? [String] ?? []
            for file in files {
                let path = (folder as NSString).appendingPathComponent(file)
                guard let data = FileManager.default.contents(atPath: path) else { continue }
                #expect(data.range(of: Data(password.utf8)) == nil, "\(path) holds the password")
            }
        }
    }
}

/// The parts of a message that come from the directory or the templates, checked without a server.
@Suite struct MailMessageTests {
    @Test func aNameOrSubjectCannotAddAHeader() throws {
        let message = MailMessage(
            from: "it@eksempel.dk", fromName: "Eksempel Kommune", to: "aaho@eksempel.dk",
            toName: "Åse\r\nBcc: evil@example.org", replyTo: nil, subject: "Hej\r\nBcc: evil@example.org",
            body: "Linje æøå\n", attachments: [], messageId: "<x@eksempel.dk>", date: Date())
        let text = String(decoding: message.bytes, as: UTF8.self)
        let headers = text.components(separatedBy: "\r\n\r\n")[0].components(separatedBy: "\r\n")
        #expect(!headers.contains { $0.lowercased().hasPrefix("bcc") })
        // Every header line is a known header or the continuation of one.
        let known = [
            "From:", "To:", "Subject:", "Date:", "Message-ID:", "MIME-Version:", "Auto-Submitted:", "X-Mailer:",
            "Content-Type:", "Content-Transfer-Encoding:",
        ]
        #expect(
            headers.allSatisfy { line in line.hasPrefix(" ") || known.contains { line.hasPrefix($0) } }, "\(headers)")
    }

    @Test func anUnknownPlaceholderIsNamedWithFileAndLine() throws {
        let folder = TemporaryFolder()
        for kind in MessageKind.allCases {
            folder.write("en/\(kind.rawValue).txt", "Subject: {campaign}\n\nDear {name}\n")
        }
        folder.write("en/reminder.txt", "Subject: {campaign}\n\nDear {name}\nYou have {undecidd} lines\n")
        #expect(throws: DiagnosticList.self) { try MailTemplate.load(folder: folder.path, language: .en) }
        do {
            _ = try MailTemplate.load(folder: folder.path, language: .en)
        } catch let list as DiagnosticList {
            #expect(
                list.diagnostics.map(\.description).contains {
                    $0.contains("en/reminder.txt:4") && $0.contains("{undecidd}")
                })
        }
    }

    @Test func aPasswordInTheConfigIsRefused() throws {
        let samples = Repository.copyOfSamples()
        try samples.replace(
            in: "Samples/accessreview.yaml", "password_env: ACCESSREVIEW_SMTP_PASSWORD", with: "password: hemmeligt")
        #expect(throws: DiagnosticList.self) { try RunConfig.load(path: samples.file("Samples/accessreview.yaml")) }
    }
}

/// `delegate` against the same real SMTP server: the lines move, the new reviewer gets the
/// new sheet, the old one a notice, a line of the new reviewer's own goes up their chain,
/// and the old sheet's decisions on delegated lines are refused naming the new reviewer.
@Suite(.serialized, .processStarted) struct DelegationTests {
    let base = NotifyTests()

    @Test(.enabled(if: SMTPServer.isInstalled)) func delegatedLinesMoveAndBothAreTold() throws {
        let server = try SMTPServer()
        let app = try base.runCampaign(try base.config(server))
        _ = try app.notify(today: base.runDay)
        let state = try base.state
        let directory = try base.directory()
        // A reviewer whose sheet holds a line of the person who takes over: that line must not
        // go to them. `from` is that person's manager; `to` reports to `from`.
        let sheets = try state.sheetSummaries(campaign: "2026-H2")
        var pick: (from: String, to: String)?
        for sheet in sheets where pick == nil {
            let rows = try #require(try state.undecidedRows(campaign: "2026-H2", reviewer: sheet.reviewer))
            if let person = rows.map(\.identity).first(where: {
                $0 != sheet.reviewer && directory.people[$0]?.manager == sheet.reviewer
                    && directory.address(of: $0) != nil
            }) {
                pick = (sheet.reviewer, person)
            }
        }
        let (from, to) = try #require(pick)
        let before = try #require(try state.undecidedRows(campaign: "2026-H2", reviewer: from))
        let oldSheet = try #require(base.output.read("2026-H2/sheets/\(from).csv"))
        let summary = try app.delegate(
            from: from, to: to, reason: "Orlov til 2027", approvedBy: "itsikkerhed", until: Day(iso: "2026-12-31"),
            asOf: base.runDay + 3)
        #expect(summary.delegation.lines.count == before.count)
        // The new reviewer's sheet holds every moved line but their own, which went past `from`
        // up the chain (or to the fallback); `from` keeps none of them.
        let toRows = try state.issuedSheets(campaign: "2026-H2", reviewer: to).last?.rows ?? []
        let moved = Set(
            before.map(Delegation.LineKey.init).map { "\($0.identity) \($0.system) \($0.account) \($0.role)" })
        let onTo = Set(toRows.map { "\($0.identity) \($0.system) \($0.account) \($0.role)" })
        let own = moved.filter { $0.hasPrefix("\(to) ") }
        #expect(!own.isEmpty)
        #expect(moved.subtracting(own).isSubset(of: onTo) && own.isDisjoint(with: onTo))
        #expect(toRows.allSatisfy { $0.identity != to })
        let fromRows = try state.issuedSheets(campaign: "2026-H2", reviewer: from).last?.rows ?? []
        #expect(fromRows.allSatisfy { !moved.contains("\($0.identity) \($0.system) \($0.account) \($0.role)") })
        // Both were told, the new reviewer with the new sheet attached as issued.
        let messages = try state.messages(campaign: "2026-H2").filter {
            $0.kind == .delegation || $0.kind == .delegationNotice
        }
        #expect(messages.map(\.kind) == [.delegation, .delegationNotice])
        #expect(messages.map(\.recipientId) == [to, from])
        let received = try server.received().suffix(2)
        let parsed = try received.map { try base.parse($0.data) }
        #expect(parsed[0].body.contains("Orlov til 2027") && parsed[1].body.contains(directory.name(of: to)))
        #expect(parsed[0].attachments["\(to).xlsx"] == (try base.sha256(base.output.file("2026-H2/sheets/\(to).xlsx"))))
        // The next notify sends neither of them the new version again; only the reviewer up the
        // chain who got `to`'s own lines gets their new version.
        let next = try app.notify(today: base.runDay + 3).outcomes
        #expect(next.map(\.kind) == [.sheet] && !next.contains { $0.reviewer == from || $0.reviewer == to })
        // The old sheet, returned with a delegated line decided: refused, naming the new reviewer.
        var rows = ReturnedSheetReader.parseCSV(oldSheet.replacingOccurrences(of: "\u{FEFF}", with: ""), separator: ";")
        let index = try #require(
            rows.indices.first { $0 > SheetLayout.headerRow && rows[$0].count > SheetLayout.commentColumn })
        rows[index][SheetLayout.decisionColumn] = "Fjern"
        var csv = CSVWriter(separator: ";", byteOrderMark: true)
        for row in rows { csv.row(row) }
        let file = base.output.write("old-\(from).csv", data: csv.data)
        let imported = try app.importDecisions([file], asOf: base.runDay + 4)
        guard case .refused(let problems) = imported.outcomes.first?.outcome else {
            Issue.record("the old sheet was accepted: \(imported.outcomes)")
            return
        }
        #expect(
            problems.contains { $0.message.contains("was delegated to \(to)") && $0.message.contains("itsikkerhed") })
        // status shows the delegation with its approval and reason.
        let status = try app.status(today: base.runDay + 4)
        let line = try #require(status.progress.first { $0.reviewer == to }?.delegations.first)
        #expect(
            line.contains("delegated from \(from)") && line.contains("approved by itsikkerhed")
                && line.contains("until 2026-12-31"))
        // The auditors' report, written at close, lists the delegation and what was sent to whom.
        let closed = try app.close(asOf: base.runDay + 40)
        let report = try #require(base.output.read("2026-H2/report.html"))
        #expect(
            report.contains("<td>\(from)</td><td>\(to)</td><td class=\"n\">\(before.count)</td><td>itsikkerhed</td>"))
        #expect(report.contains("Orlov til 2027") && report.contains("delegation \(base.runDay + 3)"))
        #expect(closed.newlyClosed)
    }

    @Test(.enabled(if: SMTPServer.isInstalled)) func aDelegationMustBeApprovedBySomeoneElse() throws {
        let server = try SMTPServer()
        let app = try base.runCampaign(try base.config(server))
        #expect(throws: ToolError.self) {
            try app.delegate(from: "aaho", to: "mach", reason: "Orlov", approvedBy: "aaho", asOf: base.runDay)
        }
        #expect(throws: ToolError.self) {
            try app.delegate(from: "aaho", to: "aaho", reason: "Orlov", approvedBy: "itsikkerhed", asOf: base.runDay)
        }
        #expect(throws: ToolError.self) {
            try app.delegate(from: "aaho", to: "mach", reason: " ", approvedBy: "itsikkerhed", asOf: base.runDay)
        }
        #expect(try base.state.delegations(campaign: "2026-H2").isEmpty)
    }
}
