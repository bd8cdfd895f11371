import Foundation

/// PDF syntax as bytes: tokens, numbers with at most two decimals, hex strings.
struct PDFBytes {
    private(set) var bytes: [UInt8] = []

    var count: Int { bytes.count }

    mutating func append(_ text: String) { bytes.appendUTF8(text) }
    mutating func append(_ other: [UInt8]) { bytes.append(contentsOf: other) }
    mutating func append(byte: UInt8) { bytes.append(byte) }

    /// A number as PDF writes it: rounded to hundredths, without trailing zeros.
    mutating func append(number value: Float) {
        var hundredths = Int((value * 100).rounded())
        if hundredths < 0 {
            bytes.append(UInt8(ascii: "-"))
            hundredths = -hundredths
        }
        appendDigits(hundredths / 100)
        let fraction = hundredths % 100
        if fraction != 0 {
            bytes.append(UInt8(ascii: "."))
            bytes.append(UInt8(ascii: "0") + UInt8(fraction / 10))
            if fraction % 10 != 0 { bytes.append(UInt8(ascii: "0") + UInt8(fraction % 10)) }
        }
    }

    private mutating func appendDigits(_ value: Int) {
        if value >= 10 { appendDigits(value / 10) }
        bytes.append(UInt8(ascii: "0") + UInt8(value % 10))
    }

    /// Four hex digits (a glyph id, a UTF-16 unit).
    mutating func appendHex4(_ value: UInt16) {
        for shift in stride(from: 12, through: 0, by: -4) {
            bytes.append(Self.digits[Int(value >> UInt16(shift) & 0xF)])
        }
    }

    private static let digits = Array("0123456789ABCDEF".utf8)

    /// Each character's glyph id in four hex digits, written in place (a cell's text is most
    /// of a page's bytes).
    mutating func appendGlyphs(_ text: String, _ layout: FontLayout) {
        let start = bytes.count
        // Four digits a character, and no more characters than UTF-8 bytes.
        bytes.append(contentsOf: repeatElement(0, count: 4 * text.utf8.count))
        var end = start
        bytes.withUnsafeMutableBufferPointer { out in
            Self.digits.withUnsafeBufferPointer { digits in
                for scalar in text.unicodeScalars {
                    let glyph = Int(layout.glyph(scalar))
                    out[end] = digits[glyph >> 12 & 0xF]
                    out[end + 1] = digits[glyph >> 8 & 0xF]
                    out[end + 2] = digits[glyph >> 4 & 0xF]
                    out[end + 3] = digits[glyph & 0xF]
                    end += 4
                }
            }
        }
        bytes.removeLast(bytes.count - end)
    }

    static func number(_ value: Float) -> String {
        var bytes = PDFBytes()
        bytes.append(number: value)
        return String(decoding: bytes.bytes, as: UTF8.self)
    }

    /// A code point as the ToUnicode map writes it: one UTF-16 unit, or a surrogate pair.
    static func hex4(_ value: UInt32) -> String {
        var bytes = PDFBytes()
        for unit in String(Unicode.Scalar(value).map(Character.init) ?? "\u{FFFD}").utf16 { bytes.appendHex4(unit) }
        return String(decoding: bytes.bytes, as: UTF8.self)
    }

    /// A text string (the document's title): UTF-16BE with its byte-order mark, in hex, so
    /// that any character and no PDF delimiter can break it.
    static func textString(_ text: String) -> String {
        var bytes = PDFBytes()
        bytes.append("<FEFF")
        for unit in text.utf16 { bytes.appendHex4(unit) }
        bytes.append(">")
        return String(decoding: bytes.bytes, as: UTF8.self)
    }

    /// A PDF date, `D:YYYYMMDDHHmmSSZ`, in UTC.
    static func date(_ secondsSince1970: Int) -> String {
        var time = time_t(secondsSince1970)
        var parts = tm()
        gmtime_r(&time, &parts)
        func two(_ value: Int32) -> String { value < 10 ? "0\(value)" : "\(value)" }
        return
            "D:\(parts.tm_year + 1900)\(two(parts.tm_mon + 1))\(two(parts.tm_mday))\(two(parts.tm_hour))\(two(parts.tm_min))\(two(parts.tm_sec))Z"
    }
}

/// One page's content stream: text in the embedded font (as glyph ids), lines and fills.
struct PageContent {
    let layout: FontLayout
    var bytes = PDFBytes()

    init(layout: FontLayout) { self.layout = layout }

    mutating func text(_ size: Float, _ x: Float, _ y: Float, _ text: String) {
        bytes.append("BT /F1 ")
        bytes.append(number: size)
        bytes.append(" Tf ")
        bytes.append(number: x)
        bytes.append(byte: 0x20)
        bytes.append(number: y)
        bytes.append(" Td <")
        bytes.appendGlyphs(text, layout)
        bytes.append("> Tj ET\n")
    }

    mutating func lineWidth(_ width: Float) {
        bytes.append(number: width)
        bytes.append(" w\n")
    }

    mutating func line(_ x1: Float, _ y1: Float, _ x2: Float, _ y2: Float) {
        for value in [x1, y1] {
            bytes.append(number: value)
            bytes.append(byte: 0x20)
        }
        bytes.append("m ")
        for value in [x2, y2] {
            bytes.append(number: value)
            bytes.append(byte: 0x20)
        }
        bytes.append("l S\n")
    }

    /// A rectangle filled with `color`; the fill colour goes back to black.
    mutating func fill(_ color: (Float, Float, Float), _ x: Float, _ y: Float, _ width: Float, _ height: Float) {
        for value in [color.0, color.1, color.2] {
            bytes.append(number: value)
            bytes.append(byte: 0x20)
        }
        bytes.append("rg ")
        for value in [x, y, width, height] {
            bytes.append(number: value)
            bytes.append(byte: 0x20)
        }
        bytes.append("re f 0 0 0 rg\n")
    }
}

/// A PDF file as it is written: objects appended in any order, each one's offset kept for
/// the cross-reference table, the bytes handed to the file in blocks of about 1 MB and
/// hashed as they go.
struct PDFFile {
    private var output: HashedOutput
    /// Object number → offset.
    private var offsets: [Int: Int] = [:]

    /// `path` names the file in errors.
    init(_ handle: FileHandle, path: String) {
        output = HashedOutput(handle, path: path)
        output.pending.appendUTF8("%PDF-1.4\n%")
        // A comment of bytes above 127 marks the file as binary for transfer programs.
        output.pending += [0xE2, 0xE3, 0xCF, 0xD3, 0x0A]
    }

    mutating func object(_ number: Int, _ dictionary: String, stream: [UInt8]? = nil) throws {
        offsets[number] = output.position
        output.pending.appendUTF8("\(number) 0 obj\n\(dictionary)\n")
        if let stream {
            output.pending.appendUTF8("stream\n")
            output.pending += stream
            output.pending.appendUTF8("\nendstream\n")
        }
        output.pending.appendUTF8("endobj\n")
        try output.flushIfFull()
    }

    /// Objects written elsewhere (`EmbeddedFont`), numbered from `first`, `offsets` within `bytes`.
    mutating func copy(_ bytes: [UInt8], offsets relative: [Int], first: Int) throws {
        for (index, offset) in relative.enumerated() { offsets[first + index] = output.position + offset }
        output.pending += bytes
        try output.flushIfFull()
    }

    /// The cross-reference table and trailer for objects 1..<`objects`; every one of them
    /// must have been written.
    mutating func close(root: Int, info: Int, objects: Int) throws -> (sha256: String, bytes: Int) {
        let table = output.position
        output.pending.appendUTF8("xref\n0 \(objects)\n0000000000 65535 f \n")
        for number in 1..<objects {
            guard let offset = offsets[number] else { preconditionFailure("PDF object \(number) was not written") }
            let digits = String(offset)
            output.pending.appendUTF8(String(repeating: "0", count: max(0, 10 - digits.count)) + digits + " 00000 n \n")
        }
        output.pending.appendUTF8(
            "trailer\n<< /Size \(objects) /Root \(root) 0 R /Info \(info) 0 R >>\nstartxref\n\(table)\n%%EOF\n")
        return try output.finish()
    }
}
