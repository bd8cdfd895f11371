import Foundation

/// A line's identity across runs — system, account and role — in 128 bits: the key of the
/// history's millions of lines, a tenth of the memory of the strings. Hashed with the
/// process's own seed (two SipHash values of differently salted input), so it is valid
/// within one process only and never stored.
public struct LineID: Hashable, Comparable, Sendable {
    let high: Int
    let low: Int

    public static func < (a: LineID, b: LineID) -> Bool { (a.high, a.low) < (b.high, b.low) }

    public init(system: String, account: String, role: String) {
        high = FieldHash.hash(salt: 1, system, account, role)
        low = FieldHash.hash(salt: 2, system, account, role)
    }

    /// The same key from the fields' UTF-8 bytes, as the line history stores them.
    init(system: ArraySlice<UInt8>, account: ArraySlice<UInt8>, role: ArraySlice<UInt8>) {
        high = FieldHash.hash(salt: 1, system, account, role)
        low = FieldHash.hash(salt: 2, system, account, role)
    }
}

/// The lines a history holds, each with the day it was first seen: one array sorted by
/// `LineID`, 20 bytes a line where a dictionary took more than twice that (a million
/// identities hold 7.4 M lines), looked up by binary search. Filled with `append`, then
/// `seal`ed once.
public struct LineDays: Sendable {
    private struct Entry {
        var id: LineID
        var day: Int32
    }
    private var entries: [Entry] = []

    public init() {}

    public var count: Int { entries.count }
    public var isEmpty: Bool { entries.isEmpty }

    public mutating func append(_ id: LineID, _ day: Day) {
        entries.append(Entry(id: id, day: Int32(truncatingIfNeeded: day.ordinal)))
    }

    /// Sorts what was appended; a line appended twice keeps its earliest day.
    public mutating func seal() {
        entries.sort { ($0.id, $0.day) < ($1.id, $1.day) }
        // In place: a second array would double the peak (7.4 M lines: 178 MB).
        var kept = 0
        for index in entries.indices where kept == 0 || entries[kept - 1].id != entries[index].id {
            entries[kept] = entries[index]
            kept += 1
        }
        entries.removeLast(entries.count - kept)
    }

    private func position(_ id: LineID) -> Int? {
        var low = 0, high = entries.count
        while low < high {
            let middle = (low + high) / 2
            if entries[middle].id < id { low = middle + 1 } else { high = middle }
        }
        return low < entries.count && entries[low].id == id ? low : nil
    }

    public subscript(id: LineID) -> Day? { position(id).map { Day(ordinal: Int(entries[$0].day)) } }
}
