import Foundation

/// The font the PDF sheets embed: DejaVu Sans with a character map that holds only the
/// characters a sheet uses, in a few ranges, without the tables a PDF does not need, and
/// with only those characters' glyphs (every other glyph empty, so glyph ids stay DejaVu's).
///
/// Made once a process for a character set, then copied into every PDF as it is: the
/// compressed font program, its widths and its ToUnicode map (so æøå are extractable). The
/// base set (Latin, Latin-1, Latin Extended-A and -B, general punctuation, ☐) serves nearly
/// every sheet; a sheet with other characters gets a variant that covers them too.
package enum PDFFont {
    /// Code points every variant maps.
    static let baseSet: Set<UInt32> = {
        var set = Set<UInt32>()
        for range in [0x20...0x7E, 0xA0...0x24F, 0x2010...0x2027, 0x2030...0x205E] {
            set.formUnion(range.map(UInt32.init))
        }
        set.formUnion([0x20AC, 0x2122, 0x2610, 0x2611, 0x2612, 0x25A1, 0x2713])
        return set
    }()

    /// Character set key → embedded font; the font they are made from and its layout, read once.
    private static let made = LockedValue<[String: EmbeddedFont]>([:])
    private static let source = LockedValue<(font: TrueTypeFont, layout: FontLayout)?>(nil)

    private static func original(_ path: String) throws -> (font: TrueTypeFont, layout: FontLayout) {
        try source.withLock { loaded in
            if let loaded { return loaded }
            let font = try TrueTypeFont(path: path)
            let made = (font, FontLayout(font))
            loaded = made
            return made
        }
    }

    /// Each character's glyph and width in DejaVu Sans (every variant keeps DejaVu's glyph ids).
    package static func layout(original path: String) throws -> FontLayout { try original(path).layout }

    /// The font covering `scalars` (besides the base set), made on first use; threads asking
    /// for the same set wait for the one making it.
    package static func font(covering scalars: Set<UInt32>, original path: String) throws -> EmbeddedFont {
        let extra = scalars.filter { $0 <= 0xFFFF && !baseSet.contains($0) }.sorted()
        let key = extra.map { String($0, radix: 16) }.joined(separator: ",")
        return try made.withLock { known -> EmbeddedFont in
            if let font = known[key] { return font }
            let variant = try TrueTypeFont(
                bytes: original(path).font.variant(mapping: baseSet.union(extra)), source: path)
            let embedded = EmbeddedFont(variant, tag: Hashing.sha256Hex(Data(key.utf8)))
            known[key] = embedded
            return embedded
        }
    }
}

/// What laying text out needs of the font: each BMP character's glyph id and each glyph's
/// advance width (1/1000 em), with the printable ASCII characters' widths in a table of
/// their own; and which characters the base variant lacks.
package final class FontLayout: Sendable {
    /// Code point → glyph id (0, .notdef, where the font has none).
    let glyphOf: [UInt16]
    let advance: [Float]
    private let ascii: [Float]
    private let inBase: [Bool]

    init(_ font: TrueTypeFont) {
        var glyphOf = [UInt16](repeating: 0, count: 0x10000)
        for (scalar, glyph) in font.glyphs where scalar <= 0xFFFF { glyphOf[Int(scalar)] = glyph }
        let metrics = font.metrics
        let scale = 1000 / Float(metrics.unitsPerEm)
        let advance = metrics.advances.map { Float($0) * scale }
        self.glyphOf = glyphOf
        self.advance = advance
        ascii = (0..<128).map { advance[Int(glyphOf[$0])] }
        var inBase = [Bool](repeating: false, count: 0x10000)
        for scalar in PDFFont.baseSet { inBase[Int(scalar)] = true }
        self.inBase = inBase
    }

    func glyph(_ scalar: Unicode.Scalar) -> UInt16 { scalar.value <= 0xFFFF ? glyphOf[Int(scalar.value)] : 0 }

    /// The advance of `text` in 1/1000 em.
    func width(of text: String) -> Float {
        var total: Float = 0
        for byte in text.utf8 {
            guard byte < 0x80 else { return text.unicodeScalars.reduce(0) { $0 + advance[Int(glyph($1))] } }
            total += ascii[Int(byte)]
        }
        return total
    }

    /// The advance of `text`, noting in `extra` each character the base variant lacks.
    func width(of text: String, noting extra: inout Set<UInt32>) -> Float {
        var total: Float = 0
        for byte in text.utf8 {
            guard byte < 0x80 else {
                total = 0
                for scalar in text.unicodeScalars {
                    if scalar.value > 0xFFFF || !inBase[Int(scalar.value)] { extra.insert(scalar.value) }
                    total += advance[Int(glyph(scalar))]
                }
                return total
            }
            total += ascii[Int(byte)]
        }
        return total
    }
}

/// One font variant as a PDF embeds it: objects 4 to 8 of every sheet's PDF (the Type 0
/// font, its CIDFontType2 with the glyphs' widths, the descriptor, the compressed TrueType
/// program and the ToUnicode map).
package final class EmbeddedFont: Sendable {
    /// The object number of the Type 0 font (`/F1`); the others follow it.
    static let fontObject = 4
    /// The TrueType program the PDF embeds.
    let program: [UInt8]
    /// Objects `fontObject`… written out, and each one's offset within `objects`.
    let objects: [UInt8]
    let offsets: [Int]

    init(_ font: TrueTypeFont, tag: String) {
        program = font.bytes
        // Each glyph's character for the ToUnicode map: the lowest that maps to it.
        var scalarOf: [UInt16: UInt32] = [:]
        for (scalar, glyph) in font.glyphs.sorted(by: { $0.key < $1.key }) where scalarOf[glyph] == nil {
            scalarOf[glyph] = scalar
        }
        let metrics = font.metrics
        let scale = 1000 / Float(metrics.unitsPerEm)
        let advance = metrics.advances.map { Float($0) * scale }

        func scaled(_ value: Int) -> Int { Int((Float(value) * scale).rounded()) }
        // A subset's name: six capital letters, then the PostScript name.
        let prefix = String(tag.utf8.prefix(6).map { Character(Unicode.Scalar(UInt8(ascii: "A") + $0 % 26)) })
        let name = "\(prefix)+\(metrics.postScriptName)"
        var widths = "["
        let used = scalarOf.keys.sorted()
        var index = 0
        while index < used.count {
            var end = index
            while end + 1 < used.count && used[end + 1] == used[end] + 1 { end += 1 }
            widths += " \(used[index]) ["
            widths += used[index...end].map { String(Int(advance[Int($0)].rounded())) }.joined(separator: " ")
            widths += "]"
            index = end + 1
        }
        widths += " ]"
        var cmap = """
            /CIDInit /ProcSet findresource begin
            12 dict begin
            begincmap
            /CIDSystemInfo << /Registry (Adobe) /Ordering (UCS) /Supplement 0 >> def
            /CMapName /Adobe-Identity-UCS def
            /CMapType 2 def
            1 begincodespacerange
            <0000> <FFFF>
            endcodespacerange

            """
        for start in stride(from: 0, to: used.count, by: 100) {
            let block = used[start..<min(start + 100, used.count)]
            cmap += "\(block.count) beginbfchar\n"
            for glyph in block { cmap += "<\(PDFBytes.hex4(UInt32(glyph)))> <\(PDFBytes.hex4(scalarOf[glyph]!))>\n" }
            cmap += "endbfchar\n"
        }
        cmap += "endcmap\nCMapName currentdict /CMap defineresource pop\nend\nend\n"
        let packedProgram = Deflate.compress(program, level: 9, format: .zlib)
        let packedMap = Deflate.compress(Array(cmap.utf8), level: 9, format: .zlib)
        let first = Self.fontObject
        let bbox = metrics.bbox.map { String(scaled($0)) }.joined(separator: " ")
        var out = PDFBytes()
        var offsets: [Int] = []
        func object(_ body: String, stream: [UInt8]? = nil) {
            offsets.append(out.count)
            out.append("\(first + offsets.count - 1) 0 obj\n\(body)\n")
            if let stream {
                out.append("stream\n")
                out.append(stream)
                out.append("\nendstream\n")
            }
            out.append("endobj\n")
        }
        object(
            "<< /Type /Font /Subtype /Type0 /BaseFont /\(name) /Encoding /Identity-H /DescendantFonts [\(first + 1) 0 R] /ToUnicode \(first + 4) 0 R >>"
        )
        object(
            "<< /Type /Font /Subtype /CIDFontType2 /BaseFont /\(name) /CIDSystemInfo << /Registry (Adobe) /Ordering (Identity) /Supplement 0 >> /FontDescriptor \(first + 2) 0 R /DW \(Int(advance[0].rounded())) /W \(widths) /CIDToGIDMap /Identity >>"
        )
        object(
            "<< /Type /FontDescriptor /FontName /\(name) /Flags 32 /FontBBox [\(bbox)] /ItalicAngle 0 /Ascent \(scaled(metrics.ascent)) /Descent \(scaled(metrics.descent)) /CapHeight \(scaled(metrics.capHeight)) /StemV 80 /FontFile2 \(first + 3) 0 R >>"
        )
        object(
            "<< /Length \(packedProgram.count) /Length1 \(program.count) /Filter /FlateDecode >>", stream: packedProgram
        )
        object("<< /Length \(packedMap.count) /Filter /FlateDecode >>", stream: packedMap)
        objects = out.bytes
        self.offsets = offsets
    }
}
