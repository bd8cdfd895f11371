import Foundation

/// Reads system exports and the HR export through their mappings into accounts and
/// employment records. A problem anywhere in a file rejects the whole file: no partial
/// export is ever reconciled.
public enum ExportLoader {
    public static func loadSystem(export path: String, mapping: SystemMapping) throws -> SystemExport {
        // The file's SHA-256 is computed on another core while this one parses.
        let hashing = BackgroundHash(path: path)
        // At most one account per 400 bytes of export. Only the array is reserved: its pages
        // are touched as accounts arrive, while a dictionary's buckets are written all over,
        // so a reserved one would cost memory in proportion to the file's bytes.
        let estimate = min(
            10_000_000, ((try? FileManager.default.attributesOfItem(atPath: path)[.size] as? Int) ?? 0) / 400)
        // libxml2 parses on this thread while another makes the strings and builds the accounts.
        var (output, assembler) = try BatchPipe<RecordBatch>.overlap(
            AccountAssembler(path: path, mapping: mapping, estimate: estimate), batchSize: 1, depth: 16,
            consume: { $0.add($1) },
            produce: { try XMLRecordReader(path: path, plan: mapping.recordPlan).read(batchSize: 512, $0) })
        var problems = assembler.problems
        for (index, record) in mapping.records.enumerated() where output.countsPerType[index] == 0 && !record.allowEmpty
        {
            problems.append(
                Diagnostic(
                    file: mapping.file, line: record.line,
                    "the record path '\(record.path)' matches nothing in \(path); fix the path, or set 'allow_empty: true' if an empty list is expected"
                ))
        }
        problems += assembler.accountsWithoutStatus()
        if !problems.isEmpty { throw DiagnosticList(Array(problems.prefix(100))) }

        let exportedOn = try exportDate(output, mapping: mapping, path: path)
        let accounts = assembler.finishedAccounts()
        let (sha, bytes) = try hashing.result()
        var export = SystemExport(
            system: mapping.system, name: mapping.name, owner: mapping.owner, file: path, sha256: sha,
            bytes: bytes, records: output.records, exportedOn: exportedOn, hasLastLogin: assembler.readsLastLogin,
            accounts: accounts, warnings: emptyFieldWarnings(output, mapping: mapping, path: path))
        export.deputyOwner = mapping.deputyOwner
        return export
    }

    public static func loadHR(export path: String, mapping: SystemMapping) throws -> HRSnapshot {
        let (sha, bytes) = try Hashing.sha256Hex(fileAt: path)
        var records: [String: HRRecord] = [:]
        var problems: [Diagnostic] = []
        let layouts = mapping.records.map { record in
            Dictionary(uniqueKeysWithValues: record.fields.enumerated().map { ($0.element.name, $0.offset) })
        }
        let reader = XMLRecordReader(path: path, plan: mapping.recordPlan)
        let output = try reader.read { batch in
            for record in batch.records {
                let layout = layouts[record.type]
                func value(_ name: String) -> String? { layout[name].flatMap { record.first($0) } }
                guard let id = value("employee_id") else {
                    problems.append(Diagnostic(file: path, line: record.line, "an HR record without employee_id"))
                    continue
                }
                var hr = records[id] ?? HRRecord(employeeId: id, line: record.line)
                func date(_ name: String) -> Day? {
                    guard let text = value(name) else { return nil }
                    for pattern in mapping.dates { if let day = pattern.parse(text) { return day } }
                    problems.append(
                        Diagnostic(
                            file: path, line: record.line,
                            "employee \(id): '\(text)' in field '\(name)' fits none of the date patterns \(mapping.dates.map(\.pattern).joined(separator: ", "))"
                        ))
                    return nil
                }
                hr.endDate = date("end_date") ?? hr.endDate
                hr.startDate = date("start_date") ?? hr.startDate
                hr.title = value("title") ?? hr.title
                hr.name = value("name") ?? hr.name
                hr.department = value("department") ?? hr.department
                hr.managerEmployeeId = value("manager_employee_id") ?? hr.managerEmployeeId
                records[id] = hr
            }
        }
        for (index, record) in mapping.records.enumerated() where output.countsPerType[index] == 0 && !record.allowEmpty
        {
            problems.append(
                Diagnostic(
                    file: mapping.file, line: record.line, "the record path '\(record.path)' matches nothing in \(path)"
                ))
        }
        if !problems.isEmpty { throw DiagnosticList(Array(problems.prefix(100))) }
        return HRSnapshot(
            file: path, sha256: sha, bytes: bytes, records: records.values.sorted { $0.employeeId < $1.employeeId },
            warnings: emptyFieldWarnings(output, mapping: mapping, path: path))
    }

    private static func exportDate(_ output: XMLRecordReader.Output, mapping: SystemMapping, path: String) throws
        -> Day?
    {
        guard let spec = mapping.exportDate else { return nil }
        guard let raw = output.exportDate.flatMap(Text.clean) else {
            throw DiagnosticList([
                Diagnostic(file: path, "the export has no date at '\(spec)' (export_date in \(mapping.file))")
            ])
        }
        guard let day = mapping.dates.lazy.compactMap({ $0.parse(raw) }).first else {
            throw DiagnosticList([
                Diagnostic(file: path, "the export date '\(raw)' fits none of the date patterns of \(mapping.file)")
            ])
        }
        return day
    }

    /// A field that is empty in every record is most likely a typo in its path.
    private static func emptyFieldWarnings(_ output: XMLRecordReader.Output, mapping: SystemMapping, path: String)
        -> [Diagnostic]
    {
        var warnings: [Diagnostic] = []
        for (type, record) in mapping.records.enumerated() where output.countsPerType[type] > 0 {
            for (index, field) in record.fields.enumerated() where !output.filled[type][index] {
                warnings.append(
                    Diagnostic(
                        .warning, file: mapping.file, line: field.line, column: field.column,
                        "field '\(field.name)' ('\(field.xpath)') is empty in all \(output.countsPerType[type]) records of \(path); is the path right?"
                    ))
            }
        }
        return warnings
    }
}

/// Builds a system's accounts from its records: merges the records of one account, maps
/// status values, parses dates, and collects every problem instead of stopping at the first.
struct AccountAssembler {
    /// Where each reserved field sits in a record type's values.
    private struct Layout {
        var key: Int?
        var roles: Int?
        var status: Int?
        var lastLogin: Int?
        var validTo: Int?
        var others: [(name: String, index: Int)] = []
        /// The names of `others`, sorted, shared by the keys of every account made from one such record.
        var sortedNames: [String] = []

        init(_ record: SystemMapping.RecordSpec, keyField: String) {
            for (index, field) in record.fields.enumerated() {
                switch field.name {
                case keyField: key = index
                case "roles": roles = index
                case "status": status = index
                case "last_login": lastLogin = index
                case "valid_to": validTo = index
                default: others.append((field.name, index))
                }
            }
            others.sort { $0.name < $1.name }
            sortedNames = others.map(\.name)
        }
    }

    let path: String
    let mapping: SystemMapping
    let readsStatus: Bool
    let readsLastLogin: Bool
    private(set) var problems: [Diagnostic] = []
    private var accounts: [Account] = []
    private var indexById = AccountIndex()
    private var statusSeen: [Bool] = []
    /// Each role name once, however many accounts hold it.
    private var roleNames = InternedValues()
    private let layouts: [Layout]
    private let statuses: StatusTable

    init(path: String, mapping: SystemMapping, estimate: Int) {
        self.path = path
        self.mapping = mapping
        layouts = mapping.records.map { Layout($0, keyField: "account") }
        readsStatus = layouts.contains { $0.status != nil }
        readsLastLogin = layouts.contains { $0.lastLogin != nil }
        statuses = StatusTable(active: mapping.activeValues, disabled: mapping.disabledValues)
        accounts.reserveCapacity(estimate)
    }

    mutating func add(_ batch: RecordBatch) {
        for record in batch.records { add(record) }
    }

    private mutating func add(_ record: RecordBatch.RecordView) {
        let layout = layouts[record.type]
        guard let keyIndex = layout.key, let id = record.first(keyIndex) else {
            problems.append(
                Diagnostic(
                    file: path, line: record.line, "a record without an account id (field 'account' of \(mapping.file))"
                ))
            return
        }
        let (position, added) = indexById.position(of: id, in: accounts, addingAt: accounts.count)
        if added {
            accounts.append(Account(account: id, line: record.line))
            statusSeen.append(false)
        }
        if let index = layout.roles {
            // Kept sorted and unique as they come: accounts hold a handful of roles.
            let roles = record.internedValues(index, in: &roleNames)
            // Room for a record's roles at once (an attribute-centric record brings them all),
            // not grown by doubling to up to twice what they need.
            if roles.count > 1 {
                accounts[position].roles.reserveCapacity(accounts[position].roles.count + roles.count)
            }
            for role in roles {
                var at = accounts[position].roles.count
                while at > 0, accounts[position].roles[at - 1] > role { at -= 1 }
                if at == 0 || accounts[position].roles[at - 1] != role { accounts[position].roles.insert(role, at: at) }
            }
        }
        if let index = layout.status, let value = record.first(index) {
            if let status = statuses.status(of: value) {
                accounts[position].status = status
                statusSeen[position] = true
            } else {
                problems.append(
                    Diagnostic(
                        file: path, line: record.line,
                        "account '\(id)': status '\(value)' is neither active (\(mapping.activeValues.joined(separator: ", "))) nor disabled (\(mapping.disabledValues.joined(separator: ", "))) in \(mapping.file)"
                    ))
            }
        }
        if let index = layout.lastLogin, let value = record.first(index),
            let parsed = day(value, field: "last_login", id: id, line: record.line)
        {
            accounts[position].lastLogin = max(accounts[position].lastLogin ?? parsed, parsed)
        }
        if let index = layout.validTo, let value = record.first(index),
            let parsed = day(value, field: "valid_to", id: id, line: record.line)
        {
            accounts[position].validTo = min(accounts[position].validTo ?? parsed, parsed)
        }
        if accounts[position].keys.isEmpty, !layout.others.isEmpty {
            // The usual case, a new account from a record with every key: the names are shared.
            let values = layout.others.compactMap { record.first($0.index) }
            if values.count == layout.others.count {
                accounts[position].keys = AccountKeys(sortedNames: layout.sortedNames, values: values)
                return
            }
        }
        for (name, index) in layout.others where accounts[position].keys[name] == nil {
            if let value = record.first(index) { accounts[position].keys[name] = value }
        }
    }

    private mutating func day(_ value: String, field: String, id: String, line: Int) -> Day? {
        for pattern in mapping.dates { if let day = pattern.parse(value) { return day } }
        problems.append(
            Diagnostic(
                file: path, line: line,
                "account '\(id)': '\(value)' in field '\(field)' fits none of the date patterns \(mapping.dates.map(\.pattern).joined(separator: ", ")) of \(mapping.file)"
            ))
        return nil
    }

    /// An account seen only in records without a status, when the mapping reads one.
    func accountsWithoutStatus() -> [Diagnostic] {
        guard readsStatus else { return [] }
        var problems: [Diagnostic] = []
        for (position, seen) in statusSeen.enumerated() where !seen {
            problems.append(
                Diagnostic(
                    file: path, line: accounts[position].line,
                    "account '\(accounts[position].account)' has no status: it appears only in records without one (an assignment to an account the export does not list?)"
                ))
            if problems.count > 50 { break }
        }
        return problems
    }

    /// The accounts sorted by id.
    mutating func finishedAccounts() -> [Account] {
        indexById = AccountIndex()
        // Exports are usually sorted by account already; checking costs a fraction of sorting.
        if accounts.indices.dropFirst().contains(where: { accounts[$0 - 1].account >= accounts[$0].account }) {
            accounts.sort { $0.account < $1.account }
        }
        let result = accounts
        accounts = []
        return result
    }
}

/// Status values of a mapping, compared exactly first and case-insensitively after.
struct StatusTable {
    private var exact: [String: AccountStatus] = [:]
    private var folded: [String: AccountStatus] = [:]

    init(active: [String], disabled: [String]) {
        for value in active { exact[value] = .active; folded[value.matchKey] = .active }
        for value in disabled { exact[value] = .disabled; folded[value.matchKey] = .disabled }
    }

    func status(of value: String) -> AccountStatus? { exact[value] ?? folded[value.matchKey] }
}
