import Foundation

/// Checks that the handbook, the mappings and the config agree with each other and with the
/// directory: every system a rule names is configured, every identity a rule names exists.
/// Each problem names the file and line of the reference.
public enum CrossReferences {
    public static func check(
        config: RunConfig, handbook: Handbook, mappings: [String: SystemMapping],
        directory: DirectorySnapshot
    ) throws -> [Diagnostic] {
        var problems: [Diagnostic] = []
        let file = handbook.file
        let systems = Set(mappings.keys)
        let identities = Set(directory.users.map(\.id))

        func system(_ id: String, line: Int, what: String) {
            if !systems.contains(id) {
                problems.append(
                    Diagnostic(
                        file: file, line: line,
                        "\(what) names the system '\(id)', which the config does not list (known: \(systems.sorted().joined(separator: ", ")))"
                    ))
            }
        }
        func identity(_ id: String, file: String, line: Int, what: String) {
            if !identities.contains(id) {
                problems.append(
                    Diagnostic(file: file, line: line, "\(what) '\(id)' is not an identity in the directory"))
            }
        }

        for role in handbook.roles.values.sorted(by: { $0.line < $1.line }) {
            system(role.key.system, line: role.line, what: "the role catalogue entry \(role.key)")
        }
        for jobRole in handbook.jobRoles {
            for grant in jobRole.grants { system(grant.system, line: jobRole.line, what: "job role \(jobRole.id)") }
        }
        for grant in handbook.birthright where !systems.contains(grant.system) {
            problems.append(
                Diagnostic(file: file, "birthright names the system '\(grant.system)', which the config does not list"))
        }
        for rule in handbook.sod {
            for role in rule.roles { system(role.system, line: rule.line, what: "SoD rule \(rule.id)") }
        }
        for exception in handbook.exceptions {
            if let role = exception.role { system(role.system, line: exception.line, what: "the exception") }
            identity(exception.identity, file: file, line: exception.line, what: "the exception's identity")
            identity(exception.approvedBy, file: file, line: exception.line, what: "the exception's approver")
        }
        for fallback in handbook.fallbacks {
            identity(fallback, file: file, line: handbook.fallbackLine, what: "the fallback reviewer")
        }
        for substitute in handbook.substitutes {
            identity(substitute.manager, file: file, line: substitute.line, what: "the substitute's manager")
            identity(substitute.substitute, file: file, line: substitute.line, what: "the substitute")
        }
        for mapping in mappings.values.sorted(by: { $0.system < $1.system }) {
            if let owner = mapping.owner {
                identity(owner, file: mapping.file, line: mapping.ownerLine, what: "the system owner")
            }
            if let deputy = mapping.deputyOwner {
                identity(deputy, file: mapping.file, line: mapping.deputyOwnerLine, what: "the deputy system owner")
            }
        }
        if problems.contains(where: { $0.severity == .error }) { throw DiagnosticList(problems) }
        return problems
    }
}
