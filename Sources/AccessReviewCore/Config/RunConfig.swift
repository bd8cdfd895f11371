import Foundation

/// `accessreview.yaml`: what one run reads and where it writes. Paths are resolved against
/// the folder of the config file.
public struct RunConfig: Sendable {
    public var file: String
    public var version: Int
    public var organisation: String
    public var asOf: Day?
    public var campaign: String?
    public var language: Language
    public var deadlineDays: Int
    public var output: String
    public var directory: DirectoryConfig
    public var hr: HRSource?
    /// System id → export file, sorted by id.
    public var systems: [SystemSource]
    public var mappingsFolder: String?
    public var rulesFile: String?
    public var csvSeparator: Character
    /// Which sheet formats a run writes: xlsx, pdf, csv (default all three).
    public var sheetFormats: [String] = ["xlsx", "pdf", "csv"]
    /// `campaign_key_file`: a fixed key for the row ids of a campaign opened from now on
    /// (64 hexadecimal digits). Left out, each campaign gets a random key of its own, kept
    /// in the state store only. Meant for the Samples, whose returned sheets must match
    /// the sheets a fresh `make demo` writes.
    public var campaignKeyFile: String?
    /// `mail:` — how `notify` sends the sheets, reminders and escalations; nil without it.
    public var mail: MailConfig?
    /// The line of every key, for errors found after loading.
    public var places: ConfigPlaces

    public struct HRSource: Sendable {
        public var export: String
        public var mapping: String
    }

    public struct SystemSource: Sendable {
        public var id: String
        public var export: String
        public var line: Int
        public var mapping: String
    }

    /// The campaign name: configured, or the half-year of `as_of` (`2026-H2`).
    public func campaignName(asOf day: Day) -> String {
        if let campaign { return campaign }
        let (year, month, _) = day.components
        return "\(year)-H\(month <= 6 ? 1 : 2)"
    }

    /// The date rules are evaluated on: `--as-of`, else `as_of` in the config, else today.
    public func asOf(overriddenBy override: Day?) -> Day {
        override ?? asOf ?? Day.today()
    }

    /// The history of every campaign: `<output>/state.sqlite`.
    public var statePath: String { (output as NSString).appendingPathComponent("state.sqlite") }
}

/// Where the directory comes from and which attributes mean what.
public struct DirectoryConfig: Sendable {
    public enum Source: String, Sendable { case ldif, ldap }
    public enum Profile: String, Sendable { case openldap, activeDirectory = "active-directory" }

    public var source: Source
    public var ldif: String?
    public var profile: Profile
    public var url: String?
    public var starttls: Bool
    public var allowInsecure: Bool
    public var caFile: String?
    public var bindDN: String?
    public var passwordEnv: String?
    public var passwordFile: String?
    public var timeoutSeconds: Int
    public var pageSize: Int
    public var users: SearchSpec
    public var groups: SearchSpec
    public var attributes: AttributeMap
    public var reviewGroups: Bool
    /// The line of every key of the config file (`directory.url`, …).
    public var places = ConfigPlaces(file: "")

    public struct SearchSpec: Sendable {
        public var base: String
        public var filter: String
    }
}

/// The directory attribute that holds each identity field.
public struct AttributeMap: Sendable, Equatable {
    public var id: String
    public var employeeId: String
    public var name: String
    public var email: String
    public var title: String
    public var department: String
    public var manager: String
    public var employeeType: String
    public var endDate: String?
    public var disabled: String?

    public static func defaults(for profile: DirectoryConfig.Profile) -> AttributeMap {
        switch profile {
        case .openldap:
            return AttributeMap(
                id: "uid", employeeId: "employeeNumber", name: "cn", email: "mail", title: "title",
                department: "departmentNumber", manager: "manager", employeeType: "employeeType",
                endDate: nil, disabled: "pwdAccountLockedTime")
        case .activeDirectory:
            return AttributeMap(
                id: "sAMAccountName", employeeId: "employeeID", name: "displayName", email: "mail",
                title: "title", department: "department", manager: "manager",
                employeeType: "employeeType", endDate: "accountExpires", disabled: "userAccountControl")
        }
    }

    /// The same map with attribute names lower-cased, as entries keep them.
    func lowercased() -> AttributeMap {
        AttributeMap(
            id: id.lowercased(), employeeId: employeeId.lowercased(), name: name.lowercased(),
            email: email.lowercased(),
            title: title.lowercased(), department: department.lowercased(), manager: manager.lowercased(),
            employeeType: employeeType.lowercased(), endDate: endDate?.lowercased(), disabled: disabled?.lowercased())
    }

    static let keys = [
        "id", "employee_id", "name", "email", "title", "department", "manager", "employee_type",
        "end_date", "disabled",
    ]
}

// MARK: - Loading

extension RunConfig {
    /// Loads and checks `accessreview.yaml`. Every problem is collected; a `DiagnosticList`
    /// is thrown when there is at least one error.
    public static func load(path: String) throws -> RunConfig {
        guard FileManager.default.isReadableFile(atPath: path) else {
            throw ToolError(.configuration, "\(path): error: cannot read the configuration file (does it exist?)")
        }
        return try parse(try YAMLNode.text(ofFile: path, what: "configuration file"), file: path)
    }

    public static func parse(_ text: String, file: String) throws -> RunConfig {
        let diagnostics = DiagnosticCollector()
        let document = try YAMLNode.parse(text, file: file)
        let base = (file as NSString).deletingLastPathComponent
        func resolve(_ path: String) -> String {
            if path.hasPrefix("/") { return Paths.normalised(path) }
            return Paths.normalised(((base.isEmpty ? "." : base) as NSString).appendingPathComponent(path))
        }
        guard let root = YAMLMap(document: document, file: file, diagnostics: diagnostics) else {
            throw DiagnosticList(diagnostics.all + [Diagnostic(file: file, line: 1, "the configuration is empty")])
        }
        let version = root.int("version", required: true)
        if let version, version != 1 {
            root.error(root.raw("version"), "unsupported version \(version); this accessreview reads version 1")
        }
        let organisation = root.string("organisation") ?? ""
        let asOf = root.day("as_of")
        let campaign = root.string("campaign")
        if let campaign, campaign.isEmpty || campaign.contains("/") || campaign.hasPrefix(".") {
            root.error(root.raw("campaign"), "'campaign' must be a plain name (no '/', not starting with '.')")
        }
        let language = root.oneOf("language", Language.allCases.map(\.rawValue)).flatMap(Language.init) ?? .da
        let deadlineDays = root.int("deadline_days", range: 1...366) ?? 30
        let output = resolve(root.string("output") ?? "out")

        var separator: Character = language == .da ? ";" : ","
        var formats = ["xlsx", "pdf", "csv"]
        if let sheets = root.map("sheets") {
            if let text = sheets.oneOf("csv_separator", [";", ",", "\t"]) { separator = Character(text) }
            if let list = sheets.strings("formats") {
                let unknown = list.filter { !["xlsx", "pdf", "csv"].contains($0) }
                if !unknown.isEmpty || list.isEmpty {
                    sheets.error(
                        sheets.raw("formats"),
                        "'sheets.formats' lists xlsx, pdf and/or csv, not \(unknown.joined(separator: ", "))")
                }
                formats = ["xlsx", "pdf", "csv"].filter(list.contains)
            }
            sheets.close()
        }

        let directory = parseDirectory(root.map("directory", required: true), resolve: resolve, root: root)

        var hr: HRSource?
        if let map = root.map("hr") {
            let export = map.string("export", required: true)
            let mapping = map.string("mapping", required: true)
            map.close()
            if let export, let mapping { hr = HRSource(export: resolve(export), mapping: resolve(mapping)) }
        }

        let mappingsFolder = root.string("mappings").map(resolve)
        var systems: [SystemSource] = []
        if let map = root.map("systems") {
            for entry in map.entries() {
                guard
                    let export = YAMLMap.scalarString(
                        entry.node, name: "systems.\(entry.key)", file: file,
                        diagnostics: diagnostics)
                else { continue }
                if !SystemMapping.isValidId(entry.key) {
                    map.error(entry.keyNode, "system id '\(entry.key)' may hold only a-z, 0-9, '-' and '_'")
                    continue
                }
                let mapping = ((mappingsFolder ?? resolve(".")) as NSString).appendingPathComponent("\(entry.key).yaml")
                systems.append(
                    SystemSource(id: entry.key, export: resolve(export), line: entry.keyNode.line, mapping: mapping))
            }
            map.close()
            if !systems.isEmpty && mappingsFolder == nil {
                root.error(root.raw("systems"), "'systems' needs 'mappings': the folder of the system mappings")
            }
        }
        let rules = root.string("rules").map(resolve)
        let campaignKeyFile = root.string("campaign_key_file").map(resolve)
        let mail = root.map("mail").flatMap { MailConfig.parse($0, resolve: resolve, rules: rules) }
        root.close()

        try diagnostics.throwIfErrors()
        guard let version, var directory else { throw DiagnosticList(diagnostics.all) }
        let places = ConfigPlaces(file: file, document: document)
        directory.places = places
        var config = RunConfig(
            file: file, version: version, organisation: organisation, asOf: asOf, campaign: campaign,
            language: language, deadlineDays: deadlineDays, output: output, directory: directory, hr: hr,
            systems: systems.sorted { $0.id < $1.id }, mappingsFolder: mappingsFolder, rulesFile: rules,
            csvSeparator: separator, places: places)
        config.sheetFormats = formats
        config.campaignKeyFile = campaignKeyFile
        config.mail = mail
        return config
    }

    private static func parseDirectory(_ map: YAMLMap?, resolve: (String) -> String, root: YAMLMap) -> DirectoryConfig?
    {
        guard let map else { return nil }
        defer { map.close() }
        let source = map.oneOf("source", ["ldif", "ldap"], required: true).flatMap(DirectoryConfig.Source.init)
        let profile =
            map.oneOf("profile", ["openldap", "active-directory"]).flatMap(DirectoryConfig.Profile.init) ?? .openldap
        let ldif = map.string("ldif").map(resolve)
        let url = map.string("url")
        let starttls = map.bool("starttls") ?? false
        let allowInsecure = map.bool("allow_insecure") ?? false
        let caFile = map.string("ca_file").map(resolve)
        let bindDN = map.string("bind_dn")
        let passwordEnv = map.string("password_env")
        let passwordFile = map.string("password_file").map(resolve)
        let timeout = map.int("timeout_seconds", range: 1...3600) ?? 30
        let pageSize = map.int("page_size", range: 1...100_000) ?? 500
        if map.has("password") {
            map.error(
                map.raw("password"),
                "a password must never be written in the configuration: use password_env or password_file")
        }
        if source == .ldif && ldif == nil {
            map.error(nil, "'directory.source: ldif' needs 'directory.ldif': the LDIF file to read")
        }
        if source == .ldap {
            if url == nil { map.error(nil, "'directory.source: ldap' needs 'directory.url' (ldaps://… or ldap://…)") }
            if let url, !url.lowercased().hasPrefix("ldaps://"), !url.lowercased().hasPrefix("ldap://") {
                map.error(map.raw("url"), "'directory.url' must start with ldaps:// or ldap://")
            }
            if let url, url.lowercased().hasPrefix("ldap://"), !starttls, !allowInsecure {
                map.error(
                    map.raw("url"),
                    "\(url) would send everything in clear text: use ldaps://, or starttls: true, or (for a test server only) allow_insecure: true"
                )
            }
            if bindDN != nil && passwordEnv == nil && passwordFile == nil {
                map.error(map.raw("bind_dn"), "'directory.bind_dn' needs password_env or password_file")
            }
            if passwordEnv != nil && passwordFile != nil {
                map.error(map.raw("password_file"), "set either password_env or password_file, not both")
            }
        }
        func search(_ key: String, defaultFilter: String) -> DirectoryConfig.SearchSpec? {
            guard let spec = map.map(key, required: true) else { return nil }
            defer { spec.close() }
            guard let base = spec.string("base", required: true) else { return nil }
            let filter = spec.string("filter") ?? defaultFilter
            do {
                _ = try LDAPFilter.parse(filter)
            } catch {
                spec.error(spec.raw("filter"), "'directory.\(key).filter' is not an LDAP filter: \(error)")
            }
            return .init(base: base, filter: filter)
        }
        let users = search(
            "users",
            defaultFilter: profile == .openldap
                ? "(objectClass=inetOrgPerson)" : "(&(objectCategory=person)(objectClass=user))")
        let groups = search(
            "groups",
            defaultFilter: profile == .openldap
                ? "(|(objectClass=groupOfNames)(objectClass=groupOfUniqueNames)(objectClass=posixGroup))"
                : "(objectClass=group)")
        var attributes = AttributeMap.defaults(for: profile)
        if let overrides = map.map("attributes") {
            for key in AttributeMap.keys {
                let present = overrides.has(key)
                let value = overrides.string(key)
                guard present || value != nil else { continue }
                switch key {
                case "id": if let value { attributes.id = value }
                case "employee_id": if let value { attributes.employeeId = value }
                case "name": if let value { attributes.name = value }
                case "email": if let value { attributes.email = value }
                case "title": if let value { attributes.title = value }
                case "department": if let value { attributes.department = value }
                case "manager": if let value { attributes.manager = value }
                case "employee_type": if let value { attributes.employeeType = value }
                case "end_date": attributes.endDate = value
                case "disabled": attributes.disabled = value
                default: break
                }
            }
            overrides.close()
        }
        let reviewGroups = map.bool("review_groups") ?? false
        guard let source, let users, let groups else { return nil }
        return DirectoryConfig(
            source: source, ldif: ldif, profile: profile, url: url, starttls: starttls,
            allowInsecure: allowInsecure, caFile: caFile, bindDN: bindDN, passwordEnv: passwordEnv,
            passwordFile: passwordFile, timeoutSeconds: timeout, pageSize: pageSize, users: users,
            groups: groups, attributes: attributes, reviewGroups: reviewGroups)
    }
}

enum Paths {
    /// `a/b/../c` → `a/c`, lexically, keeping leading `..` of relative paths.
    static func normalised(_ path: String) -> String {
        let absolute = path.hasPrefix("/")
        var parts: [Substring] = []
        for part in path.split(separator: "/") {
            if part == "." { continue }
            if part == "..", let last = parts.last, last != ".." {
                parts.removeLast()
            } else if part == ".." && absolute {
                continue
            } else {
                parts.append(part)
            }
        }
        let joined = parts.joined(separator: "/")
        return absolute ? "/" + joined : (joined.isEmpty ? "." : joined)
    }
}
