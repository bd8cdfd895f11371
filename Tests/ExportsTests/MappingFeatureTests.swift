@testable import AccessReviewCore
import Foundation
import Testing
import TestSupport

/// Each mapping feature with a few lines of XML and the accounts they must give.
@Suite(.processStarted) struct MappingFeatureTests {
    func load(_ xml: String, mapping: String, encoding: String.Encoding = .utf8) throws -> SystemExport {
        try loadExport(xml, mapping: mapping, encoding: encoding)
    }

    func loadError(_ xml: String, mapping: String) -> [Diagnostic] {
        do {
            _ = try load(xml, mapping: mapping)
            Issue.record("expected the export to be refused")
        } catch let list as DiagnosticList {
            return list.diagnostics
        } catch let diagnostic as Diagnostic {
            return [diagnostic]
        } catch {
            Issue.record("unexpected \(error)")
        }
        return []
    }

    @Test func attributeCentric() throws {
        let export = try load(
            """
            <Export created="2026-11-28"><Users>
              <User id="2" login="bo" status="Locked"><Role name="B"/></User>
              <User id="1" login="ann" status="Active" lastLogin="2026-11-01"><Role name="Z"/><Role name="A"/><Role name="A"/></User>
            </Users></Export>
            """,
            mapping: """
                system: esdh
                export_date: /Export/@created
                records:
                  - path: /Export/Users/User
                    fields: { account: "@id", user: "@login", status: "@status", last_login: "@lastLogin", roles: "Role/@name" }
                status: { active: [Active], disabled: [Locked] }
                correlate: [{ field: user, identity: id }]
                """)
        #expect(export.accounts.map(\.account) == ["1", "2"], "sorted by id")
        #expect(export.accounts[0].roles == ["A", "Z"], "sorted, without duplicates")
        #expect(export.accounts[0].keys == ["user": "ann"])
        #expect(export.accounts[0].lastLogin?.description == "2026-11-01")
        #expect(export.accounts[1].status == .disabled)
        #expect(export.exportedOn?.description == "2026-11-28")
    }

    @Test func elementCentricWithADatePattern() throws {
        let export = try load(
            """
            <O><Dannet>28-11-2026</Dannet><B>
              <Bruger><ID>7</ID><Initialer> kim </Initialer><Status>Aktiv</Status><Login>01-10-2026</Login>
                <Roller><Rolle>Hjemmehjælper</Rolle><Rolle>Planlægger</Rolle></Roller></Bruger>
            </B></O>
            """,
            mapping: """
                system: omsorg
                export_date: /O/Dannet
                records:
                  - path: /O/B/Bruger
                    fields: { account: ID, user: Initialer, status: Status, last_login: Login, roles: "Roller/Rolle" }
                status: { active: [aktiv], disabled: [spærret] }
                dates: ["dd-MM-yyyy"]
                correlate: [{ field: user, identity: id }]
                """)
        let account = try #require(export.accounts.first)
        #expect(account.keys["user"] == "kim", "values are trimmed")
        #expect(account.status == .active, "status values compare case-insensitively")
        #expect(account.roles == ["Hjemmehjælper", "Planlægger"])
        #expect(account.lastLogin?.description == "2026-10-01")
        #expect(export.exportedOn?.description == "2026-11-28")
    }

    @Test func namespacesWithADefaultNamespaceAndZonedTimes() throws {
        let export = try load(
            """
            <f:R xmlns:f="urn:fin" xmlns="urn:fin" xmlns:a="urn:adr" dannet="2026-11-28T23:30:00Z">
              <Bruger nr="F1"><Navn>ann</Navn><a:Email>ann@x.dk</a:Email><Senest>2026-10-31T23:30:00-01:00</Senest><Ret k="Løn"/></Bruger>
              <Bruger xmlns="urn:other" nr="F2"><Navn>not mine</Navn></Bruger>
            </f:R>
            """,
            mapping: """
                system: okonomi
                namespaces: { f: "urn:fin", a: "urn:adr" }
                export_date: /f:R/@dannet
                records:
                  - path: /f:R/f:Bruger
                    fields: { account: "@nr", user: "f:Navn", email: "a:Email", last_login: "f:Senest", roles: "f:Ret/@k" }
                dates: ["yyyy-MM-dd'T'HH:mm:ssXXX"]
                correlate: [{ field: user, identity: id }]
                """)
        #expect(export.accounts.map(\.account) == ["F1"], "an element in another namespace is not a record")
        #expect(export.accounts[0].keys == ["user": "ann", "email": "ann@x.dk"])
        #expect(export.accounts[0].lastLogin?.description == "2026-11-01", "00:30 UTC on 1 Nov is 1 Nov in Copenhagen")
        #expect(export.exportedOn?.description == "2026-11-29")
    }

    @Test func relationalRecordsAreJoinedByAccountId() throws {
        let export = try load(
            """
            <J><Accounts><Account id="A1" user="ann" enabled="1"/><Account id="A2" user="bo" enabled="0"/></Accounts>
            <Assignments><Assignment account="A1" role="X"/><Assignment account="A2" role="Y"/><Assignment account="A1" role="W"/></Assignments></J>
            """,
            mapping: """
                system: jobcenter
                records:
                  - path: /J/Accounts/Account
                    fields: { account: "@id", user: "@user", status: "@enabled" }
                  - path: /J/Assignments/Assignment
                    fields: { account: "@account", roles: "@role" }
                status: { active: ["1"], disabled: ["0"] }
                correlate: [{ field: user, identity: id }]
                """)
        #expect(export.accounts.map(\.roles) == [["W", "X"], ["Y"]])
        #expect(export.accounts.map(\.status) == [.active, .disabled])
    }

    @Test func anAssignmentToAnUnlistedAccountIsAnError() {
        let found = loadError(
            """
            <J><Accounts><Account id="A1" enabled="1"/></Accounts><Assignments><Assignment account="A9" role="X"/></Assignments></J>
            """,
            mapping: """
                system: j
                records:
                  - path: /J/Accounts/Account
                    fields: { account: "@id", status: "@enabled" }
                  - path: /J/Assignments/Assignment
                    fields: { account: "@account", roles: "@role" }
                status: { active: ["1"], disabled: ["0"] }
                correlate: [{ field: account, identity: id }]
                """)
        #expect(found.contains { $0.message.contains("account 'A9' has no status") })
    }

    @Test func isoLatin1IsReadAsUTF8() throws {
        let export = try load(
            """
            <?xml version="1.0" encoding="ISO-8859-1"?>
            <S dannet="10.11.2026"><P id="1"><Navn>Bodil Ærø-Ødegård</Navn><A>Lærer</A><A>Sundhedsplejerske</A></P></S>
            """,
            mapping: """
                system: skole
                export_date: /S/@dannet
                records:
                  - path: /S/P
                    fields: { account: "@id", name: Navn, roles: A }
                dates: ["dd.MM.yyyy"]
                correlate: [{ field: name, identity: name }]
                """, encoding: .isoLatin1)
        #expect(export.accounts.first?.keys["name"] == "Bodil Ærø-Ødegård")
        #expect(export.accounts.first?.roles == ["Lærer", "Sundhedsplejerske"])
        #expect(export.exportedOn?.description == "2026-11-10")
    }

    @Test func anUnknownStatusNamesFileAndLine() {
        let found = loadError(
            "<E>\n<U id=\"1\" s=\"Maybe\"/>\n</E>",
            mapping: """
                system: s
                records: [{ path: /E/U, fields: { account: "@id", status: "@s" } }]
                status: { active: [On], disabled: [Off] }
                correlate: [{ field: account, identity: id }]
                """)
        #expect(found.first?.file.hasSuffix("e.xml") == true)
        #expect(found.first?.line == 2)
        #expect(found.first?.message.contains("status 'Maybe'") == true)
    }

    @Test func aRecordPathThatMatchesNothingIsAnErrorUnlessAllowed() throws {
        let xml = "<E><U id=\"1\"/></E>"
        let mapping = """
            system: s
            records:
              - path: /E/U
                fields: { account: "@id" }
              - path: /E/Users/User
                fields: { account: "@id" }
            correlate: [{ field: account, identity: id }]
            """
        let found = loadError(xml, mapping: mapping)
        #expect(
            found.contains { $0.file.hasSuffix("m.yaml") && $0.line == 5 && $0.message.contains("matches nothing") })
        let allowed = mapping.replacingOccurrences(
            of: "  - path: /E/Users/User\n", with: "  - path: /E/Users/User\n    allow_empty: true\n")
        #expect(try load(xml, mapping: allowed).accounts.count == 1)
    }

    @Test func malformedXMLGivesLineAndColumnAndNoAccounts() {
        let found = loadError(
            "<E>\n<U id=\"1\">\n<R>x</R>\n</E>\n",
            mapping: """
                system: s
                records: [{ path: /E/U, fields: { account: "@id", roles: R } }]
                correlate: [{ field: account, identity: id }]
                """)
        #expect(found.first?.line == 4)
        #expect(found.first?.message.hasPrefix("malformed XML") == true)
    }

    @Test func anXPathThatDoesNotCompileNamesTheMappingLine() {
        let found = loadError(
            "<E/>",
            mapping: """
                system: s
                records:
                  - path: /E/U
                    fields:
                      account: "@id"
                      roles: "R[@x="
                correlate: [{ field: account, identity: id }]
                """)
        #expect(
            found.contains { $0.file.hasSuffix("m.yaml") && $0.line == 6 && $0.message.contains("does not compile") })
    }

    @Test func externalEntitiesAreNotLoaded() throws {
        let folder = TemporaryFolder()
        let secret = folder.write("secret.txt", "TOP-SECRET")
        let xml = """
            <?xml version="1.0"?>
            <!DOCTYPE E [<!ENTITY leak SYSTEM "file://\(secret)">]>
            <E><U id="1"><R>&leak;</R></U></E>
            """
        let found = loadError(
            xml,
            mapping: """
                system: s
                records: [{ path: /E/U, fields: { account: "@id", roles: R } }]
                correlate: [{ field: account, identity: id }]
                """)
        #expect(found.first?.message.contains("declares entities") == true)
        #expect(!found.map(\.description).joined().contains("TOP-SECRET"))
    }

    @Test(arguments: [
        ("yyyy-MM-dd", "2026-11-29", "2026-11-29"), ("dd.MM.yyyy", "29.11.2026", "2026-11-29"),
        ("yyyy-MM-dd'T'HH:mm:ssXXX", "2026-11-29T23:30:00+00:00", "2026-11-30"),
        ("yyyy-MM-dd'T'HH:mm:ss", "2026-11-29T23:30:00", "2026-11-29"), ("yyyy-MM-dd", "2026-11-31", nil),
        ("yyyy-MM-dd", "29-11-2026", nil), ("d/M/yyyy", "3/7/2026", "2026-07-03"),
    ])
    func datePatterns(_ pattern: String, _ text: String, _ expected: String?) throws {
        #expect(try DatePattern(pattern).parse(text)?.description == expected)
    }

    @Test func xpathFunctionsAndTextNodes() throws {
        let export = try load(
            """
            <E><U id="7"><First> Anne </First><Last>Kjær</Last><Note>  two   words </Note>x<!-- c -->y<R>A</R></U></E>
            """,
            mapping: """
                system: s
                records:
                  - path: /E/U
                    fields:
                      account: "string(@id)"
                      name: "concat(normalize-space(First), ' ', Last)"
                      note: "normalize-space(Note)"
                      loose: "text()"
                      roles: "R/text()"
                correlate: [{ field: name, identity: name }]
                """)
        let account = try #require(export.accounts.first)
        #expect(account.account == "7")
        #expect(account.keys["name"] == "Anne Kjær" && account.keys["note"] == "two words")
        #expect(account.keys["loose"] == "x", "the first text node")
        #expect(account.roles == ["A"])
    }

    @Test func directWalksAgreeWithTheXPathEngine() throws {
        let xml = """
            <E xmlns:p="urn:p"><U id="1" p:k="v"><A><B c="1"/><B c="2"/><B>t</B></A><A><B c="3"/></A><p:Z>z</p:Z><R>r1</R><R>r2</R></U></E>
            """
        // The same expressions, once in the walked form and once in a form only XPath evaluates ("./…").
        let walked = try load(
            xml,
            mapping: """
                system: s
                namespaces: { p: "urn:p" }
                records:
                  - path: /E/U
                    fields: { account: "@id", one: "A/B/@c", two: "@p:k", three: "p:Z", four: "A/B", roles: "R" }
                correlate: [{ field: account, identity: id }]
                """)
        let evaluated = try load(
            xml,
            mapping: """
                system: s
                namespaces: { p: "urn:p" }
                records:
                  - path: /E/U
                    fields: { account: "./@id", one: "./A/B/@c", two: "./@p:k", three: "./p:Z", four: "./A/B", roles: "./R" }
                correlate: [{ field: account, identity: id }]
                """)
        #expect(walked.accounts == evaluated.accounts)
        #expect(walked.accounts.first?.keys == ["one": "1", "two": "v", "three": "z"])
        #expect(walked.accounts.first?.roles == ["r1", "r2"])
    }

    @Test func repeatedRecordsOfOneAccountAreMerged() throws {
        let export = try load(
            "<E><U id=\"1\" u=\"ann\"><R>A</R></U><U id=\"1\"><R>B</R></U></E>",
            mapping: """
                system: s
                records: [{ path: /E/U, fields: { account: "@id", user: "@u", roles: R } }]
                correlate: [{ field: user, identity: id }]
                """)
        #expect(export.accounts.count == 1)
        #expect(export.accounts.first?.roles == ["A", "B"] && export.accounts.first?.keys["user"] == "ann")
    }

    @Test func hrRecordsThroughTheSameReader() throws {
        let folder = TemporaryFolder()
        let mapping = try SystemMapping.parse(
            """
            records:
              - path: /P/Ansat
                fields: { employee_id: Nr, end_date: Til, title: Stilling }
            dates: ["dd.MM.yyyy"]
            correlate: [{ field: employee_id, identity: employee_id }]
            """, file: "hr.yaml", kind: .hr, expectedSystem: nil)
        let path = folder.write(
            "hr.xml",
            "<P><Ansat><Nr>7</Nr><Til>31.12.2026</Til><Stilling>Lærer</Stilling></Ansat><Ansat><Nr>8</Nr></Ansat></P>")
        let hr = try ExportLoader.loadHR(export: path, mapping: mapping)
        #expect(hr.records.map(\.employeeId) == ["7", "8"])
        #expect(hr.records[0].endDate?.description == "2026-12-31" && hr.records[0].title == "Lærer")
        #expect(hr.records[1].endDate == nil)
    }
}

/// Reads `xml` through the system mapping `mapping`, both written to a throw-away folder.
func loadExport(_ xml: String, mapping: String, encoding: String.Encoding = .utf8) throws -> SystemExport {
    let folder = TemporaryFolder()
    let mappingPath = folder.write("m.yaml", mapping)
    let exportPath = folder.write("e.xml", data: xml.data(using: encoding)!)
    let parsed = try SystemMapping.load(path: mappingPath, kind: .system, expectedSystem: nil)
    return try ExportLoader.loadSystem(export: exportPath, mapping: parsed)
}
