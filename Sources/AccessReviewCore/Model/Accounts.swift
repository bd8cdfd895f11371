import Foundation

public enum AccountStatus: String, Sendable { case active, disabled }

/// One account of one system as its export shows it, after merging its record types.
public struct Account: Sendable, Equatable {
    public var account: String
    /// Correlation keys: every non-reserved field of the mapping, by field name.
    public var keys: AccountKeys
    /// Role names, sorted and without duplicates.
    public var roles: [String]
    // The status byte follows the last login's tag byte and the line is 32 bits after the
    // valid-to day: 80 bytes an account, not 96 (an export holds millions).
    public var lastLogin: Day?
    public var status: AccountStatus
    public var validTo: Day?
    private var storedLine: UInt32
    /// Line in the export where the account's first record starts.
    public var line: Int {
        get { Int(storedLine) }
        set { storedLine = UInt32(clamping: newValue) }
    }

    public init(
        account: String, keys: AccountKeys = [:], roles: [String] = [], status: AccountStatus = .active,
        lastLogin: Day? = nil, validTo: Day? = nil, line: Int = 0
    ) {
        self.account = account
        self.keys = keys
        self.roles = roles
        self.status = status
        self.lastLogin = lastLogin
        self.validTo = validTo
        self.storedLine = UInt32(clamping: line)
    }
}

/// An account's correlation keys by field name, kept sorted by name: cheaper than a
/// dictionary for each of millions of accounts.
///
/// The names of accounts read from the same kind of record are one shared array
/// (`init(sortedNames:values:)`), and the values are one string, each followed by U+001F
/// (a character no XML document can hold): an account with a login and an e-mail address
/// pays for one string of 40 bytes, where an array of two strings cost 144.
public struct AccountKeys: Sendable, Equatable, ExpressibleByDictionaryLiteral, Sequence {
    private var names: [String] = []
    private var packed = ""
    private static let separator: Character = "\u{1F}"

    public init(dictionaryLiteral elements: (String, String)...) {
        for (name, value) in elements { self[name] = value }
    }

    /// Keys whose names are sorted and distinct, one value each: `names` is shared, not copied.
    init(sortedNames names: [String], values: [String]) {
        precondition(names.count == values.count)
        self.names = names
        self.packed = Self.pack(values)
    }

    private static func pack(_ values: [String]) -> String {
        var text = ""
        text.reserveCapacity(values.reduce(0) { $0 + $1.utf8.count + 1 })
        for value in values {
            // Unreachable from an export (XML forbids the character); kept unambiguous anyway.
            text += value.utf8.contains(0x1F) ? value.replacingOccurrences(of: "\u{1F}", with: "\u{FFFD}") : value
            text.append(separator)
        }
        return text
    }

    /// Each value's place in `packed`, in name order; `body` returns false to stop.
    private func forEachValue(_ body: (Int, Range<String.Index>) -> Bool) {
        var number = 0
        var start = packed.utf8.startIndex
        for index in packed.utf8.indices where packed.utf8[index] == 0x1F {
            guard body(number, start..<index) else { return }
            number += 1
            start = packed.utf8.index(after: index)
        }
    }

    private var values: [String] {
        var values: [String] = []
        values.reserveCapacity(names.count)
        forEachValue { _, range in
            values.append(String(packed[range]))
            return true
        }
        return values
    }

    public var pairs: [(name: String, value: String)] { Array(zip(names, values)) }

    public subscript(name: String) -> String? {
        get {
            guard let position = names.firstIndex(of: name) else { return nil }
            var value: String?
            forEachValue { number, range in
                if number == position { value = String(packed[range]) }
                return number < position
            }
            return value
        }
        set {
            var values = self.values
            let index = names.firstIndex { $0 >= name } ?? names.endIndex
            let present = index < names.endIndex && names[index] == name
            switch (newValue, present) {
            case (let value?, true): values[index] = value
            case (let value?, false):
                names.insert(name, at: index)
                values.insert(value, at: index)
            case (nil, true):
                names.remove(at: index)
                values.remove(at: index)
            case (nil, false): return
            }
            packed = Self.pack(values)
        }
    }

    public var isEmpty: Bool { names.isEmpty }
    public var count: Int { names.count }

    public func makeIterator() -> IndexingIterator<[(name: String, value: String)]> { pairs.makeIterator() }

    public static func == (a: AccountKeys, b: AccountKeys) -> Bool { a.names == b.names && a.packed == b.packed }
}

/// One system's parsed export.
public struct SystemExport: Sendable {
    public var system: String
    public var name: String
    public var owner: String?
    /// The mapping's `deputy_owner`.
    public var deputyOwner: String?
    public var file: String
    public var sha256: String
    public var bytes: Int
    public var records: Int
    /// When the export says it was made; nil when the mapping has no `export_date`.
    public var exportedOn: Day?
    /// Whether the mapping reads a last-login field (dormancy is judged only then).
    public var hasLastLogin: Bool
    public var accounts: [Account]
    /// Problems that do not stop the run, such as a field empty in every record.
    public var warnings: [Diagnostic]

    public init(
        system: String, name: String, owner: String?, file: String, sha256: String, bytes: Int, records: Int,
        exportedOn: Day?, hasLastLogin: Bool, accounts: [Account], warnings: [Diagnostic] = []
    ) {
        self.warnings = warnings
        self.system = system
        self.name = name
        self.owner = owner
        self.file = file
        self.sha256 = sha256
        self.bytes = bytes
        self.records = records
        self.exportedOn = exportedOn
        self.hasLastLogin = hasLastLogin
        self.accounts = accounts
    }
}

public struct AccountsSnapshot: Sendable {
    public var systems: [SystemExport]
    public init(systems: [SystemExport]) { self.systems = systems }
}

/// An employment record from the HR export.
public struct HRRecord: Sendable, Equatable {
    public var employeeId: String
    public var name: String?
    public var startDate: Day?
    public var endDate: Day?
    public var title: String?
    public var department: String?
    public var managerEmployeeId: String?
    public var line: Int

    public init(
        employeeId: String, name: String? = nil, startDate: Day? = nil, endDate: Day? = nil, title: String? = nil,
        department: String? = nil, managerEmployeeId: String? = nil, line: Int = 0
    ) {
        self.employeeId = employeeId
        self.name = name
        self.startDate = startDate
        self.endDate = endDate
        self.title = title
        self.department = department
        self.managerEmployeeId = managerEmployeeId
        self.line = line
    }
}

public struct HRSnapshot: Sendable {
    public var file: String
    public var sha256: String
    public var bytes: Int
    public var records: [HRRecord]
    public var warnings: [Diagnostic]
    public init(file: String, sha256: String, bytes: Int, records: [HRRecord], warnings: [Diagnostic] = []) {
        self.warnings = warnings
        self.file = file
        self.sha256 = sha256
        self.bytes = bytes
        self.records = records
    }
}
