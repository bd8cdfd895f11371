import Foundation

/// One directory entry as a source delivers it: a DN and attribute values.
/// Attribute names are kept lower-cased; LDAP compares them case-insensitively.
public struct DirectoryEntry: Sendable {
    public var dn: String
    public var attributes: [String: [String]]
    /// Where the entry starts in its source file (LDIF line), 0 for LDAP.
    public var line: Int

    public init(dn: String, attributes: [String: [String]], line: Int = 0) {
        self.dn = dn
        self.attributes = attributes
        self.line = line
    }

    public func values(_ name: String) -> [String] { attributes[name.lowercased()] ?? [] }
    public func first(_ name: String) -> String? { values(name).first }
}
