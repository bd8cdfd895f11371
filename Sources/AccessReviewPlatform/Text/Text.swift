import Foundation

extension String {
    /// The form in which correlation keys and names are compared: trimmed, Unicode NFC,
    /// case-folded. `Æ` and `æ` compare equal, and so do composed and decomposed `å`.
    public var matchKey: String {
        // Fast path: trimmed ASCII needs only lower-casing (the same result as the Unicode path).
        var ascii = true
        for byte in utf8 where byte >= 0x80 {
            ascii = false
            break
        }
        if ascii, let first = utf8.first, let last = utf8.last, first > 0x20, last > 0x20 {
            return lowercased()
        }
        return trimmingCharacters(in: .whitespacesAndNewlines)
            .precomposedStringWithCanonicalMapping
            .folding(options: [.caseInsensitive], locale: nil)
    }

    /// Trimmed and NFC-normalised; `nil` when nothing is left.
    public var cleaned: String? {
        let value = trimmingCharacters(in: .whitespacesAndNewlines).precomposedStringWithCanonicalMapping
        return value.isEmpty ? nil : value
    }
}

/// Fast cleaning of values from exports: most are short ASCII strings that need nothing.
package enum Text {
    /// UTF-8 bytes trimmed and NFC-normalised; nil when empty. Plain ASCII without
    /// surrounding white space, the usual case, becomes a string directly.
    package static func clean(_ bytes: ArraySlice<UInt8>) -> String? {
        guard let first = bytes.first, let last = bytes.last else { return nil }
        if first > 0x20 && last > 0x20 && !bytes.contains(where: { $0 >= 0x80 }) {
            return String(decoding: bytes, as: UTF8.self)
        }
        return String(decoding: bytes, as: UTF8.self).cleaned
    }

    /// Trimmed and NFC-normalised; nil when empty.
    package static func clean(_ value: String) -> String? {
        var ascii = true
        var edgeSpace = false
        let utf8 = value.utf8
        guard let first = utf8.first, let last = utf8.last else { return nil }
        if first <= 0x20 || last <= 0x20 { edgeSpace = true }
        for byte in utf8 where byte >= 0x80 {
            ascii = false
            break
        }
        if ascii && !edgeSpace { return value }
        return value.cleaned
    }
}

extension Array {
    /// Rearranges the elements so that element `i` becomes the old element `order[i]`, in
    /// place, one cycle of the permutation at a time: no second copy of a large array.
    /// `order` must be a permutation of the indices; it is used up.
    package mutating func permute(by order: inout [Int32]) {
        precondition(order.count == count, "a permutation of every index")
        // Elements are moved bit for bit along each cycle (no retain or release): the first
        // of a cycle is held aside while each place takes the element it wants.
        withUnsafeMutableBufferPointer { items in
            guard let base = items.baseAddress else { return }
            for start in order.indices where order[start] >= 0 {
                if Int(order[start]) == start {
                    order[start] = -1
                    continue
                }
                let held = (base + start).move()
                var current = start
                while true {
                    let source = Int(order[current])
                    order[current] = -1
                    if source == start {
                        (base + current).initialize(to: held)
                        break
                    }
                    (base + current).moveInitialize(from: base + source, count: 1)
                    current = source
                }
            }
        }
    }
}

extension Array where Element == UInt8 {
    /// Appends `text`'s UTF-8 in one copy (appending `text.utf8` goes byte by byte).
    mutating func appendUTF8(_ text: String) {
        var text = text
        text.withUTF8 { append(contentsOf: $0) }
    }
}
