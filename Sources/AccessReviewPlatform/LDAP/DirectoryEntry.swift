import Foundation

/// One directory entry as a source delivers it: a DN and attribute values.
///
/// Attribute names are kept lower-cased; LDAP compares them case-insensitively. The names
/// live in an `AttributeLayout` that entries with the same names share (an LDAP search
/// requests the same list for every entry), and the values of all attributes in one array:
/// an entry costs a couple of allocations rather than a dictionary and an array per
/// attribute, and a reader of many entries can find its attributes by position once per
/// layout (`AttributeLayout.Slots`) instead of by name in every entry.
public struct DirectoryEntry: Sendable {
    public var dn: String
    /// Where the entry starts in its source file (LDIF line), 0 for LDAP.
    public var line: Int
    public private(set) var layout: AttributeLayout
    /// For each name of the layout, where its values are in `storage` (start, count).
    private var spans: [Span]
    private var storage: [String]

    package struct Span: Equatable, Sendable {
        package var start: Int32
        package var count: Int32
        package static let empty = Span(start: 0, count: 0)
    }

    /// An entry from a dictionary of attribute names (any case) to values.
    public init(dn: String, attributes: [String: [String]], line: Int = 0) {
        var merged: [String: [String]] = [:]
        for (name, values) in attributes { merged[name.lowercased(), default: []] += values }
        let names = merged.keys.sorted()
        self.init(dn: dn, layout: AttributeLayout(names), line: line)
        for (position, name) in names.enumerated() { append(merged[name]!, at: position) }
    }

    /// An entry with no values yet, for readers that fill it by position.
    package init(dn: String, layout: AttributeLayout, line: Int = 0, capacity: Int = 0) {
        self.dn = dn
        self.line = line
        self.layout = layout
        spans = Array(repeating: .empty, count: layout.names.count)
        storage = []
        storage.reserveCapacity(capacity)
    }

    /// The values of an attribute (any case), in the order the source gave them.
    public func values(_ name: String) -> ArraySlice<String> {
        guard let position = layout.position(of: name) else { return [] }
        return values(at: position)
    }

    public func first(_ name: String) -> String? { values(name).first }

    /// The values of the layout's name at `position`.
    public func values(at position: Int) -> ArraySlice<String> {
        let span = spans[position]
        return storage[Int(span.start)..<Int(span.start + span.count)]
    }

    /// The names that have values, with their values.
    public var attributes: [String: [String]] {
        var result: [String: [String]] = [:]
        for (position, name) in layout.names.enumerated() where spans[position].count > 0 {
            result[name] = Array(values(at: position))
        }
        return result
    }

    /// The names that have values, in layout order.
    public var names: [String] { layout.names.indices.filter { spans[$0].count > 0 }.map { layout.names[$0] } }

    /// Adds values to the layout's name at `position`. Values for a name arrive together
    /// from both LDAP and LDIF; a name given twice has its values moved together.
    package mutating func append<Values: Collection<String>>(_ values: Values, at position: Int) {
        guard !values.isEmpty else { return }
        let span = spans[position]
        if span.count == 0 || Int(span.start + span.count) == storage.count {
            if span.count == 0 { spans[position].start = Int32(storage.count) }
            storage.append(contentsOf: values)
            spans[position].count += Int32(values.count)
        } else {
            // The name's values are not the last ones: move them to the end, then add.
            let earlier = Array(self.values(at: position))
            spans[position] = Span(start: Int32(storage.count), count: Int32(earlier.count + values.count))
            storage.append(contentsOf: earlier)
            storage.append(contentsOf: values)
        }
    }

    /// Adds values to an attribute (any case), adding the name to the layout if it is new.
    public mutating func append<Values: Collection<String>>(_ values: Values, to name: String) {
        if let position = layout.position(of: name) {
            append(values, at: position)
        } else {
            layout = AttributeLayout(layout.names + [name.lowercased()])
            spans.append(.empty)
            append(values, at: spans.count - 1)
        }
    }

    /// Takes an attribute's values out of the entry.
    public mutating func removeValues(of name: String) -> [String] {
        guard let position = layout.position(of: name) else { return [] }
        let removed = Array(values(at: position))
        spans[position] = .empty
        return removed
    }
}

/// The lower-cased attribute names of directory entries, shared by the entries that have
/// them, with each name's position.
public final class AttributeLayout: Sendable {
    public let names: [String]
    private let positions: [String: Int]

    public init(_ names: [String]) {
        self.names = names
        var positions: [String: Int] = [:]
        for (position, name) in names.enumerated() where positions[name] == nil { positions[name] = position }
        self.positions = positions
    }

    /// The position of a name, in any case.
    public func position(of name: String) -> Int? {
        if let position = positions[name] { return position }
        let lower = name.lowercased()
        return lower == name ? nil : positions[lower]
    }

    /// The positions of a fixed list of names in the layouts a reader meets, worked out
    /// once per layout: entries of one source nearly always share one.
    package struct Slots {
        package let names: [String]
        private var layout: AttributeLayout?
        private var positions: [Int?] = []

        package init(_ names: [String]) { self.names = names.map { $0.lowercased() } }

        /// The positions of `names` in the entry's layout, in the order of `names`.
        package mutating func positions(in entry: DirectoryEntry) -> [Int?] {
            if layout !== entry.layout {
                layout = entry.layout
                positions = names.map { entry.layout.position(of: $0) }
            }
            return positions
        }
    }
}

/// Gives the entries of a file shared layouts: one per sequence of attribute names, and one
/// lower-cased string per name, matched byte for byte.
package struct LayoutInterner {
    private var known: [(bytes: [UInt8], name: String)] = []
    private var layouts: [AttributeLayout] = []

    /// The lower-cased name of a NUL-terminated attribute name.
    mutating func name(_ raw: UnsafePointer<CChar>) -> String {
        let length = strlen(raw)
        for entry in known where entry.bytes.count == length && memcmp(entry.bytes, raw, length) == 0 {
            return entry.name
        }
        let name = String(cString: raw).lowercased()
        if known.count < 256 { known.append((Array(UnsafeRawBufferPointer(start: raw, count: length)), name)) }
        return name
    }

    /// The layout with these names, made once.
    package mutating func layout(_ names: [String]) -> AttributeLayout {
        if let found = layouts.last(where: { $0.names == names }) { return found }
        let layout = AttributeLayout(names)
        if layouts.count >= 32 { layouts.removeFirst() }
        layouts.append(layout)
        return layout
    }
}
