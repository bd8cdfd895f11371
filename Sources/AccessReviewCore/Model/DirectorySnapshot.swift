import Foundation

/// A person or service entry of the directory, with the fields the rules read.
public struct DirectoryUser: Sendable, Equatable {
    public var dn: String
    public var id: String
    public var employeeId: String?
    public var name: String?
    public var email: String?
    public var title: String?
    public var department: String?
    /// The manager's identity id, resolved from the manager DN; nil when absent or unknown.
    public var manager: String?
    /// The manager attribute as the directory holds it (a DN), kept to explain an unresolved manager.
    public var managerDN: String?
    public var employeeType: String?
    public var disabled: Bool
    public var endDate: Day?
    /// Groups the user is a direct member of (DNs, sorted).
    public var groups: [String]
    /// Direct and nested memberships (DNs, sorted).
    public var effectiveGroups: [String]

    public init(
        dn: String, id: String, employeeId: String? = nil, name: String? = nil, email: String? = nil,
        title: String? = nil, department: String? = nil, manager: String? = nil, managerDN: String? = nil,
        employeeType: String? = nil, disabled: Bool = false, endDate: Day? = nil, groups: [String] = [],
        effectiveGroups: [String] = []
    ) {
        self.dn = dn
        self.id = id
        self.employeeId = employeeId
        self.name = name
        self.email = email
        self.title = title
        self.department = department
        self.manager = manager
        self.managerDN = managerDN
        self.employeeType = employeeType
        self.disabled = disabled
        self.endDate = endDate
        self.groups = groups
        self.effectiveGroups = effectiveGroups
    }
}

public struct DirectoryGroup: Sendable, Equatable {
    public var dn: String
    public var name: String
    /// Member DNs (users and groups), sorted.
    public var members: [String]

    public init(dn: String, name: String, members: [String]) {
        self.dn = dn
        self.name = name
        self.members = members
    }
}

/// What the Directory stage hands on: users and groups with nested memberships resolved.
public struct DirectorySnapshot: Sendable {
    public var users: [DirectoryUser]
    public var groups: [DirectoryGroup]
    /// Where it came from, for the manifest: a file path or an LDAP URL.
    public var source: String
    public var sourceSHA256: String?
    public var sourceBytes: Int?

    public init(
        users: [DirectoryUser], groups: [DirectoryGroup], source: String, sourceSHA256: String? = nil,
        sourceBytes: Int? = nil
    ) {
        self.users = users
        self.groups = groups
        self.source = source
        self.sourceSHA256 = sourceSHA256
        self.sourceBytes = sourceBytes
    }
}
