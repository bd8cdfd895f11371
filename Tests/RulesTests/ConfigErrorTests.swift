@testable import AccessReviewCore
import Testing
import TestSupport

/// Configuration errors name the file and the line, and all of them are reported at once.
@Suite(.processStarted) struct ConfigErrorTests {
    func errors(_ body: () throws -> Void) -> [Diagnostic] {
        do {
            try body()
        } catch let list as DiagnosticList {
            return list.diagnostics
        } catch {
            Issue.record("expected a DiagnosticList, got \(error)")
        }
        return []
    }

    let goodConfig = """
        version: 1
        organisation: Test
        directory:
          source: ldif
          ldif: d.ldif
          users: { base: "dc=x" }
          groups: { base: "ou=groups,dc=x" }
        systems:
          esdh: esdh.xml
        mappings: maps
        rules: handbook.yaml
        """

    @Test func aGoodConfigLoadsWithDefaults() throws {
        let config = try RunConfig.parse(goodConfig, file: "/etc/ar/accessreview.yaml")
        #expect(config.language == .da && config.csvSeparator == ";" && config.deadlineDays == 30)
        #expect(config.systems.map(\.export) == ["/etc/ar/esdh.xml"])
        #expect(config.systems.first?.mapping == "/etc/ar/maps/esdh.yaml")
        #expect(config.directory.attributes.id == "uid")
        #expect(config.campaignName(asOf: Day(iso: "2026-03-01")!) == "2026-H1")
    }

    @Test func unknownKeysWrongTypesMissingKeysAndBadDatesAreAllReportedWithLines() {
        let text = """
            version: 1
            organisaton: Typo
            as_of: 2026-13-01
            deadline_days: soon
            directory:
              source: ldif
              ldif: d.ldif
              users: { base: "dc=x", filtr: "(uid=*)" }
            """
        let found = errors { _ = try RunConfig.parse(text, file: "accessreview.yaml") }
        let lines = found.map { "\($0.line ?? 0): \($0.message)" }
        #expect(lines.contains("2: unknown key 'organisaton'"))
        #expect(lines.contains("3: 'as_of' must be a date YYYY-MM-DD, not '2026-13-01'"))
        #expect(lines.contains("4: 'deadline_days' must be a whole number"))
        #expect(lines.contains("8: unknown key 'directory.users.filtr'"))
        #expect(lines.contains { $0.hasPrefix("5: missing required key 'directory.groups'") })
        #expect(found.allSatisfy { $0.file == "accessreview.yaml" })
        #expect(found.first?.description == "accessreview.yaml:2:1: error: unknown key 'organisaton'", "sorted by line")
    }

    @Test func aPasswordInTheConfigIsRefusedWithoutEchoingIt() {
        let text = goodConfig.replacingOccurrences(of: "  ldif: d.ldif", with: "  ldif: d.ldif\n  password: hunter2")
        let found = errors { _ = try RunConfig.parse(text, file: "c.yaml") }
        #expect(found.contains { $0.line == 6 && $0.message.contains("password_env or password_file") })
        #expect(!found.map(\.description).joined().contains("hunter2"))
    }

    @Test func yamlSyntaxErrorsHaveALine() {
        let found = errors { _ = try Handbook.parse("version: 1\nroles: [\n  - {", file: "handbook.yaml") }
        #expect(found.first?.file == "handbook.yaml")
        #expect((found.first?.line ?? 0) >= 2)
    }

    @Test func handbookErrorsNameTheirLines() {
        let text = """
            version: 1
            reviewers: { fallback: sec }
            roles:
              - { system: esdh, role: Admin, sensitivity: extreme }
            job_roles:
              - id: JR-1
                match: { titel: ["x"] }
                grants: { esdh: [Admin] }
            sod:
              - { id: SOD-1, roles: [{ system: esdh, role: A }] }
            exceptions:
              - { identity: kim, sod: SOD-9, reason: r, approved_by: boss, expires: 2027-02-30 }
            """
        let found = errors { _ = try Handbook.parse(text, file: "handbook.yaml") }
        let lines = Dictionary(grouping: found, by: { $0.line ?? 0 }).mapValues { $0.map(\.message) }
        #expect(
            lines[4]?.contains {
                $0.contains("'roles[0].sensitivity' must be one of normal, sensitive, extra-sensitive")
            } == true)
        #expect(lines[7]?.contains("unknown key 'job_roles[0].match.titel'") == true)
        #expect(lines[10]?.contains { $0.contains("at least two roles") } == true)
        #expect(lines[12]?.contains("unknown SoD rule 'SOD-9'") == true)
        #expect(lines[12]?.contains { $0.contains("must be a date YYYY-MM-DD, not '2027-02-30'") } == true)
    }

    @Test func mappingErrorsNameTheirLines() {
        let text = """
            system: esdh
            records:
              - path: /Export/User[@x]
                fields: { user: "@login" }
            correlate:
              - { field: login, identity: uid }
            dates: ["yyyy-MMM-dd"]
            """
        let found = errors {
            _ = try SystemMapping.parse(text, file: "esdh.yaml", kind: .system, expectedSystem: "esdh")
        }
        let lines = found.map { "\($0.line ?? 0): \($0.message)" }
        #expect(lines.contains { $0.hasPrefix("3: 'records[0].path': must be a plain element path") })
        #expect(lines.contains { $0.hasPrefix("4:") && $0.contains("needs the field 'account'") })
        #expect(
            lines.contains {
                $0.hasPrefix("6:") && $0.contains("correlate field 'login' is not one of the record fields")
            })
        #expect(
            lines.contains {
                $0.hasPrefix("6:") && $0.contains("'correlate[0].identity' must be one of id, email, employee_id, name")
            })
        #expect(lines.contains { $0.hasPrefix("7:") && $0.contains("month names") })
    }

    @Test func referencesToUnknownSystemsAndIdentitiesNameTheHandbookLine() throws {
        let handbook = try Handbook.parse(
            """
            version: 1
            reviewers: { fallback: nobody }
            job_roles:
              - id: JR-1
                match: { title: ["x"] }
                grants: { payroll: [Admin] }
            exceptions:
              - { identity: ghost, system: esdh, role: Admin, reason: r, approved_by: boss, expires: 2027-01-01 }
            """, file: "handbook.yaml")
        let mapping = try SystemMapping.parse(
            Fixture.mapping(system: "esdh", owner: "ownr"), file: "esdh.yaml", kind: .system,
            expectedSystem: "esdh")
        let config = try RunConfig.parse(goodConfig, file: "c.yaml")
        let directory = DirectorySnapshot(
            users: [DirectoryUser(dn: "uid=boss,dc=x", id: "boss")], groups: [], source: "d.ldif")
        let found = errors {
            _ = try CrossReferences.check(
                config: config, handbook: handbook, mappings: ["esdh": mapping], directory: directory)
        }
        let lines = found.map { "\($0.file):\($0.line ?? 0): \($0.message)" }
        #expect(lines.contains { $0.hasPrefix("handbook.yaml:4: job role JR-1 names the system 'payroll'") })
        #expect(lines.contains("handbook.yaml:8: the exception's identity 'ghost' is not an identity in the directory"))
        #expect(lines.contains("handbook.yaml:2: the fallback reviewer 'nobody' is not an identity in the directory"))
        #expect(lines.contains("esdh.yaml:2: the system owner 'ownr' is not an identity in the directory"))
    }

    @Test(arguments: ["2026-02-29", "2026-00-10", "26-01-01", "2026-1-1"])
    func malformedDatesAreRefused(_ text: String) {
        #expect(Day(iso: text) == nil)
    }

    @Test func dayArithmeticAcrossLeapYears() {
        let day = Day(iso: "2024-02-28")!
        #expect((day + 1).description == "2024-02-29")
        #expect((day + 2).description == "2024-03-01")
        #expect(Day(iso: "2027-01-01")! - Day(iso: "2026-01-01")! == 365)
        #expect(Day(iso: "1970-01-01")!.ordinal == 0)
    }

    /// Errors found after loading (when the directory is read) still name the line of the key.
    @Test func errorsFoundAfterLoadingNameTheLineOfTheirKey() throws {
        func ldapConfig(_ extra: String) throws -> RunConfig {
            try RunConfig.parse(
                """
                version: 1
                organisation: Test
                directory:
                  source: ldap
                  url: ldaps://127.0.0.1:1
                  users: { base: "dc=x" }
                  groups: { base: "ou=groups,dc=x" }
                \(extra)
                rules: handbook.yaml
                """, file: "/etc/ar/accessreview.yaml")
        }
        func message(_ body: () throws -> Void) -> String {
            do { try body() } catch let error as ToolError { return error.message } catch { return "\(error)" }
            return ""
        }
        let unset = try ldapConfig("  bind_dn: cn=reader,dc=x\n  password_env: ACCESSREVIEW_TEST_SURELY_UNSET")
        #expect(
            message {
                _ = try LDAPDirectorySource(config: unset.directory, configFile: unset.file).password(environment: [:])
            }
            .hasPrefix(
                "/etc/ar/accessreview.yaml:9: error: directory.password_env names ACCESSREVIEW_TEST_SURELY_UNSET"))
        let unreadable = try ldapConfig("  bind_dn: cn=reader,dc=x\n  password_file: /nonexistent/password")
        #expect(
            message {
                _ = try LDAPDirectorySource(config: unreadable.directory, configFile: unreadable.file).password()
            }
            .hasPrefix("/etc/ar/accessreview.yaml:9: error: the password file /nonexistent/password"))
        let ca = try ldapConfig("  ca_file: /nonexistent/ca.pem")
        #expect(
            message { _ = try LDAPDirectorySource(config: ca.directory, configFile: ca.file).fetch { _ in } }
                .hasPrefix("/etc/ar/accessreview.yaml:8: error: the CA file /nonexistent/ca.pem"))
        #expect(ca.places.at("directory.users.base") == "/etc/ar/accessreview.yaml:6", "a key inside a flow mapping")
        #expect(ca.places.at("directory.timeout_seconds") == "/etc/ar/accessreview.yaml:3", "an unset key: its section")
    }
}
