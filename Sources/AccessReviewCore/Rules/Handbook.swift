import Foundation

/// A condition on an identity, as `leaver_when` and `external_when` list them.
public enum IdentityCondition: Sendable, Equatable {
    case disabled
    case endDatePassed
    case dnUnder(String)
    case attribute(String, [Glob])
    case group(String)
}

/// `Mappings/handbook.yaml`: the information-security handbook's access rules.
public struct Handbook: Sendable {
    public var file: String
    public var name: String
    public var policy: Policy
    public var leaverWhen: [IdentityCondition]
    public var externalWhen: [IdentityCondition]
    /// Reviewers of lines with no eligible manager, in order; the first who is not the
    /// person and not a leaver takes them.
    public var fallbacks: [String]
    public var fallback: String { fallbacks.first ?? "" }
    public var fallbackLine: Int
    public var substitutes: [Substitute]
    public var roles: [RoleKey: CatalogueRole]
    public var jobRoles: [JobRole]
    public var birthright: [RoleKey]
    public var sod: [SoDRule]
    public var exceptions: [ExceptionGrant]
    /// Finding code → handbook section, cited in the `rule` column (optional `sections:`).
    public var sections: [String: String]

    public struct Policy: Sendable {
        public var reviewIntervalDays = 183
        public var sensitiveReviewIntervalDays = 92
        public var leaverGraceDays = 0
        public var dormantAfterDays = 90
        public var staleExportDays = 7
        public var maxPopulationDrop = 0.2
        /// Days after a Remove decision by which the line must be gone (REVOCATION_NOT_DONE after).
        public var revocationDays = 14
        /// What `close` records for a line nobody decided.
        public var unanswered = Unanswered.notAttested
        /// Days before the campaign's deadline on which `notify` reminds reviewers with
        /// undecided lines, largest first.
        public var remindDaysBefore = [20, 10, 3]
        /// Days after the deadline on which `notify` escalates a reviewer's undecided lines to
        /// the reviewer's own manager.
        public var escalateAfterDays = 5
    }

    public enum Unanswered: String, Sendable, CaseIterable {
        case notAttested = "not_attested", remove

        /// The decision `close` records.
        public var decision: String { self == .remove ? "Remove" : "not attested" }
    }

    public struct Substitute: Sendable {
        public var manager: String
        public var substitute: String
        public var until: Day?
        public var line: Int
    }

    public struct CatalogueRole: Sendable {
        public var key: RoleKey
        public var sensitivity: Sensitivity
        public var privileged: Bool
        public var line: Int
    }

    public struct JobRole: Sendable {
        public enum MatchAttribute: String, Sendable, CaseIterable {
            case title, department, employeeType = "employee_type", group, dnUnder = "dn_under"
        }
        public var id: String
        public var name: String
        public var section: String?
        public var match: [(attribute: MatchAttribute, patterns: [Glob])]
        public var grants: [RoleKey]
        public var line: Int
    }

    public struct SoDRule: Sendable {
        public var id: String
        public var section: String?
        public var description: String
        public var roles: [RoleKey]
        public var line: Int
    }

    public struct ExceptionGrant: Sendable {
        public var identity: String
        public var role: RoleKey?
        public var sod: String?
        public var reason: String
        public var approvedBy: String
        public var expires: Day
        public var line: Int

        public func isValid(on day: Day) -> Bool { expires >= day }
    }

    public func sensitivity(of role: RoleKey) -> Sensitivity { roles[role]?.sensitivity ?? .normal }
    public func isPrivileged(_ role: RoleKey) -> Bool { roles[role]?.privileged ?? false }
}

// MARK: - Loading

extension Handbook {
    public static func load(path: String) throws -> Handbook {
        let text = try YAMLNode.text(ofFile: path, what: "handbook file")
        return try parse(text, file: path)
    }

    public static func parse(_ text: String, file: String) throws -> Handbook {
        let diagnostics = DiagnosticCollector()
        let document: YAMLNode
        do {
            document = try YAMLNode.parse(text, file: file)
        } catch let diagnostic as Diagnostic {
            throw DiagnosticList([diagnostic])
        }
        guard let root = YAMLMap(document: document, file: file, diagnostics: diagnostics) else {
            throw DiagnosticList(diagnostics.all + [Diagnostic(file: file, line: 1, "the handbook is empty")])
        }
        if let version = root.int("version", required: true), version != 1 {
            root.error(
                root.raw("version"), "unsupported handbook version \(version); this accessreview reads version 1")
        }
        let name = root.string("handbook") ?? "handbook"

        var policy = Policy()
        if let map = root.map("policy") {
            policy.reviewIntervalDays = map.int("review_interval_days", range: 1...3660) ?? policy.reviewIntervalDays
            policy.sensitiveReviewIntervalDays =
                map.int("sensitive_review_interval_days", range: 1...3660) ?? policy.sensitiveReviewIntervalDays
            policy.leaverGraceDays = map.int("leaver_grace_days", range: 0...365) ?? policy.leaverGraceDays
            policy.dormantAfterDays = map.int("dormant_after_days", range: 1...3660) ?? policy.dormantAfterDays
            policy.staleExportDays = map.int("stale_export_days", range: 0...3660) ?? policy.staleExportDays
            policy.maxPopulationDrop = map.double("max_population_drop", range: 0...1) ?? policy.maxPopulationDrop
            policy.revocationDays = map.int("revocation_days", range: 0...3660) ?? policy.revocationDays
            if let days = map.strings("remind_days_before") {
                let numbers = days.compactMap { Int($0) }.filter { (0...366).contains($0) }
                if numbers.count != days.count {
                    map.error(
                        map.raw("remind_days_before"),
                        "'policy.remind_days_before' lists whole days from 0 to 366 before the deadline, like [20, 10, 3]"
                    )
                }
                policy.remindDaysBefore = Array(Set(numbers)).sorted(by: >)
            }
            policy.escalateAfterDays =
                map.int("escalate_after_days", range: 0...366) ?? policy.escalateAfterDays
            if let value = map.string("unanswered") {
                if let outcome = Unanswered(rawValue: value) {
                    policy.unanswered = outcome
                } else {
                    map.error(
                        map.raw("unanswered"),
                        "'policy.unanswered' is '\(value)'; it must be not_attested or remove")
                }
            }
            map.close()
        }

        var leaverWhen: [IdentityCondition] = [.disabled, .endDatePassed]
        var externalWhen: [IdentityCondition] = []
        if let map = root.map("identities") {
            if map.has("leaver_when") { leaverWhen = conditions(map.list("leaver_when"), in: map, key: "leaver_when") }
            externalWhen = conditions(map.list("external_when"), in: map, key: "external_when")
            map.close()
        }

        var fallbacks: [String] = []
        var fallbackLine = 0
        var substitutes: [Substitute] = []
        if let map = root.map("reviewers", required: true) {
            fallbacks = map.strings("fallback", required: true) ?? []
            if map.has("fallback") && fallbacks.isEmpty {
                map.error(map.raw("fallback"), "'reviewers.fallback' names no one")
            }
            fallbackLine = map.raw("fallback")?.line ?? map.node.line
            for entry in map.maps("substitutes") {
                if let manager = entry.string("manager", required: true),
                    let substitute = entry.string("substitute", required: true)
                {
                    if manager == substitute { entry.error(nil, "a manager cannot be their own substitute") }
                    substitutes.append(
                        Substitute(
                            manager: manager, substitute: substitute, until: entry.day("until"), line: entry.node.line))
                }
                entry.close()
            }
            map.close()
        }

        var roles: [RoleKey: CatalogueRole] = [:]
        for entry in root.maps("roles") {
            defer { entry.close() }
            guard let system = entry.string("system", required: true), let role = entry.string("role", required: true)
            else { continue }
            let sensitivity =
                entry.oneOf("sensitivity", Sensitivity.allCases.map(\.rawValue)).flatMap(Sensitivity.init) ?? .normal
            let privileged = entry.bool("privileged") ?? false
            let key = RoleKey(system: system, role: role)
            if let earlier = roles[key] {
                entry.error(nil, "the role \(key) is already in the catalogue (line \(earlier.line))")
            }
            roles[key] = CatalogueRole(
                key: key, sensitivity: sensitivity, privileged: privileged, line: entry.node.line)
        }

        var jobRoles: [JobRole] = []
        var jobRoleIds: [String: Int] = [:]
        for entry in root.maps("job_roles") {
            defer { entry.close() }
            guard let id = entry.string("id", required: true) else { continue }
            if let earlier = jobRoleIds[id] {
                entry.error(entry.raw("id"), "job role '\(id)' is defined twice (also line \(earlier))")
            }
            jobRoleIds[id] = entry.node.line
            let name = entry.string("name") ?? id
            let section = entry.string("section")
            var match: [(JobRole.MatchAttribute, [Glob])] = []
            if let map = entry.map("match", required: true) {
                for attribute in JobRole.MatchAttribute.allCases {
                    if let patterns = map.strings(attribute.rawValue) {
                        if patterns.isEmpty {
                            map.error(map.raw(attribute.rawValue), "'\(attribute.rawValue)' lists no patterns")
                        }
                        match.append((attribute, patterns.map(Glob.init)))
                    }
                }
                map.close()
                if match.isEmpty { map.error(nil, "job role '\(id)' has an empty 'match': it would match everyone") }
            }
            let grants = grantList(entry.map("grants", required: true))
            jobRoles.append(
                JobRole(id: id, name: name, section: section, match: match, grants: grants, line: entry.node.line))
        }

        let birthright = grantList(root.map("birthright"))

        var sod: [SoDRule] = []
        for entry in root.maps("sod") {
            defer { entry.close() }
            guard let id = entry.string("id", required: true) else { continue }
            let section = entry.string("section")
            let description = entry.string("description") ?? id
            var pairs: [RoleKey] = []
            for role in entry.maps("roles", required: true) {
                if let system = role.string("system", required: true), let name = role.string("role", required: true) {
                    pairs.append(RoleKey(system: system, role: name))
                }
                role.close()
            }
            if pairs.count < 2 { entry.error(entry.raw("roles"), "SoD rule '\(id)' must list at least two roles") }
            if sod.contains(where: { $0.id == id }) {
                entry.error(entry.raw("id"), "SoD rule '\(id)' is defined twice")
            }
            sod.append(SoDRule(id: id, section: section, description: description, roles: pairs, line: entry.node.line))
        }

        var exceptions: [ExceptionGrant] = []
        for entry in root.maps("exceptions") {
            defer { entry.close() }
            let identity = entry.string("identity", required: true)
            let system = entry.string("system")
            let role = entry.string("role")
            let sodId = entry.string("sod")
            let reason = entry.string("reason", required: true)
            let approvedBy = entry.string("approved_by", required: true)
            let expires = entry.day("expires", required: true)
            if sodId == nil && (system == nil || role == nil) {
                entry.error(nil, "an exception names either 'system' and 'role', or 'sod'")
            }
            if sodId != nil && (system != nil || role != nil) {
                entry.error(nil, "an exception names either 'system' and 'role', or 'sod', not both")
            }
            if let sodId, !sod.contains(where: { $0.id == sodId }) {
                entry.error(entry.raw("sod"), "unknown SoD rule '\(sodId)'")
            }
            if let identity, let approvedBy, identity == approvedBy {
                entry.error(entry.raw("approved_by"), "an exception cannot be approved by the person it is for")
            }
            if let identity, let reason, let approvedBy, let expires {
                let key = system.flatMap { s in role.map { RoleKey(system: s, role: $0) } }
                exceptions.append(
                    ExceptionGrant(
                        identity: identity, role: key, sod: sodId, reason: reason,
                        approvedBy: approvedBy, expires: expires, line: entry.node.line))
            }
        }
        var sections: [String: String] = [:]
        if let map = root.map("sections") {
            for entry in map.entries() {
                if FindingCode(rawValue: entry.key) == nil {
                    map.error(entry.keyNode, "unknown finding code '\(entry.key)' in sections")
                }
                if let text = YAMLMap.scalarString(
                    entry.node, name: "sections.\(entry.key)", file: file, diagnostics: diagnostics)
                {
                    sections[entry.key] = text
                }
            }
        }
        root.close()
        try diagnostics.throwIfErrors()
        return Handbook(
            file: file, name: name, policy: policy, leaverWhen: leaverWhen, externalWhen: externalWhen,
            fallbacks: fallbacks, fallbackLine: fallbackLine, substitutes: substitutes, roles: roles,
            jobRoles: jobRoles, birthright: birthright, sod: sod, exceptions: exceptions, sections: sections)
    }

    /// `{ system: [role, …] }` as grants and birthright write it.
    private static func grantList(_ map: YAMLMap?) -> [RoleKey] {
        guard let map else { return [] }
        var keys: [RoleKey] = []
        for entry in map.entries() {
            switch entry.node.value {
            case .list(let items):
                for item in items {
                    if let role = YAMLMap.scalarString(
                        item, name: "\(map.path).\(entry.key)", file: map.file, diagnostics: map.diagnostics)
                    {
                        keys.append(RoleKey(system: entry.key, role: role))
                    }
                }
            case .scalar(let role, _): keys.append(RoleKey(system: entry.key, role: role))
            case .map: map.error(entry.node, "'\(map.path).\(entry.key)' must be a list of role names")
            }
        }
        return keys
    }

    private static func conditions(_ nodes: [YAMLNode], in map: YAMLMap, key: String) -> [IdentityCondition] {
        var result: [IdentityCondition] = []
        for (index, node) in nodes.enumerated() {
            switch node.value {
            case .scalar(let name, _):
                switch name {
                case "disabled": result.append(.disabled)
                case "end_date_passed": result.append(.endDatePassed)
                default:
                    map.error(
                        node,
                        "unknown condition '\(name)' in \(key); known: disabled, end_date_passed, { dn_under: … }, { attribute: …, in: […] }, { group: … }"
                    )
                }
            case .map:
                guard
                    let condition = YAMLMap(
                        node, file: map.file, path: "identities.\(key)[\(index)]", diagnostics: map.diagnostics)
                else { continue }
                if let dn = condition.string("dn_under") {
                    result.append(.dnUnder(dn))
                } else if let group = condition.string("group") {
                    result.append(.group(group))
                } else if let attribute = condition.oneOf(
                    "attribute", ["title", "department", "employee_type", "email", "name"])
                {
                    let values = condition.strings("in", required: true) ?? []
                    result.append(.attribute(attribute, values.map(Glob.init)))
                } else {
                    map.error(node, "a condition needs 'dn_under', 'group' or 'attribute' with 'in'")
                }
                condition.close()
            case .list:
                map.error(node, "a condition in \(key) is a name or a mapping, not a list")
            }
        }
        return result
    }
}
