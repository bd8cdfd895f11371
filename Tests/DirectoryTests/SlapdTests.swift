@testable import AccessReviewCore
import Foundation
import AccessReviewApp
import Testing
import TestSupport

/// Whether slapd is here; says so loudly when it is not.
let slapdAvailable: Bool = {
    if !Slapd.isInstalled {
        FileHandle.standardError.write(
            Data("\n*** SKIPPING the LDAP tests: /usr/sbin/slapd is not installed (make test installs it) ***\n\n".utf8)
        )
    }
    return Slapd.isInstalled
}()

/// The LDAP source against a real slapd started for each test.
@Suite(
    .serialized, .processStarted,
    .enabled(
        if: slapdAvailable, "slapd is not installed (apt-get install slapd ldap-utils); the LDAP tests did not run"))
struct SlapdTests {
    /// slapd loaded with the Samples directory.
    func samplesServer() throws -> Slapd {
        let server = try Slapd()
        let ldif = try String(contentsOfFile: Repository.path("Samples/directory.ldif"), encoding: .utf8)
        // The base entry exists already; load the rest.
        let rest = ldif.components(separatedBy: "\n\n").filter {
            !$0.contains("dn: dc=eksempel,dc=dk") && !$0.contains("dn: ou=Servicekonti,")
        }
        try server.add(rest.joined(separator: "\n\n") + "\n")
        return server
    }

    func samplesConfig(_ server: Slapd, output: String, _ change: (inout DirectoryConfig) -> Void = { _ in }) throws
        -> RunConfig
    {
        var config = try RunConfig.load(path: Repository.path("Samples/accessreview.yaml"))
        config.output = output
        config.directory.source = .ldap
        config.directory.url = server.tlsURL
        config.directory.caFile = server.caFile
        config.directory.bindDN = server.readerDN
        config.directory.passwordFile = server.readerPasswordFile()
        config.directory.pageSize = 100
        change(&config.directory)
        return config
    }

    func sourceError(_ config: RunConfig) -> ToolError? {
        do {
            _ = try LDAPDirectorySource(config: config.directory, configFile: config.file).fetch()
        } catch let error as ToolError {
            return error
        } catch {
            Issue.record("unexpected \(error)")
        }
        return nil
    }

    @Test func theSamplesOverLDAPSGiveTheSameFindingsAndSnapshotAsTheLDIF() throws {
        let server = try samplesServer()
        let viaLDAP = TemporaryFolder(), viaLDIF = TemporaryFolder()
        var ldif = try RunConfig.load(path: Repository.path("Samples/accessreview.yaml"))
        ldif.output = viaLDIF.path
        _ = try Application(config: ldif).run()
        // The same state store (campaign secret), so that row ids agree too.
        try FileManager.default.copyItem(atPath: viaLDIF.file("state.sqlite"), toPath: viaLDAP.file("state.sqlite"))
        _ = try Application(config: try samplesConfig(server, output: viaLDAP.path)).run()
        for file in ["findings.csv", "directory.json", "sheets/maso.csv"] {
            let a = viaLDAP.read("2026-H2/\(file)"), b = viaLDIF.read("2026-H2/\(file)")
            #expect(a != nil && a == b, "\(file) differs between LDAP and LDIF")
        }
    }

    @Test func pagedOverAtLeastThreePages() throws {
        let server = try samplesServer()
        let connection = try LDAPConnection(
            .init(url: server.tlsURL, starttls: false, caFile: server.caFile, timeoutSeconds: 10, pageSize: 100))
        try connection.bind(dn: server.readerDN, password: server.readerPassword)
        var ids: [String] = []
        let total = try connection.search(
            base: server.suffix, filter: "(objectClass=inetOrgPerson)", attributes: ["uid"]
        ) { ids.append($0.first("uid") ?? "") }
        #expect(total == 318 && Set(ids).count == 318)
        #expect(connection.lastPageCount == 4)
    }

    @Test func lockedNestedAndPosixMembershipsComeThrough() throws {
        let server = try samplesServer()
        let config = try samplesConfig(server, output: TemporaryFolder().path)
        let snapshot = try InputLoader(config: config).loadDirectory()
        let users = Dictionary(uniqueKeysWithValues: snapshot.users.map { ($0.id, $0) })
        #expect(users["anba"]?.disabled == true, "pwdAccountLockedTime (ppolicy) means disabled")
        #expect(users["vist"]?.disabled == false)
        #expect(
            users["moho"]?.effectiveGroups.contains("cn=it-drift,ou=Grupper,dc=eksempel,dc=dk") == true,
            "through the it-drift-vagt cycle")
        #expect(snapshot.groups.first { $0.name == "skole-print" }?.members.count == 5, "posixGroup memberUid resolved")
        #expect(users["mepe"]?.endDate?.description == "2026-11-20")
    }

    @Test func startTLSWithTheRightCAWorksAndWithAWrongCAIsRefused() throws {
        let server = try samplesServer()
        var config = try samplesConfig(server, output: "/nonexistent") {
            $0.url = server.url; $0.starttls = true
        }
        let (users, groups, _) = try LDAPDirectorySource(config: config.directory, configFile: config.file).fetch()
        #expect(users.count == 318 && groups.count == 13)
        config.directory.caFile = server.wrongCAFile
        let error = try #require(sourceError(config))
        #expect(error.status == .sourceUnreachable)
        #expect(
            error.message.contains(server.url) && error.message.contains("StartTLS failed")
                && error.message.contains("not trusted"))
    }

    @Test func ldapsWithAWrongCAIsRefused() throws {
        let server = try samplesServer()
        let config = try samplesConfig(server, output: "/nonexistent") { $0.caFile = server.wrongCAFile }
        let error = try #require(sourceError(config))
        #expect(error.status == .sourceUnreachable)
        #expect(error.message.contains("TLS handshake failed") && error.message.contains(server.tlsURL))
    }

    @Test func aWrongPasswordIsRefusedWithoutShowingIt() throws {
        let server = try samplesServer()
        var config = try samplesConfig(server, output: "/nonexistent")
        config.directory.passwordFile = nil
        config.directory.passwordEnv = "ACCESSREVIEW_TEST_PASSWORD"
        let source = LDAPDirectorySource(config: config.directory, configFile: config.file)
        setenv("ACCESSREVIEW_TEST_PASSWORD", "Wrong-Horse-Battery-9", 1)
        defer { unsetenv("ACCESSREVIEW_TEST_PASSWORD") }
        do {
            _ = try source.fetch()
            Issue.record("a wrong password must be refused")
        } catch let error as ToolError {
            #expect(error.status == .sourceUnreachable)
            #expect(error.message.contains("Invalid credentials (49)") && error.message.contains(server.readerDN))
            #expect(!error.message.contains("Wrong-Horse-Battery-9"))
        }
    }

    /// Every command run with a known directory password, by variable and by file, and once
    /// with a wrong one: the password is in no output file, no state store, no message.
    @Test func thePasswordIsInNoOutputLogOrMessage() throws {
        let server = try samplesServer()
        let samples = Repository.copyOfSamples()
        let password = server.readerPassword
        try samples.replace(
            in: "Samples/accessreview.yaml", "  source: ldif\n  ldif: directory.ldif\n",
            with: """
                  source: ldap
                  url: \(server.tlsURL)
                  ca_file: \(server.caFile)
                  bind_dn: \(server.readerDN)
                  password_env: ACCESSREVIEW_SECRET_TEST
                  page_size: 100

                """)
        let config = samples.file("Samples/accessreview.yaml")
        let environment = ["ACCESSREVIEW_SECRET_TEST": password]
        var transcripts: [String] = []
        func tool(_ arguments: [String], _ environment: [String: String] = environment, expect status: Int32 = 0) throws
        {
            let outcome = try Tool.run(arguments, environment: environment)
            #expect(outcome.status == status, "\(arguments.prefix(2)): \(outcome.stderr)")
            transcripts.append(outcome.stdout + outcome.stderr)
        }
        try tool(["check", "--config", config])
        try FileManager.default.createDirectory(atPath: samples.file("out"), withIntermediateDirectories: true)
        try tool(["pull", "--config", config, "--output", samples.file("out/pulled.json")])
        try tool(["run", "--config", config])
        try tool(["explain", "--config", config, "maso"])
        let returned = samples.file("returned.csv")
        try FileManager.default.copyItem(atPath: samples.file("out/2026-H2/sheets/maso.csv"), toPath: returned)
        try tool(["decisions", "import", "--config", config, returned])
        try tool(["status", "--config", config])
        try tool(["verify", samples.file("out/2026-H2")])
        try tool(["run", "--config", config], ["ACCESSREVIEW_SECRET_TEST": password + "-wrong"], expect: 3)
        // And from a password file.
        try samples.replace(
            in: "Samples/accessreview.yaml", "password_env: ACCESSREVIEW_SECRET_TEST",
            with: "password_file: \(server.readerPasswordFile())")
        try tool(["run", "--config", config, "--accept-population-change"], [:])

        for transcript in transcripts { #expect(!transcript.contains(password), "a message shows the password") }
        var scanned = 0
        let out = samples.file("out")
        let enumerator = FileManager.default.enumerator(atPath: out)
        while let relative = enumerator?.nextObject() as? String {
            let path = (out as NSString).appendingPathComponent(relative)
            guard let data = FileManager.default.contents(atPath: path) else { continue }
            #expect(data.range(of: Data(password.utf8)) == nil, "\(relative) holds the password")
            scanned += 1
        }
        #expect(scanned > 80, "every output, the pulled snapshot and the state store were searched (\(scanned) files)")
    }

    @Test func aPasswordFileReadableByOthersIsRefused() throws {
        let server = try samplesServer()
        let config = try samplesConfig(server, output: "/nonexistent")
        chmod(config.directory.passwordFile!, 0o644)
        let error = try #require(sourceError(config))
        #expect(error.status == .badInput && error.message.contains("readable by group or others (mode 644)"))
    }

    @Test func aServerThatIsDownNamesTheServerAndLeavesNoOutput() throws {
        let server = try samplesServer()
        let output = TemporaryFolder()
        var config = try samplesConfig(server, output: output.path)
        config.directory.url = "ldaps://127.0.0.1:\(try Slapd.freePort())"
        do {
            _ = try Application(config: config).run()
            Issue.record("a down server must stop the run")
        } catch let error as ToolError {
            #expect(error.status == .sourceUnreachable)
            #expect(error.message.contains(config.directory.url!) && error.message.contains("cannot connect"))
        }
        #expect(try FileManager.default.contentsOfDirectory(atPath: output.path).isEmpty)
    }

    @Test func aServerKilledDuringTheSearchIsAnErrorNotAShortPopulation() throws {
        let server = try samplesServer()
        let connection = try LDAPConnection(
            .init(url: server.url, starttls: true, caFile: server.caFile, timeoutSeconds: 10, pageSize: 20))
        try connection.bind(dn: server.readerDN, password: server.readerPassword)
        var seen = 0
        do {
            _ = try connection.search(base: server.suffix, filter: "(objectClass=inetOrgPerson)", attributes: ["uid"]) {
                _ in
                seen += 1
                if seen == 30 { server.kill() }
            }
            Issue.record("the search must fail when the server dies")
        } catch let error as ToolError {
            #expect(error.status == .sourceUnreachable)
            #expect(error.message.contains("during the search") || error.message.contains("Can't contact"))
        }
        #expect(seen < 318)
    }

    @Test func aSizeLimitIsAnErrorThatSaysHowToLiftIt() throws {
        let server = try Slapd(sizeLimit: 50)
        var ldif = "dn: ou=People,dc=eksempel,dc=dk\nobjectClass: organizationalUnit\nou: People\n\n"
        ldif += "dn: ou=Grupper,dc=eksempel,dc=dk\nobjectClass: organizationalUnit\nou: Grupper\n\n"
        for index in 0..<80 {
            ldif +=
                "dn: uid=u\(index),ou=People,dc=eksempel,dc=dk\nobjectClass: inetOrgPerson\nuid: u\(index)\ncn: U \(index)\nsn: U\n\n"
        }
        try server.add(ldif)
        var config = try samplesConfig(server, output: "/nonexistent") {
            $0.bindDN = nil; $0.passwordFile = nil; $0.pageSize = 30
        }
        let error = try #require(sourceError(config))
        #expect(error.status == .sourceUnreachable)
        #expect(error.message.contains("size limit") && error.message.contains("limits dn.exact"))
        // The reader account has no limit and gets everyone.
        config.directory.bindDN = server.readerDN
        config.directory.passwordFile = server.readerPasswordFile()
        let (users, _, _) = try LDAPDirectorySource(config: config.directory, configFile: config.file).fetch()
        #expect(users.filter { $0.first("uid")?.hasPrefix("u") == true }.count == 80)
    }

    @Test func plainLDAPNeedsAllowInsecureAndThenWarns() throws {
        let server = try samplesServer()
        var config = try samplesConfig(server, output: "/nonexistent") {
            $0.url = server.url; $0.caFile = nil
        }
        let error = try #require(sourceError(config))
        #expect(error.status == .badInput && error.message.contains("not encrypted"))
        config.directory.allowInsecure = true
        var warnings: [String] = []
        _ = try LDAPDirectorySource(config: config.directory, configFile: config.file).fetch { warnings.append($0) }
        #expect(
            warnings.count == 1 && warnings[0].contains("without TLS") && !warnings[0].contains(server.readerPassword))
    }
}

@Suite(.processStarted) struct ActiveDirectoryValueTests {
    @Test(arguments: [
        ("member;range=0-1499", "member", 0, 1500 as Int?), ("member;range=1500-*", "member", 1500, nil),
        ("Member;Range=3000-4499", "member", 3000, 4500),
    ])
    func rangeRetrievalNames(_ name: String, _ base: String, _ start: Int, _ next: Int?) throws {
        let range = try #require(RangedAttribute(name))
        #expect(range.base == base && range.start == start && range.next == next)
    }

    @Test func notRangedNames() {
        #expect(RangedAttribute("member") == nil)
        #expect(RangedAttribute("member;binary") == nil)
        #expect(RangedAttribute("member;range=x-1") == nil)
    }

    @Test func userAccountControlDisabledBit() throws {
        for (value, disabled) in [("512", false), ("514", true), ("66050", true), ("66048", false)] {
            var config = DirectoryBuilderTests().config(.activeDirectory)
            config.users = .init(base: "dc=x", filter: "(objectClass=user)")
            let entry = DirectoryEntry(
                dn: "cn=a,dc=x",
                attributes: ["objectclass": ["user"], "samaccountname": ["a"], "useraccountcontrol": [value]])
            let snapshot = try DirectoryBuilder(config: config).build(entries: [entry], source: "t")
            #expect(snapshot.users.first?.disabled == disabled, "userAccountControl \(value)")
        }
    }

    @Test func binaryIdentifiers() {
        let guid: [UInt8] = [
            0x33, 0x22, 0x11, 0x00, 0x55, 0x44, 0x77, 0x66, 0x88, 0x99, 0xAA, 0xBB, 0xCC, 0xDD, 0xEE, 0xFF,
        ]
        #expect(LDAPValues.guid(guid) == "00112233-4455-6677-8899-aabbccddeeff")
        let sid: [UInt8] = [1, 2, 0, 0, 0, 0, 0, 5, 21, 0, 0, 0, 0xE8, 0x03, 0, 0]
        #expect(LDAPValues.sid(sid) == "S-1-5-21-1000")
    }

    @Test(arguments: [
        ("0", nil as String?), ("9223372036854775807", nil), ("116444736000000000", "1970-01-01"),
        ("133801632000000000", "2025-01-01"),
    ])
    func filetimes(_ raw: String, _ expected: String?) {
        #expect(DirectoryValues.date(raw)?.day?.description == expected)
    }
}

/// Range retrieval with AD-shaped replies: a 3,200-member group arrives in three slices.
@Suite(.processStarted) struct RangeRetrievalTests {
    @Test func slicesAreFetchedUntilTheLastAndMerged() throws {
        let members = (0..<3200).map { "cn=u\($0),ou=people,dc=ad,dc=x" }
        var collector = RangedEntryCollector()
        let held = collector.add(
            DirectoryEntry(
                dn: "cn=big,ou=groups,dc=ad,dc=x",
                attributes: ["cn": ["big"], "member;range=0-1499": Array(members[0..<1500])]))
        #expect(held == nil, "an entry with slices missing waits")
        let small = collector.add(
            DirectoryEntry(
                dn: "cn=small,ou=groups,dc=ad,dc=x",
                attributes: ["cn": ["small"], "member": ["cn=u1,ou=people,dc=ad,dc=x"]]))
        #expect(small?.values("member").count == 1, "a complete entry is handed on at once")
        var asked: [String] = []
        let entries = try collector.finish { dn, attribute in
            asked.append("\(dn) \(attribute)")
            switch attribute {
            case "member;range=1500-*": return ("member;range=1500-2999", Array(members[1500..<3000]))
            case "member;range=3000-*": return ("member;range=3000-*", Array(members[3000...]))
            default: Issue.record("unexpected request \(attribute)"); return nil
            }
        }
        #expect(
            asked == [
                "cn=big,ou=groups,dc=ad,dc=x member;range=1500-*", "cn=big,ou=groups,dc=ad,dc=x member;range=3000-*",
            ])
        #expect(entries.count == 1)
        #expect(entries.first.map { Array($0.values("member")) } == members)
        #expect(entries.first?.attributes.keys.sorted() == ["cn", "member"])
    }
}
