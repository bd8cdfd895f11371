/// The pieces the state store's blobs are made of: fields as a LEB128 length and their
/// bytes, and sections compressed with zlib behind their uncompressed size.
enum PackedBytes {
    static func appendLength(_ length: Int, to bytes: inout [UInt8]) {
        var length = length
        while length >= 0x80 {
            bytes.append(UInt8(length & 0x7F) | 0x80)
            length >>= 7
        }
        bytes.append(UInt8(length))
    }

    static func appendField<Field: Collection>(_ field: Field, to bytes: inout [UInt8]) where Field.Element == UInt8 {
        appendLength(field.count, to: &bytes)
        bytes.append(contentsOf: field)
    }

    /// The LEB128 number at `at`, which moves past it; nil when the bytes end first.
    static func readLength(_ bytes: [UInt8], _ at: inout Int) -> Int? {
        var length = 0, shift = 0
        while at < bytes.count, shift < 35 {
            let byte = bytes[at]
            at += 1
            length |= Int(byte & 0x7F) << shift
            if byte < 0x80 { return length }
            shift += 7
        }
        return nil
    }

    /// Where the field at `at` is, moving `at` past it; nil when the bytes end first.
    static func readField(_ bytes: [UInt8], _ at: inout Int) -> Range<Int>? {
        guard let length = readLength(bytes, &at), length <= bytes.count - at else { return nil }
        defer { at += length }
        return at..<at + length
    }

    /// `raw` compressed (zlib level 1: the store's text shrinks four to eight times, at a
    /// fraction of what writing the bytes saved would cost), behind its size.
    static func appendPacked(_ raw: [UInt8], to bytes: inout [UInt8]) {
        appendLength(raw.count, to: &bytes)
        bytes.append(contentsOf: Deflate.compress(raw, level: 1, format: .zlib))
    }

    /// The section `appendPacked` wrote from `at` to the end; nil when it is damaged.
    static func unpacked(_ bytes: [UInt8], from at: Int) -> [UInt8]? {
        var at = at
        guard let size = readLength(bytes, &at) else { return nil }
        return Deflate.decompress(bytes[at...], size: size)
    }
}
