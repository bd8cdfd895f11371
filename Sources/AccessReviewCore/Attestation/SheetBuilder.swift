import Crypto
import Foundation

/// One reviewer's attestation sheet: the lines they must decide, in a stable order.
public struct Sheet: Sendable {
    public enum Capacity: String, Sendable { case manager, systemOwner = "system-owner" }

    /// A row: its id and which line it shows. The line is read from the shared list rather
    /// than copied, so that millions of rows cost a few words each.
    public struct Row: Sendable {
        public var rowId: String
        public var capacity: Capacity
        let store: LineStore
        let index: Int

        /// Yielded in place: a copy of the line would retain each of its strings.
        public var line: AccessLine {
            _read { yield store.lines[index] }
        }
    }

    public var reviewer: String
    public var reviewerName: String?
    public var rows: [Row]

    public var flaggedRows: Int { rows.filter { !$0.line.codes.isEmpty }.count }
}

/// The access lines of one reconciliation, shared by every sheet's rows.
final class LineStore: Sendable {
    let lines: [AccessLine]
    init(_ lines: [AccessLine]) { self.lines = lines }
}

/// Cuts the reconciliation result into one sheet per reviewer, each row with a row id that
/// is an HMAC-SHA256, keyed by the campaign's secret, over campaign, reviewer and every cell
/// of the row that the reviewer must not change.
public struct SheetBuilder: Sendable {
    public var context: SheetContext
    /// The campaign secret's bytes (`SymmetricKey` is not `Sendable`).
    var keyBytes: Data

    public init(context: SheetContext, key: SymmetricKey) {
        self.context = context
        self.keyBytes = key.withUnsafeBytes { Data($0) }
    }

    public var campaign: String { context.campaign }

    public func sheets(for result: ReconcileResult) -> [Sheet] {
        let signer = RowSigner(key: SymmetricKey(data: keyBytes))
        func rowId(reviewer: String, line: AccessLine, capacity: Sheet.Capacity) -> String {
            signer.rowId(campaign: campaign, reviewer: reviewer, cells: context.signedCells(line, capacity: capacity))
        }
        var names: [String: String] = [:]
        for identity in result.identities { names[identity.user.id] = identity.user.name }
        var rows: [String: [Sheet.Row]] = [:]
        let store = LineStore(result.lines)
        for (index, line) in result.lines.enumerated() {
            rows[line.reviewer, default: []].append(Sheet.Row(rowId: rowId(reviewer: line.reviewer, line: line, capacity: .manager),
                                                              capacity: .manager, store: store, index: index))
            if let second = line.secondReviewer {
                rows[second, default: []].append(Sheet.Row(rowId: rowId(reviewer: second, line: line, capacity: .systemOwner),
                                                           capacity: .systemOwner, store: store, index: index))
            }
        }
        return rows.keys.sorted().map { reviewer in
            let list = rows[reviewer]!
            let keys = list.map { row in
                (row.line.name ?? row.line.identity ?? "~", row.line.identity ?? "~", row.line.system, row.line.role.matchKey, row.line.account)
            }
            let sorted = keys.indices.sorted { keys[$0] < keys[$1] }.map { list[$0] }
            return Sheet(reviewer: reviewer, reviewerName: names[reviewer], rows: sorted)
        }
    }

}

/// Row ids: the first 12 bytes (96 bits) of an HMAC-SHA256, as 24 hex digits.
public struct RowSigner {
    public var key: SymmetricKey
    /// The HMAC with its key already absorbed; copied for each row (keying costs two hash blocks).
    private let keyed: HMAC<SHA256>

    public init(key: SymmetricKey) {
        self.key = key
        keyed = HMAC<SHA256>(key: key)
    }

    /// HMAC-SHA256 over campaign, reviewer and the cells, separated by U+001F.
    public func rowId(campaign: String, reviewer: String, cells: [String]) -> String {
        var message: [UInt8] = []
        message.reserveCapacity(256)
        message.append(contentsOf: campaign.utf8)
        message.append(0x1F)
        message.append(contentsOf: reviewer.utf8)
        for cell in cells {
            message.append(0x1F)
            message.append(contentsOf: cell.utf8)
        }
        var mac = keyed
        mac.update(data: message)  // one update: each call goes through the generic DataProtocol path
        return Hashing.hex(mac.finalize().prefix(12))
    }
}
