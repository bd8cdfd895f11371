import Foundation

/// Field values that repeat across records, each kept as one string: an export's millions
/// of grants name a few hundred roles, and a string of more than 15 bytes is a heap
/// allocation of its own (64 bytes for a 28-byte role name) unless it is shared. Looked up
/// by the value's raw bytes, so that a known value costs no string at all. Past `limit`
/// distinct values (an export whose "roles" are unique per account) new values are no
/// longer kept, only made.
package struct InternedValues {
    private struct Entry {
        var raw: [UInt8]
        var value: String?
    }
    private var byHash: [Int: [Entry]] = [:]
    private var count = 0
    private let limit: Int

    package init(limit: Int = 100_000) { self.limit = limit }

    /// The value trimmed and NFC-normalised (`Text.clean`), shared with every earlier
    /// occurrence of the same bytes; nil when empty.
    package mutating func value(_ bytes: ArraySlice<UInt8>) -> String? {
        // Short values are stored inside the string itself: nothing to share.
        guard bytes.count > 15 else { return Text.clean(bytes) }
        var hasher = Hasher()
        bytes.withUnsafeBytes { hasher.combine(bytes: $0) }
        let key = hasher.finalize()
        if let entries = byHash[key] {
            for entry in entries where entry.raw.elementsEqual(bytes) { return entry.value }
        }
        let value = Text.clean(bytes)
        if count < limit {
            byHash[key, default: []].append(Entry(raw: Array(bytes), value: value))
            count += 1
        }
        return value
    }
}

extension RecordBatch.RecordView {
    /// The field's values as `cleanedValues` gives them, each shared through `table`.
    package func internedValues(_ field: Int, in table: inout InternedValues) -> [String] {
        var values: [String] = []
        for raw in rawValues(field) { if let value = table.value(raw) { values.append(value) } }
        return values
    }
}
