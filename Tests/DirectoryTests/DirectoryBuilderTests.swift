@testable import AccessReviewCore
import Foundation
import Testing
import TestSupport

@Suite(.processStarted) struct DirectoryBuilderTests {
    func config(_ profile: DirectoryConfig.Profile = .openldap, endDate: String? = "ekEndDate") -> DirectoryConfig {
        var attributes = AttributeMap.defaults(for: profile)
        if profile == .openldap { attributes.endDate = endDate }
        return DirectoryConfig(
            source: .ldif, ldif: nil, profile: profile, url: nil, starttls: false, allowInsecure: false,
            caFile: nil, bindDN: nil, passwordEnv: nil, passwordFile: nil, timeoutSeconds: 30, pageSize: 500,
            users: .init(base: "dc=x", filter: "(objectClass=inetOrgPerson)"),
            groups: .init(base: "ou=g,dc=x", filter: "(|(objectClass=groupOfNames)(objectClass=posixGroup))"),
            attributes: attributes, reviewGroups: false)
    }

    func entry(_ dn: String, _ attributes: [String: [String]]) -> DirectoryEntry {
        DirectoryEntry(
            dn: dn, attributes: Dictionary(uniqueKeysWithValues: attributes.map { ($0.key.lowercased(), $0.value) }))
    }

    func person(_ uid: String, _ extra: [String: [String]] = [:]) -> DirectoryEntry {
        entry(
            "uid=\(uid),ou=people,dc=x",
            ["objectClass": ["inetOrgPerson"], "uid": [uid], "cn": [uid.uppercased()]].merging(extra) { $1 })
    }

    @Test func nestedGroupsResolveThroughACycle() throws {
        let entries = [
            person("ann"), person("bo"),
            entry(
                "cn=a,ou=g,dc=x",
                ["objectClass": ["groupOfNames"], "cn": ["a"], "member": ["uid=ann,ou=people,dc=x", "cn=b,ou=g,dc=x"]]),
            entry("cn=b,ou=g,dc=x", ["objectClass": ["groupOfNames"], "cn": ["b"], "member": ["cn=c,ou=g,dc=x"]]),
            entry(
                "cn=c,ou=g,dc=x",
                ["objectClass": ["groupOfNames"], "cn": ["c"], "member": ["cn=a,ou=g,dc=x", "uid=bo,ou=people,dc=x"]]),
        ]
        let snapshot = try DirectoryBuilder(config: config()).build(entries: entries, source: "t")
        let ann = try #require(snapshot.users.first { $0.id == "ann" })
        let bo = try #require(snapshot.users.first { $0.id == "bo" })
        #expect(ann.groups == ["cn=a,ou=g,dc=x"])
        #expect(ann.effectiveGroups == ["cn=a,ou=g,dc=x", "cn=b,ou=g,dc=x", "cn=c,ou=g,dc=x"])
        #expect(bo.groups == ["cn=c,ou=g,dc=x"])
        #expect(bo.effectiveGroups == ["cn=a,ou=g,dc=x", "cn=b,ou=g,dc=x", "cn=c,ou=g,dc=x"])
    }

    @Test func usersBeforeOrAfterTheGroupsGiveTheSameSnapshot() throws {
        let people = [person("ann", ["memberOf": ["CN=c, ou=g,dc=x"]]), person("bo"), person("cy")]
        let groups = [
            entry(
                "cn=a,ou=g,dc=x",
                ["objectClass": ["groupOfNames"], "cn": ["a"], "member": ["UID=bo,ou=people,dc=x", "cn=b,ou=g,dc=x"]]),
            entry("cn=b,ou=g,dc=x", ["objectClass": ["groupOfNames"], "cn": ["b"], "member": ["cn=a,ou=g,dc=x"]]),
            entry("cn=c,ou=g,dc=x", ["objectClass": ["posixGroup"], "cn": ["c"], "memberUid": ["cy"]]),
        ]
        let builder = DirectoryBuilder(config: config())
        let usersFirst = try builder.build(entries: people + groups, source: "t")
        let groupsFirst = try builder.build(entries: groups.reversed() + people, source: "t")
        #expect(usersFirst.jsonData() == groupsFirst.jsonData())
        let byId = Dictionary(uniqueKeysWithValues: usersFirst.users.map { ($0.id, $0) })
        #expect(byId["ann"]?.groups == ["cn=c,ou=g,dc=x"], "memberOf, compared as a DN")
        #expect(byId["bo"]?.effectiveGroups == ["cn=a,ou=g,dc=x", "cn=b,ou=g,dc=x"], "member, through the a–b cycle")
        #expect(byId["cy"]?.groups == ["cn=c,ou=g,dc=x"], "memberUid")
    }

    @Test(arguments: [
        ("uid=ann,ou=people,dc=x", "uid=ann,ou=people,dc=x"),
        ("UID=Ann, OU=People ,dc=x", "uid=ann,ou=people,dc=x"),
        (" uid=ann,ou=people,dc=x ", "uid=ann,ou=people,dc=x"),
        ("cn=Ann  Berg,ou=people,dc=x", "cn=ann  berg,ou=people,dc=x"),
        ("cn=ann berg,ou=people,dc=x", "cn=ann berg,ou=people,dc=x"),
        ("cn=Åse Ø,ou=people,dc=x", "cn=åse ø,ou=people,dc=x"),
        ("", ""),
    ])
    func distinguishedNamesCompareWithoutCaseAndSpacesAroundCommas(_ dn: String, _ normal: String) {
        #expect(DN.normalise(dn) == normal)
        #expect(DN.normalise(normal) == normal, "a DN in normal form stays as it is")
    }

    @Test func posixGroupMemberUidsResolveToUsers() throws {
        let entries = [
            person("ann"), person("bo"),
            entry(
                "cn=print,ou=g,dc=x", ["objectClass": ["posixGroup"], "cn": ["print"], "memberUid": ["ann", "ghost"]]),
        ]
        let snapshot = try DirectoryBuilder(config: config()).build(entries: entries, source: "t")
        #expect(snapshot.users.first { $0.id == "ann" }?.groups == ["cn=print,ou=g,dc=x"])
        #expect(snapshot.users.first { $0.id == "bo" }?.groups == [])
        #expect(snapshot.groups.first?.members == ["uid=ann,ou=people,dc=x"])
    }

    @Test func managersDisabledAndEndDates() throws {
        let entries = [
            person("boss"),
            person(
                "ann",
                [
                    "manager": ["UID=boss, ou=People,dc=x"], "pwdAccountLockedTime": ["000001010000Z"],
                    "ekEndDate": ["20261130230000Z"],
                ]),
            person("bo", ["manager": ["uid=gone,ou=people,dc=x"], "ekEndDate": ["2027-01-31"]]),
        ]
        let snapshot = try DirectoryBuilder(config: config()).build(entries: entries, source: "t")
        let ann = try #require(snapshot.users.first { $0.id == "ann" })
        #expect(ann.manager == "boss", "manager DNs compare case- and space-insensitively")
        #expect(ann.disabled)
        #expect(ann.endDate?.description == "2026-12-01", "23:00 UTC is the next day in Copenhagen")
        let bo = try #require(snapshot.users.first { $0.id == "bo" })
        #expect(bo.manager == nil && bo.managerDN == "uid=gone,ou=people,dc=x")
        #expect(bo.endDate?.description == "2027-01-31" && !bo.disabled)
    }

    @Test func duplicateIdsDuplicateDNsAndMissingIdsAreErrors() throws {
        let entries = [
            person("ann"), entry("uid=ann,ou=other,dc=x", ["objectClass": ["inetOrgPerson"], "uid": ["ANN"]]),
            entry("cn=x,ou=people,dc=x", ["objectClass": ["inetOrgPerson"], "cn": ["x"]]),
            entry("UID=Ann, ou=people,dc=x", ["objectClass": ["inetOrgPerson"], "uid": ["ann2"]]),
        ]
        let error = try #require(throws: DiagnosticList.self) {
            _ = try DirectoryBuilder(config: config()).build(entries: entries, source: "t")
        }
        let messages = error.diagnostics.map(\.description)
        #expect(messages.count == 3)
        #expect(
            messages.contains {
                $0.contains("the identity id 'ANN' is used by both uid=ann,ou=people,dc=x and uid=ann,ou=other,dc=x")
            })
        #expect(messages.contains { $0.contains("the user cn=x,ou=people,dc=x has no 'uid' attribute") })
        #expect(
            messages.contains {
                $0.contains("the DN UID=Ann, ou=people,dc=x is given twice (also for the identity id 'ann')")
            })
    }

    @Test func managersResolveWhetherTheyComeBeforeOrAfterTheirStaff() throws {
        let entries = [
            person("bo", ["manager": ["uid=ann,ou=people,dc=x"]]),
            person("ann", ["manager": ["uid=ann,ou=people,dc=x"]]),
            person("cy", ["manager": ["UID=bo, ou=people, dc=x"]]),
            person("di", ["manager": ["uid=gone,ou=people,dc=x"]]),
        ]
        let users = try DirectoryBuilder(config: config()).build(entries: entries, source: "t").users
        #expect(users.map(\.id) == ["ann", "bo", "cy", "di"])
        #expect(
            users.map(\.manager) == ["ann", "ann", "bo", nil],
            "a later manager, oneself, an earlier one in another spelling, none")
        #expect(users[3].managerDN == "uid=gone,ou=people,dc=x", "an unknown manager's DN is kept to explain it")
    }

    @Test func activeDirectoryAttributes() throws {
        var c = config(.activeDirectory)
        c.users = .init(base: "dc=x", filter: "(objectClass=user)")
        c.groups = .init(base: "ou=g,dc=x", filter: "(objectClass=group)")
        let entries = [
            entry(
                "cn=Ann,ou=people,dc=x",
                [
                    "objectClass": ["user"], "sAMAccountName": ["ann"], "userAccountControl": ["514"],
                    "accountExpires": ["133800000000000000"],
                ]),
            entry(
                "cn=Bo,ou=people,dc=x",
                [
                    "objectClass": ["user"], "sAMAccountName": ["bo"], "userAccountControl": ["512"],
                    "accountExpires": ["9223372036854775807"],
                ]),
        ]
        let snapshot = try DirectoryBuilder(config: c).build(entries: entries, source: "t")
        #expect(snapshot.users.map(\.disabled) == [true, false])
        #expect(snapshot.users[0].endDate?.description == "2024-12-30")
        #expect(snapshot.users[1].endDate == nil, "0x7FFFFFFFFFFFFFFF means never")
    }

    @Test(arguments: [
        ("20261231", nil as String?), ("2026-12-31", "2026-12-31"), ("20261231120000Z", "2026-12-31"),
        ("20261231235959Z", "2027-01-01"), ("20261231120000+0100", "2026-12-31"), ("0", nil),
        ("133800000000000000", "2024-12-30"),
        ("soon", nil),
    ])
    func directoryDates(_ raw: String, _ expected: String?) {
        #expect(DirectoryValues.date(raw)?.day?.description == expected)
    }

    @Test func filters() throws {
        let attributes = DirectoryEntry(
            dn: "uid=ann,dc=x",
            attributes: ["objectClass": ["top", "inetOrgPerson"], "uid": ["ann"], "title": ["Sagsbehandler"]])
        #expect(try LDAPFilter.parse("(&(objectClass=inetorgperson)(uid=*))").matches(attributes))
        #expect(try LDAPFilter.parse("(|(uid=bo)(title=sags*))").matches(attributes))
        #expect(try !LDAPFilter.parse("(!(uid=ann))").matches(attributes))
        #expect(try LDAPFilter.parse("(title=*behand*)").matches(attributes))
        #expect(
            try LDAPFilter.parse("(&(objectClass=Person)(UID=*))")
                == .and([.equal("objectclass", "Person"), .present("uid")]),
            "names are kept lower-cased, as entries keep them; values as written")
        #expect(throws: LDAPFilter.SyntaxError.self) { try LDAPFilter.parse("(&(uid=a)") }
        #expect(throws: LDAPFilter.SyntaxError.self) { try LDAPFilter.parse("uid=a") }
    }
}
