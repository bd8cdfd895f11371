import Foundation

/// `review_groups: true`: the directory's own groups reviewed like a system with id `directory`.
enum DirectoryGroupsSystem {
    static let id = "directory"

    static func make(directory: DirectorySnapshot) -> (SystemExport, SystemMapping) {
        var names: [String: String] = [:]
        for group in directory.groups { names[DN.normalise(group.dn)] = group.name }
        let accounts = directory.users.map { user in
            Account(
                account: user.id, keys: [:], roles: user.groups.compactMap { names[DN.normalise($0)] }.sorted(),
                status: user.disabled ? .disabled : .active)
        }.filter { !$0.roles.isEmpty }
        let export = SystemExport(
            system: id, name: "Directory groups", owner: nil, file: directory.source,
            sha256: directory.sourceSHA256 ?? "", bytes: directory.sourceBytes ?? 0, records: accounts.count,
            exportedOn: nil, hasLastLogin: false, accounts: accounts)
        let mapping = SystemMapping(
            file: directory.source, kind: .system, system: id, name: "Directory groups", owner: nil, ownerLine: 0,
            records: [], namespaces: [:], activeValues: [], disabledValues: [], dates: [],
            correlate: [.init(field: "account", identity: .id, line: 0)], serviceAccounts: [], exportDate: nil)
        return (export, mapping)
    }
}
