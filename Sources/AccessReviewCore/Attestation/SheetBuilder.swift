import Crypto
import Foundation

/// One reviewer's attestation sheet: the lines they must decide, in a stable order.
public struct Sheet: Sendable {
    public enum Capacity: String, Sendable { case manager, systemOwner = "system-owner" }

    public struct Row: Sendable {
        public var rowId: String
        public var line: AccessLine
        public var capacity: Capacity
    }

    public var reviewer: String
    public var reviewerName: String?
    public var rows: [Row]

    public var flaggedRows: Int { rows.filter { !$0.line.codes.isEmpty }.count }
}

/// Cuts the reconciliation result into one sheet per reviewer.
public struct SheetBuilder: Sendable {
    public var campaign: String

    public init(campaign: String) { self.campaign = campaign }

    public func sheets(for result: ReconcileResult) -> [Sheet] {
        var names: [String: String] = [:]
        for identity in result.identities { names[identity.user.id] = identity.user.name }
        var rows: [String: [Sheet.Row]] = [:]
        for line in result.lines {
            rows[line.reviewer, default: []].append(Sheet.Row(rowId: rowId(reviewer: line.reviewer, line: line), line: line, capacity: .manager))
            if let second = line.secondReviewer {
                rows[second, default: []].append(Sheet.Row(rowId: rowId(reviewer: second, line: line), line: line, capacity: .systemOwner))
            }
        }
        return rows.keys.sorted().map { reviewer in
            let sorted = rows[reviewer]!.sorted {
                let a = $0.line, b = $1.line
                return (a.name ?? a.identity ?? "~", a.identity ?? "~", a.system, a.role.matchKey, a.account)
                    < (b.name ?? b.identity ?? "~", b.identity ?? "~", b.system, b.role.matchKey, b.account)
            }
            return Sheet(reviewer: reviewer, reviewerName: names[reviewer], rows: sorted)
        }
    }

    /// A row id bound to campaign, reviewer and the row's content. The keyed (HMAC) form that
    /// makes returned sheets tamper-evident comes with the decisions import.
    func rowId(reviewer: String, line: AccessLine) -> String {
        let content = [campaign, reviewer, line.identity ?? "", line.system, line.account, line.role].joined(separator: "\u{1F}")
        let digest = SHA256.hash(data: Data(content.utf8))
        return digest.prefix(8).map { String(format: "%02x", $0) }.joined()
    }
}
