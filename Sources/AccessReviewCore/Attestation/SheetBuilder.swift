import Crypto
import Foundation

/// One reviewer's attestation sheet: the lines they must decide, in a stable order.
public struct Sheet: Sendable {
    public enum Capacity: String, Sendable { case manager, systemOwner = "system-owner" }

    /// A row: its id and which line it shows. The line is read from the shared list rather
    /// than copied, so that millions of rows cost a few words each.
    public struct Row: Sendable {
        /// The row id as its 96 bits: a million rows would otherwise hold a million strings.
        var id: RowId
        public var capacity: Capacity
        let store: LineStore
        let index: Int32

        /// The row id as the sheet shows it: 24 hex digits.
        public var rowId: String { id.hex }

        /// Yielded in place: a copy of the line would retain each of its strings.
        public var line: AccessLine {
            _read { yield store.lines[Int(index)] }
        }
    }

    public var reviewer: String
    public var reviewerName: String?
    public var rows: [Row]

    public var flaggedRows: Int { rows.filter { !$0.line.codes.isEmpty }.count }

    /// In which capacity a line's reviewer has it: a line of no person (an orphan or
    /// ambiguous account, a service account) is the system owner's (or the account owner's)
    /// to judge; a person's line their manager's.
    public static func primaryCapacity(_ line: AccessLine) -> Capacity {
        line.identity == nil ? .systemOwner : .manager
    }

    public init(reviewer: String, reviewerName: String?, rows: [Row]) {
        self.reviewer = reviewer
        self.reviewerName = reviewerName
        self.rows = rows
    }
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
        var names: [String: String] = [:]
        for identity in result.identities { names[identity.user.id] = identity.user.name }
        // Which lines go on which reviewer's sheet. Lines come by identity, so consecutive
        // lines mostly share a reviewer: the last sheet found is tried first.
        var sheetOfReviewer: [String: Int] = [:]
        var reviewers: [String] = []
        var members: [[(index: Int32, capacity: Sheet.Capacity)]] = []
        var last = (reviewer: "", sheet: -1)
        func sheet(of reviewer: String) -> Int {
            if reviewer == last.reviewer, last.sheet >= 0 { return last.sheet }
            let number: Int
            if let known = sheetOfReviewer[reviewer] {
                number = known
            } else {
                number = reviewers.count
                sheetOfReviewer[reviewer] = number
                reviewers.append(reviewer)
                members.append([])
            }
            last = (reviewer, number)
            return number
        }
        for (index, line) in result.lines.enumerated() {
            members[sheet(of: line.reviewer)].append((Int32(index), Sheet.primaryCapacity(line)))
            if let second = line.secondReviewer { members[sheet(of: second)].append((Int32(index), .systemOwner)) }
        }
        // Each sheet's rows signed and sorted on every core: an HMAC a row is most of the work.
        let store = LineStore(result.lines)
        let order = reviewers.indices.sorted { reviewers[$0] < reviewers[$1] }
        let built = ResultSlots<Sheet>(count: order.count)
        let builder = self
        DispatchQueue.concurrentPerform(iterations: min(order.count, 64)) { [reviewers, members, names] chunk in
            let signer = RowSigner(key: SymmetricKey(data: builder.keyBytes))
            var position = chunk
            while position < order.count {
                let number = order[position]
                let reviewer = reviewers[number]
                let list = members[number].map { member in
                    let line = store.lines[Int(member.index)]
                    return Sheet.Row(
                        id: signer.id(
                            campaign: builder.campaign, reviewer: reviewer,
                            cells: builder.context.signedCells(line, capacity: member.capacity)),
                        capacity: member.capacity, store: store, index: member.index)
                }
                let keys = list.map { row in
                    (
                        row.line.name ?? row.line.identity ?? "~", row.line.identity ?? "~", row.line.system,
                        row.line.role.matchKey, row.line.account
                    )
                }
                let sorted = keys.indices.sorted { keys[$0] < keys[$1] }.map { list[$0] }
                built.set(position, .success(Sheet(reviewer: reviewer, reviewerName: names[reviewer], rows: sorted)))
                position += 64
            }
        }
        return order.indices.compactMap { position in
            if case .success(let sheet)? = built.take(position) { return sheet }
            return nil
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

    /// HMAC-SHA256 over campaign, reviewer and the cells (`SheetLayout.signedCells`: every
    /// column but Decision, Comment and the row id), separated by U+001F, as 24 hex digits.
    /// The history findings (REVOCATION_NOT_DONE, REVIEW_OVERDUE, SENSITIVE_REVIEW_DUE) are
    /// shown in the Findings and Codes cells but not signed:
    /// they say how the campaign is going, not what the access is, so a line that becomes
    /// overdue, or whose removal is late, keeps its row id and the decision already made on it.
    public func rowId(campaign: String, reviewer: String, cells: [String]) -> String {
        id(campaign: campaign, reviewer: reviewer, cells: cells).hex
    }

    func id(campaign: String, reviewer: String, cells: [String]) -> RowId {
        var message: [UInt8] = []
        message.reserveCapacity(256)
        message.append(contentsOf: campaign.utf8)
        message.append(0x1F)
        message.append(contentsOf: reviewer.utf8)
        for (index, cell) in cells.enumerated() {
            message.append(0x1F)
            if index == SheetLayout.signedCodesIndex, !cell.isEmpty {
                message.append(contentsOf: Self.withoutHistoryCodes(cell).utf8)
            } else if index == SheetLayout.signedFindingIndex, !cell.isEmpty {
                message.append(contentsOf: Self.withoutHistoryPhrases(cell).utf8)
            } else {
                message.append(contentsOf: cell.utf8)
            }
        }
        var mac = keyed
        mac.update(data: message)  // one update: each call goes through the generic DataProtocol path
        return RowId(mac.finalize().prefix(12))
    }
}

extension RowSigner {
    /// The history findings in words, in every sheet language.
    static let historyPhrases: Set<String> = Set(
        FindingCode.allCases.filter(\.needsHistory).flatMap { code in
            Language.allCases.map { Messages($0).findingPhrase(code) }
        })

    static func withoutHistoryPhrases(_ cell: String) -> String {
        let phrases = cell.components(separatedBy: "; ")
        guard phrases.contains(where: historyPhrases.contains) else { return cell }
        return phrases.filter { !historyPhrases.contains($0) }.joined(separator: "; ")
    }

    static func withoutHistoryCodes(_ cell: String) -> String {
        let codes = cell.split(separator: " ")
        guard codes.contains(where: { FindingCode(rawValue: String($0))?.needsHistory == true }) else { return cell }
        return codes.filter { FindingCode(rawValue: String($0))?.needsHistory != true }.joined(separator: " ")
    }
}

/// The first 96 bits of a row's HMAC, big-endian: ordered as their hex digits are.
struct RowId: Hashable, Comparable, Sendable {
    var high: UInt64
    var low: UInt32

    init<S: Sequence>(_ bytes: S) where S.Element == UInt8 {
        var high: UInt64 = 0, low: UInt32 = 0
        for (index, byte) in bytes.enumerated() {
            if index < 8 { high = high << 8 | UInt64(byte) } else { low = low << 8 | UInt32(byte) }
        }
        self.high = high
        self.low = low
    }

    var hex: String {
        var bytes: [UInt8] = []
        bytes.reserveCapacity(12)
        append(to: &bytes)
        return Hashing.hex(bytes)
    }

    /// Appends the id's 12 bytes, most significant first (as `hex` shows them).
    func append(to bytes: inout [UInt8]) {
        for shift in stride(from: 56, through: 0, by: -8) {
            bytes.append(UInt8(truncatingIfNeeded: high >> UInt64(shift)))
        }
        for shift in stride(from: 24, through: 0, by: -8) {
            bytes.append(UInt8(truncatingIfNeeded: low >> UInt32(shift)))
        }
    }

    static func < (a: RowId, b: RowId) -> Bool { (a.high, a.low) < (b.high, b.low) }
}
