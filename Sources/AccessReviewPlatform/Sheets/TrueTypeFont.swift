import Foundation

/// A TrueType font's tables, enough to write a variant with another cmap.
struct TrueTypeFont {
    let bytes: [UInt8]
    /// Tag → (offset, length).
    let tables: [String: (offset: Int, length: Int)]
    /// Unicode (BMP) → glyph id, from the (3,1) format 4 cmap.
    let glyphs: [UInt32: UInt16]

    init(path: String) throws(ToolError) {
        guard let data = FileManager.default.contents(atPath: path) else {
            throw ToolError(.configuration, "\(path): error: cannot read the font")
        }
        try self.init(bytes: [UInt8](data), source: path)
    }

    /// A font from its bytes; `source` names it in errors.
    init(bytes: [UInt8], source path: String) throws(ToolError) {
        self.bytes = bytes
        func fail(_ why: String) -> ToolError {
            ToolError(.configuration, "\(path): error: not a usable TrueType font: \(why)")
        }
        guard bytes.count > 12 else { throw fail("too short") }
        var tables: [String: (Int, Int)] = [:]
        let count = Int(Self.u16(bytes, 4))
        for index in 0..<count {
            let record = 12 + 16 * index
            guard record + 16 <= bytes.count else { throw fail("table directory cut off") }
            let tag = String(decoding: bytes[record..<record + 4], as: UTF8.self)
            let offset = Int(Self.u32(bytes, record + 8)), length = Int(Self.u32(bytes, record + 12))
            guard offset + length <= bytes.count else { throw fail("table \(tag) cut off") }
            tables[tag] = (offset, length)
        }
        self.tables = tables
        for tag in ["cmap", "head", "hhea", "hmtx", "maxp", "loca", "glyf", "name", "post", "OS/2"]
        where tables[tag] == nil {
            throw fail("no \(tag) table")
        }
        // The Windows Unicode BMP subtable (format 4).
        let cmap = tables["cmap"]!.0
        var subtable: Int?
        for index in 0..<Int(Self.u16(bytes, cmap + 2)) {
            let record = cmap + 4 + 8 * index
            if Self.u16(bytes, record) == 3 && Self.u16(bytes, record + 2) == 1 {
                subtable = cmap + Int(Self.u32(bytes, record + 4))
            }
        }
        guard let table = subtable, Self.u16(bytes, table) == 4 else { throw fail("no format 4 Unicode cmap") }
        let segments = Int(Self.u16(bytes, table + 6)) / 2
        let ends = table + 14, starts = ends + 2 * segments + 2
        let deltas = starts + 2 * segments, offsets = deltas + 2 * segments
        var glyphs: [UInt32: UInt16] = [:]
        for segment in 0..<segments {
            let end = Self.u16(bytes, ends + 2 * segment), start = Self.u16(bytes, starts + 2 * segment)
            let delta = Self.u16(bytes, deltas + 2 * segment)
            let rangeOffset = Int(Self.u16(bytes, offsets + 2 * segment))
            guard start <= end, end != 0xFFFF || start == 0xFFFF else { continue }
            for code in start...end where code != 0xFFFF {
                var glyph: UInt16
                if rangeOffset == 0 {
                    glyph = code &+ delta
                } else {
                    let at = offsets + 2 * segment + rangeOffset + 2 * Int(code - start)
                    guard at + 2 <= bytes.count else { continue }
                    glyph = Self.u16(bytes, at)
                    if glyph != 0 { glyph = glyph &+ delta }
                }
                if glyph != 0 { glyphs[UInt32(code)] = glyph }
            }
        }
        self.glyphs = glyphs
    }

    /// The font with a cmap for `scalars` (those it has glyphs for), `post` version 3, the
    /// name table's essential records, and only the tables a PDF viewer reads.
    func variant(mapping scalars: Set<UInt32>) throws(ToolError) -> [UInt8] {
        let codes = scalars.filter { glyphs[$0] != nil }.sorted()
        var tables: [String: [UInt8]] = [:]
        for tag in ["OS/2", "cvt ", "fpgm", "head", "hhea", "hmtx", "maxp", "prep", "gasp"] {
            if let (offset, length) = self.tables[tag] { tables[tag] = Array(bytes[offset..<offset + length]) }
        }
        (tables["glyf"], tables["loca"]) = glyphs(keeping: Set(codes.compactMap { glyphs[$0] }))
        // loca is written in the long format.
        tables["head"]!.replaceSubrange(50..<52, with: [0, 1])
        tables["cmap"] = cmap(codes)
        let post = self.tables["post"]!
        var newPost = Array(bytes[post.offset..<post.offset + min(32, post.length)])
        newPost.replaceSubrange(0..<4, with: [0, 3, 0, 0])
        newPost += Array(repeating: 0, count: 32 - newPost.count)
        tables["post"] = newPost
        tables["name"] = name()
        return Self.write(tables)
    }

    /// The glyph table with only the glyphs kept (with the components of composite glyphs, and
    /// .notdef); every other glyph is empty, so glyph ids, metrics and the hinting stay valid.
    private func glyphs(keeping kept: Set<UInt16>) -> (glyf: [UInt8], loca: [UInt8]) {
        let head = tables["head"]!.offset, loca = tables["loca"]!.offset, glyf = tables["glyf"]!.offset
        let long = Self.u16(bytes, head + 50) == 1
        let count = Int(Self.u16(bytes, tables["maxp"]!.offset + 4))
        func range(_ glyph: Int) -> Range<Int> {
            let start = long ? Int(Self.u32(bytes, loca + 4 * glyph)) : 2 * Int(Self.u16(bytes, loca + 2 * glyph))
            let end = long ? Int(Self.u32(bytes, loca + 4 * glyph + 4)) : 2 * Int(Self.u16(bytes, loca + 2 * glyph + 2))
            return glyf + start..<glyf + max(start, end)
        }
        var keep = Set<Int>([0])
        var pending = kept.map(Int.init)
        while let glyph = pending.popLast() {
            guard glyph < count, keep.insert(glyph).inserted || glyph == 0 else { continue }
            let data = range(glyph)
            guard data.count >= 10, Int16(bitPattern: Self.u16(bytes, data.lowerBound)) < 0 else { continue }
            // A composite glyph: its components are kept too.
            var at = data.lowerBound + 10
            while at + 4 <= data.upperBound {
                let flags = Self.u16(bytes, at)
                pending.append(Int(Self.u16(bytes, at + 2)))
                at += 4 + (flags & 0x0001 != 0 ? 4 : 2)
                if flags & 0x0008 != 0 {
                    at += 2
                } else if flags & 0x0040 != 0 {
                    at += 4
                } else if flags & 0x0080 != 0 {
                    at += 8
                }
                if flags & 0x0020 == 0 { break }
            }
        }
        var newGlyf: [UInt8] = [], newLoca: [UInt8] = []
        for glyph in 0..<count {
            Self.put32(&newLoca, UInt32(newGlyf.count))
            if keep.contains(glyph) {
                newGlyf += bytes[range(glyph)]
                while newGlyf.count % 4 != 0 { newGlyf.append(0) }
            }
        }
        Self.put32(&newLoca, UInt32(newGlyf.count))
        return (newGlyf, newLoca)
    }

    /// Format 4: contiguous runs of codes (gaps under 32 filled with glyph 0) as segments with a
    /// glyph id array, then the closing 0xFFFF segment.
    private func cmap(_ codes: [UInt32]) -> [UInt8] {
        let asked = Set(codes)
        var runs: [(start: UInt32, end: UInt32)] = []
        for code in codes {
            if let last = runs.last, code - last.end <= 32 {
                runs[runs.count - 1].end = code
            } else {
                runs.append((code, code))
            }
        }
        let segments = runs.count + 1
        var ends: [UInt16] = [], starts: [UInt16] = [], offsets: [UInt16] = [], array: [UInt16] = []
        for (index, run) in runs.enumerated() {
            ends.append(UInt16(run.end))
            starts.append(UInt16(run.start))
            // From this segment's idRangeOffset entry to its first glyph id.
            offsets.append(UInt16(2 * (segments - index) + 2 * array.count))
            for code in run.start...run.end { array.append(asked.contains(code) ? glyphs[code] ?? 0 : 0) }
        }
        ends.append(0xFFFF)
        starts.append(0xFFFF)
        offsets.append(0)
        var sub: [UInt8] = []
        var searchRange = 1, selector = 0
        while searchRange * 2 <= segments {
            searchRange *= 2
            selector += 1
        }
        let length = 16 + 8 * segments + 2 * array.count
        for value in [4, length, 0, 2 * segments, 2 * searchRange, selector, 2 * segments - 2 * searchRange] {
            Self.put16(&sub, UInt16(value))
        }
        for value in ends { Self.put16(&sub, value) }
        Self.put16(&sub, 0)
        for value in starts { Self.put16(&sub, value) }
        for _ in 0..<segments { Self.put16(&sub, 0) }  // idDelta: 0 (the array holds the glyph ids)
        for value in offsets { Self.put16(&sub, value) }
        for value in array { Self.put16(&sub, value) }
        var table: [UInt8] = []
        for value: UInt16 in [0, 1, 3, 1] { Self.put16(&table, value) }
        Self.put32(&table, 12)
        return table + sub
    }

    /// The name table with family, subfamily, full and PostScript names only (every platform).
    private func name() -> [UInt8] {
        let (offset, _) = tables["name"]!
        let count = Int(Self.u16(bytes, offset + 2)), storage = offset + Int(Self.u16(bytes, offset + 4))
        var records: [(platform: UInt16, encoding: UInt16, language: UInt16, id: UInt16, text: [UInt8])] = []
        for index in 0..<count {
            let record = offset + 6 + 12 * index
            let id = Self.u16(bytes, record + 6)
            guard [1, 2, 4, 6].contains(id) else { continue }
            let length = Int(Self.u16(bytes, record + 8)), start = storage + Int(Self.u16(bytes, record + 10))
            guard start + length <= bytes.count else { continue }
            records.append(
                (
                    Self.u16(bytes, record), Self.u16(bytes, record + 2), Self.u16(bytes, record + 4), id,
                    Array(bytes[start..<start + length])
                ))
        }
        var table: [UInt8] = []
        Self.put16(&table, 0)
        Self.put16(&table, UInt16(records.count))
        Self.put16(&table, UInt16(6 + 12 * records.count))
        var strings: [UInt8] = []
        for record in records {
            for value in [record.platform, record.encoding, record.language, record.id, UInt16(record.text.count)] {
                Self.put16(&table, value)
            }
            Self.put16(&table, UInt16(strings.count))
            strings += record.text
        }
        return table + strings
    }

    /// An sfnt from tables: directory sorted by tag, each table 4-byte aligned with its
    /// checksum, and `head.checkSumAdjustment` set.
    private static func write(_ tables: [String: [UInt8]]) -> [UInt8] {
        let tags = tables.keys.sorted()
        var searchRange = 1, selector = 0
        while searchRange * 2 <= tags.count {
            searchRange *= 2
            selector += 1
        }
        var font: [UInt8] = []
        put32(&font, 0x0001_0000)
        for value in [tags.count, 16 * searchRange, selector, 16 * tags.count - 16 * searchRange] {
            put16(&font, UInt16(value))
        }
        var offset = 12 + 16 * tags.count
        var body: [UInt8] = []
        var headOffset = 0
        for tag in tags {
            var table = tables[tag]!
            if tag == "head" {
                table.replaceSubrange(8..<12, with: [0, 0, 0, 0])
                headOffset = offset
            }
            let length = table.count
            while table.count % 4 != 0 { table.append(0) }
            font += Array(tag.utf8)
            put32(&font, checksum(table))
            put32(&font, UInt32(offset))
            put32(&font, UInt32(length))
            body += table
            offset += table.count
        }
        font += body
        let adjustment = 0xB1B0_AFBA &- checksum(font)
        font.replaceSubrange(
            headOffset + 8..<headOffset + 12,
            with: [
                UInt8(adjustment >> 24), UInt8(adjustment >> 16 & 0xFF), UInt8(adjustment >> 8 & 0xFF),
                UInt8(adjustment & 0xFF),
            ])
        return font
    }

    static func checksum(_ bytes: [UInt8]) -> UInt32 {
        var sum: UInt32 = 0
        var index = 0
        while index < bytes.count {
            var word: UInt32 = 0
            for byte in 0..<4 { word = word << 8 | UInt32(index + byte < bytes.count ? bytes[index + byte] : 0) }
            sum = sum &+ word
            index += 4
        }
        return sum
    }

    static func u16(_ bytes: [UInt8], _ at: Int) -> UInt16 {
        at + 2 <= bytes.count ? UInt16(bytes[at]) << 8 | UInt16(bytes[at + 1]) : 0
    }

    static func u32(_ bytes: [UInt8], _ at: Int) -> UInt32 {
        UInt32(u16(bytes, at)) << 16 | UInt32(u16(bytes, at + 2))
    }

    static func put16(_ bytes: inout [UInt8], _ value: UInt16) {
        bytes.append(UInt8(value >> 8))
        bytes.append(UInt8(value & 0xFF))
    }

    static func put32(_ bytes: inout [UInt8], _ value: UInt32) {
        put16(&bytes, UInt16(value >> 16))
        put16(&bytes, UInt16(value & 0xFFFF))
    }
}

extension TrueTypeFont {
    /// What a PDF's font dictionaries state about the font, in font units.
    struct Metrics {
        var unitsPerEm: Int
        /// xMin, yMin, xMax, yMax.
        var bbox: [Int]
        var ascent, descent, capHeight: Int
        /// Each glyph's advance width.
        var advances: [UInt16]
        var postScriptName: String
    }

    var metrics: Metrics {
        func s16(_ at: Int) -> Int { Int(Int16(bitPattern: Self.u16(bytes, at))) }
        let head = tables["head"]!.offset, hhea = tables["hhea"]!.offset, hmtx = tables["hmtx"]!
        let os2 = tables["OS/2"]!
        let glyphCount = Int(Self.u16(bytes, tables["maxp"]!.offset + 4))
        let longMetrics = max(1, min(Int(Self.u16(bytes, hhea + 34)), hmtx.length / 4))
        let advances = (0..<glyphCount).map { glyph in Self.u16(bytes, hmtx.offset + 4 * min(glyph, longMetrics - 1)) }
        let ascent = s16(hhea + 4)
        let capHeight = Self.u16(bytes, os2.offset) >= 2 && os2.length >= 90 ? s16(os2.offset + 88) : ascent * 7 / 10
        return Metrics(
            unitsPerEm: max(16, Int(Self.u16(bytes, head + 18))),
            bbox: [s16(head + 36), s16(head + 38), s16(head + 40), s16(head + 42)], ascent: ascent,
            descent: s16(hhea + 6), capHeight: capHeight, advances: advances, postScriptName: postScriptName)
    }

    /// Name record 6, from the Macintosh (Roman) or Windows (UTF-16) platform; letters,
    /// digits and hyphens only, as a PDF name needs no escaping then.
    private var postScriptName: String {
        let offset = tables["name"]!.offset
        let count = Int(Self.u16(bytes, offset + 2)), storage = offset + Int(Self.u16(bytes, offset + 4))
        for index in 0..<count {
            let record = offset + 6 + 12 * index
            guard Self.u16(bytes, record + 6) == 6 else { continue }
            let platform = Self.u16(bytes, record), length = Int(Self.u16(bytes, record + 8))
            let start = storage + Int(Self.u16(bytes, record + 10))
            guard start + length <= bytes.count else { continue }
            let raw = Array(bytes[start..<start + length])
            let text =
                platform == 3
                ? String(
                    decoding: stride(from: 0, to: raw.count - 1, by: 2).map {
                        UInt16(raw[$0]) << 8 | UInt16(raw[$0 + 1])
                    }, as: UTF16.self)
                : String(decoding: raw, as: UTF8.self)
            let name = String(
                text.unicodeScalars.filter {
                    $0.isASCII && ($0.properties.isAlphabetic || ("0"..."9").contains($0) || $0 == "-")
                }.map(Character.init))
            if !name.isEmpty { return name }
        }
        return "DejaVuSans"
    }
}
