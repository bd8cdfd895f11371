import Foundation

/// The field values of a batch of records, packed into one byte buffer: reading a record
/// allocates nothing, and the strings are made by whoever consumes the batch (on another
/// core, when the export is read through a `BatchPipe`).
package struct RecordBatch: Sendable {
    package init() {}

    private struct Entry {
        package var type: Int
        package var line: Int
        /// Index of the record's first field in `fieldEnds`.
        package var firstField: Int
    }

    private var bytes: [UInt8] = []
    /// End offset in `bytes` of each value.
    private var valueEnds: [Int] = []
    /// End index in `valueEnds` of each field.
    private var fieldEnds: [Int] = []
    private var entries: [Entry] = []
    /// Set when a field's path ended at an element with child elements (an error in the mapping).
    package var elementWithChildren = false

    package var count: Int { entries.count }

    package mutating func removeAll() {
        bytes.removeAll(keepingCapacity: true)
        valueEnds.removeAll(keepingCapacity: true)
        fieldEnds.removeAll(keepingCapacity: true)
        entries.removeAll(keepingCapacity: true)
    }

    package mutating func beginRecord(type: Int, line: Int) {
        entries.append(Entry(type: type, line: line, firstField: fieldEnds.count))
    }

    /// Adds a value given as its UTF-8 bytes to the current field.
    mutating func append(utf8 value: UnsafeBufferPointer<UInt8>) {
        bytes.append(contentsOf: value)
        valueEnds.append(bytes.count)
    }

    package mutating func append(_ value: String) {
        bytes.append(contentsOf: value.utf8)
        valueEnds.append(bytes.count)
    }

    /// Closes the current field; true when it has a non-empty value.
    package mutating func endField() -> Bool {
        let start = fieldEnds.last ?? 0
        fieldEnds.append(valueEnds.count)
        var previous = start == 0 ? 0 : valueEnds[start - 1]
        for end in valueEnds[start...] {
            if end > previous { return true }
            previous = end
        }
        return false
    }

    /// One record of a batch.
    package struct RecordView {
        fileprivate let batch: RecordBatch
        fileprivate let entry: Int
        package var type: Int { batch.entries[entry].type }
        package var line: Int { batch.entries[entry].line }

        /// The values of the record type's field number `field`, as the export has them.
        package func values(_ field: Int) -> [String] {
            batch.values(ofField: batch.entries[entry].firstField + field).map { String(decoding: $0, as: UTF8.self) }
        }

        /// The field's values as the export's bytes.
        package func rawValues(_ field: Int) -> LazyMapSequence<Range<Int>, ArraySlice<UInt8>> {
            batch.values(ofField: batch.entries[entry].firstField + field)
        }

        /// The field's values trimmed and NFC-normalised, empty ones left out.
        package func cleanedValues(_ field: Int) -> [String] {
            batch.values(ofField: batch.entries[entry].firstField + field).compactMap(Text.clean)
        }

        /// The field's first value, trimmed and NFC-normalised; nil when there is none or it is empty.
        package func first(_ field: Int) -> String? {
            batch.values(ofField: batch.entries[entry].firstField + field).first.flatMap(Text.clean)
        }
    }

    package var records: LazyMapSequence<Range<Int>, RecordView> {
        (0..<entries.count).lazy.map { RecordView(batch: self, entry: $0) }
    }

    private func values(ofField index: Int) -> LazyMapSequence<Range<Int>, ArraySlice<UInt8>> {
        let first = index == 0 ? 0 : fieldEnds[index - 1]
        return (first..<fieldEnds[index]).lazy.map { value in
            self.bytes[(value == 0 ? 0 : self.valueEnds[value - 1])..<self.valueEnds[value]]
        }
    }
}
