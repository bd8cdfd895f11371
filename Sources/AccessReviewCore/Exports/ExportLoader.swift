import Foundation

/// Reads system exports and the HR export through their mappings into accounts and
/// employment records. A problem anywhere in a file rejects the whole file: no partial
/// export is ever reconciled.
public enum ExportLoader {
    public static func loadSystem(export path: String, mapping: SystemMapping) throws -> SystemExport {
        let (sha, bytes) = try Hashing.sha256Hex(fileAt: path)
        var accounts: [String: Account] = [:]
        var order: [String] = []
        var statusSeen: Set<String> = []
        var problems: [Diagnostic] = []
        let readsStatus = mapping.records.contains { $0.fields.contains { $0.name == "status" } }
        let readsLastLogin = mapping.records.contains { $0.fields.contains { $0.name == "last_login" } }
        let active = Set(mapping.activeValues.map(\.matchKey))
        let disabled = Set(mapping.disabledValues.map(\.matchKey))
        var filledFields: Set<String> = []

        let reader = XMLRecordReader(path: path, mapping: mapping)
        let output = try reader.read { record in
            for (name, values) in record.fields where values.contains(where: { $0.cleaned != nil }) { filledFields.insert(name) }
            guard let id = record.fields["account"]?.first?.cleaned else {
                problems.append(Diagnostic(file: path, line: record.line, "a record without an account id (field 'account' of \(mapping.file))"))
                return
            }
            var account = accounts[id] ?? Account(account: id, line: record.line)
            if accounts[id] == nil { order.append(id) }
            for (name, values) in record.fields {
                let cleaned = values.compactMap(\.cleaned)
                switch name {
                case "account": break
                case "roles": account.roles.append(contentsOf: cleaned)
                case "status":
                    guard let value = cleaned.first else { break }
                    let key = value.matchKey
                    if active.contains(key) {
                        account.status = .active
                    } else if disabled.contains(key) {
                        account.status = .disabled
                    } else {
                        problems.append(Diagnostic(file: path, line: record.line,
                                                   "account '\(id)': status '\(value)' is neither active (\(mapping.activeValues.joined(separator: ", "))) nor disabled (\(mapping.disabledValues.joined(separator: ", "))) in \(mapping.file)"))
                    }
                    statusSeen.insert(id)
                case "last_login", "valid_to":
                    guard let value = cleaned.first else { break }
                    guard let day = mapping.dates.lazy.compactMap({ $0.parse(value) }).first else {
                        problems.append(Diagnostic(file: path, line: record.line,
                                                   "account '\(id)': '\(value)' in field '\(name)' fits none of the date patterns \(mapping.dates.map(\.pattern).joined(separator: ", "))"))
                        break
                    }
                    if name == "last_login" {
                        account.lastLogin = max(account.lastLogin ?? day, day)
                    } else {
                        account.validTo = account.validTo.map { min($0, day) } ?? day
                    }
                default:
                    if account.keys[name] == nil, let value = cleaned.first { account.keys[name] = value }
                }
            }
            accounts[id] = account
        }
        for (index, record) in mapping.records.enumerated() where output.countsPerType[index] == 0 && !record.allowEmpty {
            problems.append(Diagnostic(file: mapping.file, line: record.line,
                                       "the record path '\(record.path)' matches nothing in \(path); fix the path, or set 'allow_empty: true' if an empty list is expected"))
        }
        if readsStatus {
            for id in order where !statusSeen.contains(id) {
                problems.append(Diagnostic(file: path, line: accounts[id]?.line,
                                           "account '\(id)' has no status: it appears only in records without one (an assignment to an account the export does not list?)"))
            }
        }
        if !problems.isEmpty { throw DiagnosticList(problems) }

        var exportedOn: Day?
        if let spec = mapping.exportDate {
            guard let raw = output.exportDate?.cleaned else {
                throw DiagnosticList([Diagnostic(file: path, "the export has no date at '\(spec)' (export_date in \(mapping.file))")])
            }
            guard let day = mapping.dates.lazy.compactMap({ $0.parse(raw) }).first else {
                throw DiagnosticList([Diagnostic(file: path, "the export date '\(raw)' fits none of the date patterns of \(mapping.file)")])
            }
            exportedOn = day
        }

        var list = order.compactMap { accounts[$0] }
        for index in list.indices {
            list[index].roles = Array(Set(list[index].roles)).sorted()
        }
        list.sort { $0.account < $1.account }
        return SystemExport(system: mapping.system, name: mapping.name, owner: mapping.owner, file: path, sha256: sha,
                            bytes: bytes, records: output.records, exportedOn: exportedOn, hasLastLogin: readsLastLogin,
                            accounts: list)
    }

    public static func loadHR(export path: String, mapping: SystemMapping) throws -> HRSnapshot {
        let (sha, bytes) = try Hashing.sha256Hex(fileAt: path)
        var records: [String: HRRecord] = [:]
        var problems: [Diagnostic] = []
        let reader = XMLRecordReader(path: path, mapping: mapping)
        let output = try reader.read { record in
            guard let id = record.fields["employee_id"]?.first?.cleaned else {
                problems.append(Diagnostic(file: path, line: record.line, "an HR record without employee_id"))
                return
            }
            var hr = records[id] ?? HRRecord(employeeId: id, line: record.line)
            func date(_ name: String) -> Day? {
                guard let value = record.fields[name]?.first?.cleaned else { return nil }
                guard let day = mapping.dates.lazy.compactMap({ $0.parse(value) }).first else {
                    problems.append(Diagnostic(file: path, line: record.line,
                                               "employee \(id): '\(value)' in field '\(name)' fits none of the date patterns \(mapping.dates.map(\.pattern).joined(separator: ", "))"))
                    return nil
                }
                return day
            }
            hr.endDate = date("end_date") ?? hr.endDate
            hr.startDate = date("start_date") ?? hr.startDate
            hr.title = record.fields["title"]?.first?.cleaned ?? hr.title
            hr.name = record.fields["name"]?.first?.cleaned ?? hr.name
            hr.department = record.fields["department"]?.first?.cleaned ?? hr.department
            hr.managerEmployeeId = record.fields["manager_employee_id"]?.first?.cleaned ?? hr.managerEmployeeId
            records[id] = hr
        }
        for (index, record) in mapping.records.enumerated() where output.countsPerType[index] == 0 && !record.allowEmpty {
            problems.append(Diagnostic(file: mapping.file, line: record.line, "the record path '\(record.path)' matches nothing in \(path)"))
        }
        if !problems.isEmpty { throw DiagnosticList(problems) }
        return HRSnapshot(file: path, sha256: sha, bytes: bytes, records: records.values.sorted { $0.employeeId < $1.employeeId })
    }
}
