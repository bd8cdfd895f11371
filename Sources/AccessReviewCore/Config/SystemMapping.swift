import Foundation

/// `Mappings/systems/<id>.yaml` (and `Mappings/hr.yaml`): how to read one system's XML export.
public struct SystemMapping: Sendable {
    public enum Kind: Sendable { case system, hr }

    public var file: String
    public var kind: Kind
    public var system: String
    public var name: String
    public var owner: String?
    public var ownerLine: Int
    /// `deputy_owner:` who takes the owner's review where the owner may not give it (the
    /// owner holds the line, is its first reviewer, or is not active).
    public var deputyOwner: String?
    public var deputyOwnerLine = 0
    public var records: [RecordSpec]
    public var namespaces: [String: String]
    public var activeValues: [String]
    public var disabledValues: [String]
    public var dates: [DatePattern]
    public var correlate: [CorrelateRule]
    public var serviceAccounts: [ServiceAccount]
    /// Where the export says when it was made: an element path, or a path ending in `/@attribute`.
    public var exportDate: String?

    /// The field that identifies a record: `account` for systems, `employee_id` for HR.
    public var keyField: String { kind == .system ? "account" : "employee_id" }

    public struct RecordSpec: Sendable {
        public var path: String
        public var line: Int
        public var allowEmpty: Bool
        /// Field name → XPath, in the order written.
        public var fields: [Field]

        public struct Field: Sendable {
            public var name: String
            public var xpath: String
            public var line: Int
            public var column: Int
        }
    }

    public struct CorrelateRule: Sendable {
        public enum IdentityAttribute: String, Sendable, CaseIterable {
            case id, email, employeeId = "employee_id", name
        }
        public var field: String
        public var identity: IdentityAttribute
        public var line: Int
    }

    public struct ServiceAccount: Sendable {
        public var account: String
        public var owner: String
        public var reason: String
        public var line: Int
    }

    static func isValidId(_ id: String) -> Bool {
        !id.isEmpty
            && id.unicodeScalars.allSatisfy {
                ("a"..."z").contains($0) || ("0"..."9").contains($0) || $0 == "-" || $0 == "_"
            }
    }

    static let systemFields: Set<String> = ["account", "roles", "status", "last_login", "valid_to"]
    static let hrFields: Set<String> = [
        "employee_id", "end_date", "start_date", "title", "department", "manager_employee_id", "name",
    ]
}

// MARK: - Loading

extension SystemMapping {
    public static func load(path: String, kind: Kind, expectedSystem: String?) throws -> SystemMapping {
        let text = try YAMLNode.text(ofFile: path, what: "mapping file")
        return try parse(text, file: path, kind: kind, expectedSystem: expectedSystem)
    }

    public static func parse(_ text: String, file: String, kind: Kind, expectedSystem: String?) throws -> SystemMapping
    {
        let diagnostics = DiagnosticCollector()
        let document: YAMLNode
        do {
            document = try YAMLNode.parse(text, file: file)
        } catch let diagnostic as Diagnostic {
            throw DiagnosticList([diagnostic])
        }
        guard let root = YAMLMap(document: document, file: file, diagnostics: diagnostics) else {
            throw DiagnosticList(diagnostics.all + [Diagnostic(file: file, line: 1, "the mapping is empty")])
        }
        let system = root.string("system", required: kind == .system) ?? "hr"
        if let expectedSystem, system != expectedSystem {
            root.error(
                root.raw("system"),
                "this mapping is for system '\(system)', but the config reads it for '\(expectedSystem)'")
        }
        let name = root.string("name") ?? system
        let owner = root.string("owner")
        let ownerLine = root.raw("owner")?.line ?? root.node.line
        let deputyOwner = root.string("deputy_owner")
        let deputyOwnerLine = root.raw("deputy_owner")?.line ?? root.node.line
        if let deputyOwner, deputyOwner == owner {
            root.error(root.raw("deputy_owner"), "'deputy_owner' is the owner; name another person, or leave it out")
        }

        var namespaces: [String: String] = [:]
        if let map = root.map("namespaces") {
            for entry in map.entries() {
                if let uri = YAMLMap.scalarString(
                    entry.node, name: "namespaces.\(entry.key)", file: file, diagnostics: diagnostics)
                {
                    namespaces[entry.key] = uri
                }
            }
        }

        var records: [RecordSpec] = []
        let recordMaps = root.maps("records", required: true)
        if root.has("records") && recordMaps.isEmpty {
            root.error(root.raw("records"), "'records' must list at least one record type")
        }
        let allowedFields = kind == .system ? systemFields : hrFields
        for record in recordMaps {
            defer { record.close() }
            let path = record.string("path", required: true)
            if let path, let problem = RecordPath.problem(in: path, namespaces: namespaces) {
                record.error(record.raw("path"), "'\(record.qualified("path"))': \(problem)")
            }
            let allowEmpty = record.bool("allow_empty") ?? false
            var fields: [RecordSpec.Field] = []
            if let fieldMap = record.map("fields", required: true) {
                for entry in fieldMap.entries() {
                    guard
                        let xpath = YAMLMap.scalarString(
                            entry.node, name: "fields.\(entry.key)", file: file, diagnostics: diagnostics)
                    else { continue }
                    if kind == .hr && !allowedFields.contains(entry.key) {
                        fieldMap.error(
                            entry.keyNode,
                            "unknown HR field '\(entry.key)'; known: \(allowedFields.sorted().joined(separator: ", "))")
                    }
                    if !XPathCompiler.isValid(xpath) {
                        fieldMap.error(entry.node, "the XPath '\(xpath)' of field '\(entry.key)' does not compile")
                    }
                    fields.append(
                        .init(name: entry.key, xpath: xpath, line: entry.node.line, column: entry.node.column))
                }
                let key = kind == .system ? "account" : "employee_id"
                if !fields.contains(where: { $0.name == key }) {
                    fieldMap.error(nil, "every record type needs the field '\(key)'")
                }
            }
            if let path {
                records.append(
                    RecordSpec(
                        path: path, line: record.raw("path")?.line ?? record.node.line, allowEmpty: allowEmpty,
                        fields: fields))
            }
        }

        var active: [String] = []
        var disabled: [String] = []
        if let status = root.map("status") {
            active = status.strings("active", required: true) ?? []
            disabled = status.strings("disabled", required: true) ?? []
            status.close()
            let overlap = Set(active.map(\.matchKey)).intersection(disabled.map(\.matchKey))
            if !overlap.isEmpty {
                root.error(
                    root.raw("status"),
                    "status values \(overlap.sorted().joined(separator: ", ")) are both active and disabled")
            }
        } else if records.contains(where: { $0.fields.contains { $0.name == "status" } }) {
            root.error(
                nil, "a 'status' field needs a 'status:' section saying which values are active and which disabled")
        }

        var dates: [DatePattern] = []
        let dateNodes = root.list("dates")
        for node in dateNodes {
            guard let text = YAMLMap.scalarString(node, name: "dates", file: file, diagnostics: diagnostics) else {
                continue
            }
            do {
                dates.append(try DatePattern(text))
            } catch {
                root.error(node, "date pattern '\(text)': \(error)")
            }
        }
        if dates.isEmpty { dates = [try! DatePattern("yyyy-MM-dd")] }

        var correlate: [CorrelateRule] = []
        let fieldNames = Set(records.flatMap { $0.fields.map(\.name) })
        for rule in root.maps("correlate") {
            defer { rule.close() }
            let field = rule.string("field", required: true)
            let identity = rule.oneOf(
                "identity", CorrelateRule.IdentityAttribute.allCases.map(\.rawValue), required: true)
            if let field, !fieldNames.contains(field) {
                rule.error(
                    rule.raw("field"),
                    "correlate field '\(field)' is not one of the record fields (\(fieldNames.sorted().joined(separator: ", ")))"
                )
            }
            if let field, let identity = identity.flatMap(CorrelateRule.IdentityAttribute.init) {
                correlate.append(CorrelateRule(field: field, identity: identity, line: rule.node.line))
            }
        }
        if kind == .system && correlate.isEmpty && !root.has("correlate") {
            root.error(nil, "missing required key 'correlate': how accounts are matched to identities")
        }

        var services: [ServiceAccount] = []
        for entry in root.maps("service_accounts") {
            defer { entry.close() }
            let account = entry.string("account", required: true)
            let owner = entry.string("owner", required: true)
            let reason = entry.string("reason", required: true)
            if let account, let owner, let reason {
                services.append(ServiceAccount(account: account, owner: owner, reason: reason, line: entry.node.line))
            }
        }
        let exportDate = root.string("export_date")
        if let exportDate,
            let problem = RecordPath.problem(
                in: exportDate.replacingOccurrences(of: "/@", with: "/"), namespaces: namespaces)
        {
            root.error(root.raw("export_date"), "'export_date': \(problem)")
        }
        root.close()
        try diagnostics.throwIfErrors()
        var mapping = SystemMapping(
            file: file, kind: kind, system: system, name: name, owner: owner, ownerLine: ownerLine,
            records: records, namespaces: namespaces, activeValues: active, disabledValues: disabled,
            dates: dates, correlate: correlate, serviceAccounts: services, exportDate: exportDate)
        mapping.deputyOwner = deputyOwner
        mapping.deputyOwnerLine = deputyOwnerLine
        return mapping
    }
}

/// A record path: `/A/B/C`, each step a name or `prefix:name`, no predicates (streamed).
public enum RecordPath {
    public static func steps(_ path: String) -> [(prefix: String?, local: String)] { XMLRecordPlan.steps(path) }

    static func problem(in path: String, namespaces: [String: String]) -> String? {
        guard path.hasPrefix("/") else { return "must be an absolute element path like /Export/Users/User" }
        if path.contains("[") || path.contains("//") || path.contains("*") || path.contains("(") {
            return "must be a plain element path (no predicates, '//', '*' or functions): records are streamed"
        }
        for step in steps(path) {
            if step.local.isEmpty { return "has an empty step" }
            if let prefix = step.prefix, namespaces[prefix] == nil {
                return "uses the prefix '\(prefix)', which 'namespaces' does not declare"
            }
        }
        return nil
    }
}

extension SystemMapping {
    /// What the streaming XML reader needs of the mapping.
    var recordPlan: XMLRecordPlan {
        XMLRecordPlan(
            file: file, namespaces: namespaces,
            records: records.map { record in
                XMLRecordPlan.Record(
                    path: record.path,
                    fields: record.fields.map {
                        XMLRecordPlan.Field(name: $0.name, xpath: $0.xpath, line: $0.line, column: $0.column)
                    })
            },
            exportDate: exportDate)
    }
}
