import Foundation

/// `accessreview generate`: a complete synthetic organisation (LDIF, HR export, system
/// exports in the Samples' five shapes — attribute-centric, element-centric, namespaced,
/// relational, ISO-8859-1 — mappings, handbook, config) with a known share of each
/// anomaly, reproducible from the seed. It also writes `expected.json`, every finding the
/// anomalies must give and no other, for tests and benchmarks to compare against.
public struct OrganisationGenerator: Sendable {
    public var people: Int
    public var systems: Int
    public var seed: UInt64
    /// Seed for the order of directory entries and export records only: a different value
    /// gives the same organisation in another order.
    public var orderSeed: UInt64?
    public var asOf = Day(iso: "2026-11-29")!
    /// Share of people given each anomaly.
    public var anomalyRate = 0.005
    /// Systems each job role grants roles in (two roles each): the access lines per person.
    public var grantSystems = 4
    /// Sheet formats the generated config asks for.
    public var sheetFormats = ["xlsx", "pdf", "csv"]

    public init(people: Int, systems: Int, seed: UInt64 = 1, orderSeed: UInt64? = nil) {
        self.people = people
        self.systems = systems
        self.seed = seed
        self.orderSeed = orderSeed
    }

    public struct Expected: Hashable, Codable, Sendable, Comparable {
        public var code: String
        public var identity: String
        public var system: String
        public var account: String
        public var role: String

        public init(
            _ code: FindingCode, identity: String? = nil, system: String? = nil, account: String? = nil,
            role: String? = nil
        ) {
            self.code = code.rawValue
            self.identity = identity ?? ""
            self.system = system ?? ""
            self.account = account ?? ""
            self.role = role ?? ""
        }

        public init(_ finding: Finding) {
            self.init(
                finding.code, identity: finding.identity, system: finding.system, account: finding.account,
                role: finding.role)
        }

        public static func < (a: Expected, b: Expected) -> Bool {
            (a.code, a.identity, a.system, a.account, a.role) < (b.code, b.identity, b.system, b.account, b.role)
        }
    }

    struct Person {
        var index: Int
        var uid: String
        var name: String
        var title: String
        var department: Int
        var manager: Int?
        var type = "Fastansat"
        var locked = false
        var hrEnd: Day?
        var ldapEnd: Day?
        var accounts: [String: Account] = [:]  // system → account
        var isLeaver: Bool { locked || (hrEnd.map { $0 < Day(iso: "2026-11-29")! } ?? false) }
    }

    struct Account {
        var id: String
        var roles: [String]
        var lastLogin: Day?
        var login: String
        var email: String
        var name: String
    }

    static let departments = [
        "Borgerservice", "Jobcenter", "Okonomi", "Hjemmeplejen", "Plejecenter", "Skole", "IT", "Teknik",
    ]

    /// Writes the organisation into `folder` and returns the findings it must give.
    @discardableResult
    public func write(to folder: String) throws -> [Expected] {
        precondition(people >= 60 && systems >= 1, "at least 60 people and one system")
        var rng = SplitMix64(seed: seed)
        let fm = FileManager.default
        for sub in ["exports", "mappings"] {
            try fm.createDirectory(
                atPath: (folder as NSString).appendingPathComponent(sub), withIntermediateDirectories: true)
        }
        let systemIds = (0..<systems).map { String(format: "sys%02d", $0) }
        /// What a job role (department, title) grants: two G-roles in each of up to `grantSystems` systems.
        func jobGrants(_ department: Int, _ title: Int) -> [(system: String, role: String)] {
            (0..<min(grantSystems, systems)).flatMap { k in
                let system = systemIds[(department * 2 + title + k * 16) % systems]
                return [(system, "G\(title * 2)"), (system, "G\(title * 2 + 1)")]
            }
        }

        // People: a director, a security officer, a chief per department, team leads, staff.
        var persons: [Person] = []
        func add(title: String, department: Int, manager: Int?) -> Int {
            let index = persons.count
            persons.append(
                Person(
                    index: index, uid: String(format: "u%06d", index), name: "Fornavn\(index) Efternavn\(index % 997)",
                    title: title, department: department, manager: manager))
            return index
        }
        let director = add(title: "Direktor", department: 0, manager: nil)
        let security = add(title: "Sikkerhedschef", department: 6, manager: director)
        let chiefs = Self.departments.indices.map { add(title: "Chef", department: $0, manager: director) }
        var leads: [[Int]] = Array(repeating: [], count: Self.departments.count)
        while persons.count < people {
            let department = persons.count % Self.departments.count
            if leads[department].isEmpty || persons.count % 20 == department {
                leads[department].append(add(title: "Teamleder", department: department, manager: chiefs[department]))
            } else {
                let lead = leads[department][Int(rng.next() % UInt64(leads[department].count))]
                _ = add(title: "Titel\(rng.next() % 2 == 0 ? "A" : "B")", department: department, manager: lead)
            }
        }
        let managers = Set(persons.compactMap(\.manager))

        // Accounts: the birthright everywhere, plus what each job role grants.
        func account(_ p: Int, _ system: String) -> String { "\(system)-\(persons[p].uid)" }
        for p in persons.indices {
            let login = persons[p].uid, email = "\(persons[p].uid)@gen.example", name = persons[p].name
            let recent = asOf - Int(1 + rng.next() % 60)
            persons[p].accounts[systemIds[0]] = Account(
                id: account(p, systemIds[0]), roles: ["Basis"], lastLogin: recent,
                login: login, email: email, name: name)
            if persons[p].title.hasPrefix("Titel") {
                let t = persons[p].title == "TitelA" ? 0 : 1
                for (system, role) in jobGrants(persons[p].department, t) {
                    var existing =
                        persons[p].accounts[system]
                        ?? Account(
                            id: account(p, system), roles: [], lastLogin: recent, login: login, email: email, name: name
                        )
                    if !existing.roles.contains(role) { existing.roles.append(role) }
                    persons[p].accounts[system] = existing
                }
            }
        }

        // Anomalies, on staff (no one manages them, so routing stays plain).
        var expected: [Expected] = [Expected(.noReviewer, identity: persons[director].uid)]
        let staff = persons.indices.filter {
            !managers.contains($0) && $0 != security && persons[$0].title.hasPrefix("Titel")
        }
        var pool = staff
        rng.shuffle(&pool)
        let perKind = max(1, Int(Double(people) * anomalyRate))
        func take() -> Int { pool.removeLast() }
        func grants(_ p: Int) -> Set<String> {
            var set: Set<String> = ["\(systemIds[0])/Basis"]
            if persons[p].title.hasPrefix("Titel") {
                let t = persons[p].title == "TitelA" ? 0 : 1
                for (system, role) in jobGrants(persons[p].department, t) { set.insert("\(system)/\(role)") }
            }
            return set
        }
        var exceptions: [String] = []
        var services: [String] = []
        var orphans: [(String, Account)] = []

        for _ in 0..<perKind {
            // A leaver whose HR end date passed but whose directory account is enabled.
            let a = take()
            persons[a].hrEnd = asOf - 10
            expected.append(
                Expected(.leaverEnabled, identity: persons[a].uid, system: "directory", account: persons[a].uid))
            // A leaver disabled in the directory with accounts left.
            let b = take()
            persons[b].locked = true
            persons[b].hrEnd = asOf - 40
            // Unauthorised role (normal) on the birthright account.
            let c = take()
            persons[c].accounts[systemIds[0]]!.roles.append("R3")
            expected.append(
                Expected(
                    .unauthorisedRole, identity: persons[c].uid, system: systemIds[0],
                    account: account(c, systemIds[0]), role: "R3"))
            // Dormant.
            let d = take()
            persons[d].accounts[systemIds[0]]!.lastLogin = asOf - 200
            expected.append(
                Expected(
                    .dormantAccount, identity: persons[d].uid, system: systemIds[0], account: account(d, systemIds[0])))
            // External without an end date, and one with.
            let e = take()
            persons[e].type = "Konsulent"
            expected.append(Expected(.externalNoEndDate, identity: persons[e].uid))
            let e2 = take()
            persons[e2].type = "Konsulent"
            persons[e2].ldapEnd = asOf + 100
            // Segregation of duties: R0 and R1 of the first system on one account.
            let s = take()
            for role in ["R0", "R1"] where !persons[s].accounts[systemIds[0]]!.roles.contains(role) {
                persons[s].accounts[systemIds[0]]!.roles.append(role)
            }
            expected.append(Expected(.sodConflict, identity: persons[s].uid, system: systemIds[0], role: "R0 + R1"))
            for role in ["R0", "R1"] where !grants(s).contains("\(systemIds[0])/\(role)") {
                expected.append(
                    Expected(
                        .unauthorisedRole, identity: persons[s].uid, system: systemIds[0],
                        account: account(s, systemIds[0]), role: role))
            }
            // Expired and valid exceptions.
            let x = take()
            persons[x].accounts[systemIds[0]]!.roles.append("R2")
            exceptions.append(
                "  - { identity: \(persons[x].uid), system: \(systemIds[0]), role: R2, reason: \"Projekt\", approved_by: \(persons[director].uid), expires: \(asOf - 5) }"
            )
            expected.append(
                Expected(
                    .exceptionExpired, identity: persons[x].uid, system: systemIds[0],
                    account: account(x, systemIds[0]), role: "R2"))
            let y = take()
            persons[y].accounts[systemIds[0]]!.roles.append("R2")
            exceptions.append(
                "  - { identity: \(persons[y].uid), system: \(systemIds[0]), role: R2, reason: \"Projekt\", approved_by: \(persons[director].uid), expires: \(asOf + 50) }"
            )
            // An orphan account.
            let ghost = "ghost\(orphans.count)"
            orphans.append(
                (
                    systemIds[0],
                    Account(
                        id: "\(systemIds[0])-\(ghost)", roles: ["Basis"], lastLogin: asOf - 3, login: ghost,
                        email: "\(ghost)@elsewhere.example", name: "Ukendt \(ghost)")
                ))
            expected.append(Expected(.orphanAccount, system: systemIds[0], account: "\(systemIds[0])-\(ghost)"))
            // A service account whose owner is the disabled leaver.
            let service = "\(systemIds[0])-svc\(services.count)"
            services.append("  - { account: \(service), owner: \(persons[b].uid), reason: \"Integration\" }")
            orphans.append(
                (
                    systemIds[0],
                    Account(
                        id: service, roles: ["Basis"], lastLogin: asOf - 1, login: "svc\(services.count)", email: "",
                        name: "")
                ))
            expected.append(Expected(.serviceOwnerInactive, system: systemIds[0], account: service))
        }
        // Once per organisation: an unknown role and an account that matches two people by name.
        let u = take()
        persons[u].accounts[systemIds[0]]!.roles.append("Ukendt")
        expected.append(Expected(.unknownRole, system: systemIds[0], role: "Ukendt"))
        expected.append(
            Expected(
                .unauthorisedRole, identity: persons[u].uid, system: systemIds[0], account: account(u, systemIds[0]),
                role: "Ukendt"))
        let twin1 = take(), twin2 = take()
        persons[twin2].name = persons[twin1].name
        for twin in [twin1, twin2] {
            for system in persons[twin].accounts.keys { persons[twin].accounts[system]!.name = persons[twin].name }
        }
        orphans.append(
            (
                systemIds[0],
                Account(
                    id: "\(systemIds[0])-twin", roles: ["Basis"], lastLogin: asOf - 2, login: "", email: "",
                    name: persons[twin1].name)
            ))
        expected.append(Expected(.ambiguousMatch, system: systemIds[0], account: "\(systemIds[0])-twin"))
        if systems >= 2 { expected.append(Expected(.staleExport, system: systemIds[systems - 1])) }

        // Every active account of a leaver is LEAVER_ACCESS.
        for p in persons.indices where persons[p].isLeaver {
            for (system, acc) in persons[p].accounts {
                expected.append(Expected(.leaverAccess, identity: persons[p].uid, system: system, account: acc.id))
            }
        }

        try writeDirectory(persons, folder: folder)
        try writeHR(persons, folder: folder)
        var exportRecords: [String: [(Account, Bool)]] = [:]
        for person in persons {
            for (system, acc) in person.accounts { exportRecords[system, default: []].append((acc, true)) }
        }
        for (system, acc) in orphans { exportRecords[system, default: []].append((acc, true)) }
        for (index, system) in systemIds.enumerated() {
            let stale = systems >= 2 && index == systems - 1
            try writeExport(
                system: system, shape: index % 5, accounts: exportRecords[system] ?? [],
                exportedOn: stale ? asOf - 30 : asOf - 1,
                services: index == 0 ? services : [], owner: persons[security].uid, folder: folder)
        }
        try writeHandbook(systemIds: systemIds, fallback: persons[security].uid, exceptions: exceptions, folder: folder)
        try writeConfig(systemIds: systemIds, folder: folder)
        let data = try JSONOutput.encode(expected.sorted())
        try data.write(to: URL(fileURLWithPath: (folder as NSString).appendingPathComponent("expected.json")))
        return expected.sorted()
    }

    // MARK: - Files

    private func ordered<T>(_ items: [T]) -> [T] {
        guard let orderSeed else { return items }
        var rng = SplitMix64(seed: orderSeed)
        var copy = items
        rng.shuffle(&copy)
        return copy
    }

    private func dn(_ p: Person) -> String { "uid=\(p.uid),ou=Medarbejdere,dc=gen,dc=example" }

    private func writeDirectory(_ persons: [Person], folder: String) throws {
        var out =
            "version: 1\n\ndn: dc=gen,dc=example\nobjectClass: dcObject\nobjectClass: organization\no: Gen\ndc: gen\n\n"
        out += "dn: ou=Medarbejdere,dc=gen,dc=example\nobjectClass: organizationalUnit\nou: Medarbejdere\n\n"
        out += "dn: ou=Grupper,dc=gen,dc=example\nobjectClass: organizationalUnit\nou: Grupper\n\n"
        var records: [String] = []
        for p in persons {
            var r =
                "dn: \(dn(p))\nobjectClass: inetOrgPerson\nuid: \(p.uid)\ncn: \(p.name)\nsn: Efternavn\ntitle: \(p.title)\n"
            r +=
                "departmentNumber: \(Self.departments[p.department])\nemployeeNumber: \(100000 + p.index)\nemployeeType: \(p.type)\nmail: \(p.uid)@gen.example\n"
            if let m = p.manager { r += "manager: \(dn(persons[m]))\n" }
            if let end = p.ldapEnd {
                r += "ekEndDate: \(end.description.replacingOccurrences(of: "-", with: ""))000000Z\n"
            }
            if p.locked { r += "pwdAccountLockedTime: 000001010000Z\n" }
            records.append(r)
        }
        for (d, name) in Self.departments.enumerated() {
            var r = "dn: cn=afd-\(d),ou=Grupper,dc=gen,dc=example\nobjectClass: groupOfNames\ncn: afd-\(d)\n"
            for p in persons where p.department == d { r += "member: \(dn(p))\n" }
            _ = name
            records.append(r)
        }
        out += ordered(records).joined(separator: "\n") + "\n"
        try out.write(
            toFile: (folder as NSString).appendingPathComponent("directory.ldif"), atomically: true, encoding: .utf8)
    }

    private func writeHR(_ persons: [Person], folder: String) throws {
        var out = "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<Personaleliste dato=\"\(asOf - 1)\">\n"
        for p in ordered(persons) where p.type == "Fastansat" {
            out += "  <Ansat><Medarbejdernummer>\(100000 + p.index)</Medarbejdernummer><Stilling>\(p.title)</Stilling>"
            if let end = p.hrEnd { out += "<Ansat-til>\(end)</Ansat-til>" }
            out += "</Ansat>\n"
        }
        out += "</Personaleliste>\n"
        try out.write(
            toFile: (folder as NSString).appendingPathComponent("exports/hr.xml"), atomically: true, encoding: .utf8)
        try """
        records:
          - path: /Personaleliste/Ansat
            fields: { employee_id: Medarbejdernummer, title: Stilling, end_date: Ansat-til }
        correlate: [{ field: employee_id, identity: employee_id }]

        """.write(
            toFile: (folder as NSString).appendingPathComponent("mappings/hr.yaml"), atomically: true, encoding: .utf8)
    }

    private func writeExport(
        system: String, shape: Int, accounts: [(Account, Bool)], exportedOn: Day, services: [String], owner: String,
        folder: String
    ) throws {
        var out = "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
        let list = ordered(accounts.map(\.0))
        let mapping: String
        var encoding = String.Encoding.utf8
        switch shape {
        case 0, 4:
            if shape == 4 {
                // The Samples' fifth shape: attribute-centric, declared and encoded ISO-8859-1.
                out = "<?xml version=\"1.0\" encoding=\"ISO-8859-1\"?>\n"
                encoding = .isoLatin1
            }
            out += "<Export created=\"\(exportedOn)\"><Users>\n"
            for a in list {
                out +=
                    "<User id=\"\(a.id)\" login=\"\(a.login)\" email=\"\(a.email)\" name=\"\(a.name)\" status=\"Active\" lastLogin=\"\(a.lastLogin!)\""
                out += shape == 4 ? " kommune=\"Ærø Økonomi\">" : ">"
                out += a.roles.map { "<Role name=\"\($0)\"/>" }.joined() + "</User>\n"
            }
            out += "</Users></Export>\n"
            mapping = """
                export_date: /Export/@created
                records:
                  - path: /Export/Users/User
                    fields: { account: "@id", user: "@login", email: "@email", full_name: "@name", status: "@status", last_login: "@lastLogin", roles: "Role/@name" }
                status: { active: [Active], disabled: [Locked] }
                """
        case 1:
            out += "<OmsorgEksport><Dannet>\(exportedOn)</Dannet><Brugere>\n"
            for a in list {
                out +=
                    "<Bruger><BrugerID>\(a.id)</BrugerID><Initialer>\(a.login)</Initialer><Email>\(a.email)</Email><Navn>\(a.name)</Navn>"
                out += "<Status>Aktiv</Status><SidsteLogin>\(a.lastLogin!)</SidsteLogin><Roller>"
                out += a.roles.map { "<Rolle>\($0)</Rolle>" }.joined() + "</Roller></Bruger>\n"
            }
            out += "</Brugere></OmsorgEksport>\n"
            mapping = """
                export_date: /OmsorgEksport/Dannet
                records:
                  - path: /OmsorgEksport/Brugere/Bruger
                    fields: { account: BrugerID, user: Initialer, email: Email, full_name: Navn, status: Status, last_login: SidsteLogin, roles: "Roller/Rolle" }
                status: { active: [Aktiv], disabled: [Spaerret] }
                """
        case 2:
            out += "<f:Okonomi xmlns:f=\"urn:gen:fin\" xmlns=\"urn:gen:fin\" dannet=\"\(exportedOn)T06:00:00+01:00\">\n"
            for a in list {
                out +=
                    "<Bruger nr=\"\(a.id)\" aktiv=\"true\"><Brugernavn>\(a.login)</Brugernavn><Email>\(a.email)</Email><Navn>\(a.name)</Navn>"
                out +=
                    "<SenestAktiv>\(a.lastLogin!)T09:00:00+01:00</SenestAktiv>"
                    + a.roles.map { "<Ret kode=\"\($0)\"/>" }.joined() + "</Bruger>\n"
            }
            out += "</f:Okonomi>\n"
            mapping = """
                namespaces: { f: "urn:gen:fin" }
                export_date: /f:Okonomi/@dannet
                records:
                  - path: /f:Okonomi/f:Bruger
                    fields: { account: "@nr", user: "f:Brugernavn", email: "f:Email", full_name: "f:Navn", status: "@aktiv", last_login: "f:SenestAktiv", roles: "f:Ret/@kode" }
                status: { active: ["true"], disabled: ["false"] }
                dates: ["yyyy-MM-dd'T'HH:mm:ssXXX"]
                """
        default:
            out += "<JobcenterExport><Header><Generated>\(exportedOn)</Generated></Header><Accounts>\n"
            for a in list {
                out +=
                    "<Account id=\"\(a.id)\" username=\"\(a.login)\" email=\"\(a.email)\" name=\"\(a.name)\" enabled=\"1\" lastLogon=\"\(a.lastLogin!)\"/>\n"
            }
            out += "</Accounts><Assignments>\n"
            for a in list { for role in a.roles { out += "<Assignment account=\"\(a.id)\" role=\"\(role)\"/>\n" } }
            out += "</Assignments></JobcenterExport>\n"
            mapping = """
                export_date: /JobcenterExport/Header/Generated
                records:
                  - path: /JobcenterExport/Accounts/Account
                    fields: { account: "@id", user: "@username", email: "@email", full_name: "@name", status: "@enabled", last_login: "@lastLogon" }
                  - path: /JobcenterExport/Assignments/Assignment
                    fields: { account: "@account", roles: "@role" }
                status: { active: ["1"], disabled: ["0"] }
                """
        }
        try out.write(
            toFile: (folder as NSString).appendingPathComponent("exports/\(system).xml"), atomically: true,
            encoding: encoding)
        let full = """
            system: \(system)
            owner: \(owner)
            \(mapping)
            correlate:
              - { field: user, identity: id }
              - { field: email, identity: email }
              - { field: full_name, identity: name }
            \(services.isEmpty ? "" : "service_accounts:\n" + services.joined(separator: "\n"))

            """
        try full.write(
            toFile: (folder as NSString).appendingPathComponent("mappings/\(system).yaml"), atomically: true,
            encoding: .utf8)
    }

    private func writeHandbook(systemIds: [String], fallback: String, exceptions: [String], folder: String) throws {
        var out =
            "version: 1\nhandbook: \"Genereret håndbog\"\nidentities:\n  external_when: [{ attribute: employee_type, in: [\"Konsulent\"] }]\n"
        out += "reviewers:\n  fallback: \(fallback)\nroles:\n"
        for system in systemIds {
            for (role, sensitivity) in [
                ("Basis", "normal"), ("R0", "normal"), ("R1", "sensitive"), ("R2", "normal"), ("R3", "normal"),
                ("G0", "normal"), ("G1", "sensitive"), ("G2", "normal"), ("G3", "extra-sensitive"),
            ] {
                out += "  - { system: \(system), role: \(role), sensitivity: \(sensitivity) }\n"
            }
        }
        out += "job_roles:\n"
        for d in Self.departments.indices {
            for (t, title) in ["TitelA", "TitelB"].enumerated() {
                var bySystem: [String: [String]] = [:]
                for k in 0..<min(grantSystems, systemIds.count) {
                    bySystem[systemIds[(d * 2 + t + k * 16) % systemIds.count], default: []] += [
                        "G\(t * 2)", "G\(t * 2 + 1)",
                    ]
                }
                let grants = bySystem.keys.sorted().map {
                    "\($0): [\(Array(Set(bySystem[$0]!)).sorted().joined(separator: ", "))]"
                }.joined(separator: ", ")
                out +=
                    "  - { id: JR-\(d)-\(title), section: \"7.\(d)\", match: { title: [\(title)], department: [\(Self.departments[d])] }, grants: { \(grants) } }\n"
            }
        }
        out += "birthright: { \(systemIds[0]): [Basis] }\n"
        out +=
            "sod:\n  - { id: SOD-1, section: \"7.5\", description: \"R0 og R1 adskilles\", roles: [{ system: \(systemIds[0]), role: R0 }, { system: \(systemIds[0]), role: R1 }] }\n"
        out += "exceptions:\n" + exceptions.joined(separator: "\n") + "\n"
        try out.write(
            toFile: (folder as NSString).appendingPathComponent("handbook.yaml"), atomically: true, encoding: .utf8)
    }

    private func writeConfig(systemIds: [String], folder: String) throws {
        var out = """
            version: 1
            organisation: Genereret Kommune
            as_of: \(asOf)
            campaign: GEN
            language: da
            output: out
            sheets: { formats: [\(sheetFormats.joined(separator: ", "))] }
            directory:
              source: ldif
              ldif: directory.ldif
              users: { base: "dc=gen,dc=example", filter: "(objectClass=inetOrgPerson)" }
              groups: { base: "ou=Grupper,dc=gen,dc=example", filter: "(objectClass=groupOfNames)" }
              attributes: { end_date: ekEndDate }
            hr: { export: exports/hr.xml, mapping: mappings/hr.yaml }
            mappings: mappings
            rules: handbook.yaml
            systems:

            """
        for system in systemIds { out += "  \(system): exports/\(system).xml\n" }
        try out.write(
            toFile: (folder as NSString).appendingPathComponent("accessreview.yaml"), atomically: true, encoding: .utf8)
    }
}

/// A small, fast, seedable generator (SplitMix64) so that generated organisations are the same everywhere.
public struct SplitMix64: RandomNumberGenerator, Sendable {
    private var state: UInt64

    public init(seed: UInt64) { state = seed }

    public mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }

    /// Fisher–Yates with this generator (the standard library's shuffle is not specified to be stable across versions).
    public mutating func shuffle<T>(_ items: inout [T]) {
        guard items.count > 1 else { return }
        for i in stride(from: items.count - 1, to: 0, by: -1) {
            let j = Int(next() % UInt64(i + 1))
            items.swapAt(i, j)
        }
    }
}
