import AccessReviewCore
import Foundation

/// Builds small reconciliation inputs in memory: a handbook from inline YAML, users and
/// accounts as values, so that each test shows its input next to its expectation.
public struct Fixture {
    public var handbookYAML: String
    public var users: [DirectoryUser] = []
    public var systems: [(mapping: String, accounts: [Account], exportedOn: Day?)] = []
    public var hr: [HRRecord] = []
    public var asOf = Day(iso: "2026-11-29")!

    public init(handbook: String) { handbookYAML = handbook }

    /// A minimal handbook with one system `sys`, a fallback `sec` and the given extra YAML.
    public static func basic(_ extra: String = "", fallback: String = "sec") -> Fixture {
        Fixture(
            handbook: """
                version: 1
                reviewers:
                  fallback: \(fallback)
                roles:
                  - { system: sys, role: Reader, sensitivity: normal }
                  - { system: sys, role: Admin, sensitivity: extra-sensitive, privileged: true }
                  - { system: sys, role: Clerk, sensitivity: sensitive }
                  - { system: sys, role: Plain }
                job_roles:
                  - id: JR-CLERK
                    section: "7.1"
                    match: { title: ["Clerk*"] }
                    grants: { sys: [Clerk] }
                birthright: { sys: [Reader] }
                \(extra)
                """)
    }

    public static func mapping(
        system: String = "sys", owner: String? = "own", deputy: String? = nil, lastLogin: Bool = false,
        services: String = ""
    ) -> String {
        """
        system: \(system)
        \(owner.map { "owner: \($0)" } ?? "")
        \(deputy.map { "deputy_owner: \($0)" } ?? "")
        records:
          - path: /E/U
            fields: { account: "@id", user: "@u", email: "@e", full_name: "@n"\(lastLogin ? ", last_login: \"@l\"" : ""), roles: "R" }
        correlate:
          - { field: user, identity: id }
          - { field: email, identity: email }
          - { field: full_name, identity: name }
        \(services)
        """
    }

    public mutating func user(
        _ id: String, title: String? = nil, manager: String? = nil, disabled: Bool = false,
        endDate: String? = nil, dn: String? = nil, type: String? = nil, name: String? = nil,
        email: String? = nil, employeeId: String? = nil, groups: [String] = []
    ) {
        users.append(
            DirectoryUser(
                dn: dn ?? "uid=\(id),ou=people,dc=x", id: id, employeeId: employeeId, name: name ?? id.capitalized,
                email: email ?? "\(id)@x.dk", title: title, department: nil, manager: manager,
                managerDN: manager.map { "uid=\($0),ou=people,dc=x" }, employeeType: type, disabled: disabled,
                endDate: endDate.flatMap { Day(iso: $0) }, groups: groups, effectiveGroups: groups))
    }

    public mutating func system(_ accounts: [Account]) {
        system(Fixture.mapping(), exportedOn: nil, accounts)
    }

    public mutating func system(exportedOn: String?, _ accounts: [Account]) {
        system(Fixture.mapping(), exportedOn: exportedOn, accounts)
    }

    public mutating func system(_ mapping: String, exportedOn: String? = nil, _ accounts: [Account]) {
        systems.append((mapping, accounts, exportedOn.flatMap { Day(iso: $0) }))
    }

    public func input(language: Language = .en) throws -> ReconcileInput {
        let handbook = try Handbook.parse(handbookYAML, file: "handbook.yaml")
        var mappings: [String: SystemMapping] = [:]
        var exports: [SystemExport] = []
        for (text, accounts, exportedOn) in systems {
            let mapping = try SystemMapping.parse(text, file: "mapping.yaml", kind: .system, expectedSystem: nil)
            mappings[mapping.system] = mapping
            var export = SystemExport(
                system: mapping.system, name: mapping.name, owner: mapping.owner, file: "\(mapping.system).xml",
                sha256: "", bytes: 0, records: accounts.count, exportedOn: exportedOn,
                hasLastLogin: mapping.records.contains { $0.fields.contains { $0.name == "last_login" } },
                accounts: accounts.map {
                    var a = $0; a.roles.sort(); return a
                })
            export.deputyOwner = mapping.deputyOwner
            exports.append(export)
        }
        let directory = DirectorySnapshot(users: users, groups: [], source: "test.ldif")
        return ReconcileInput(
            directory: directory, hr: hr.isEmpty ? nil : HRSnapshot(file: "hr.xml", sha256: "", bytes: 0, records: hr),
            exports: exports, mappings: mappings, handbook: handbook, asOf: asOf, language: language)
    }

    public func run(language: Language = .en) throws -> ReconcileResult {
        try Reconciler(input(language: language)).run()
    }
}

extension Account {
    /// An account keyed by user id, as most fixtures need.
    public static func of(
        _ user: String, _ roles: [String], id: String? = nil, status: AccountStatus = .active,
        lastLogin: String? = nil, email: String? = nil, name: String? = nil
    ) -> Account {
        var keys: AccountKeys = [:]
        if !user.isEmpty { keys["user"] = user }
        if let email { keys["email"] = email }
        if let name { keys["full_name"] = name }
        return Account(
            account: id ?? "acc-\(user)", keys: keys, roles: roles, status: status,
            lastLogin: lastLogin.flatMap { Day(iso: $0) })
    }
}

extension ReconcileResult {
    public func findings(_ code: FindingCode) -> [Finding] { findings.filter { $0.code == code } }
    public func lines(of identity: String) -> [AccessLine] { lines.filter { $0.identity == identity } }
}
