import Foundation

/// A ZIP file (the container of an XLSX workbook) written front to back into a file handle,
/// hashed as it goes: small parts whole, a large part deflated as it is produced (its CRC-32
/// and sizes follow it in a data descriptor). No ZIP64: a part or the file past 4 GB is
/// refused.
struct ZIPWriter {
    private struct Entry {
        var name: [UInt8]
        var method: UInt16
        var flags: UInt16
        var crc: UInt32
        var compressed: Int
        var size: Int
        var offset: Int
    }

    private var output: HashedOutput
    private var entries: [Entry] = []
    /// The entry being streamed, and its compressor.
    private var open: (entry: Entry, deflater: Deflater, compressed: Int)?

    /// 1980-01-01 00:00, the earliest DOS date: the same run gives the same file.
    private static let dosTime: UInt16 = 0, dosDate: UInt16 = 0x0021

    /// `path` names the file in errors.
    init(_ handle: FileHandle, path: String) {
        output = HashedOutput(handle, path: path)
        output.pending.reserveCapacity(1 << 20)
    }

    private var position: Int { output.position }

    private mutating func put16(_ value: UInt16) {
        output.pending.append(UInt8(value & 0xFF))
        output.pending.append(UInt8(value >> 8))
    }

    private mutating func put32(_ value: UInt32) {
        put16(UInt16(value & 0xFFFF))
        put16(UInt16(value >> 16))
    }

    private func tooLarge() -> ToolError {
        ToolError(
            .outputNotWritten,
            "\(output.path): error: the workbook would pass 4 GB, which a ZIP without ZIP64 cannot hold")
    }

    /// What a local header and a central directory record share: from "version needed"
    /// (2.0) to the name's length.
    private mutating func sharedFields(_ entry: Entry) {
        put16(20)
        put16(entry.flags)
        put16(entry.method)
        put16(Self.dosTime)
        put16(Self.dosDate)
        put32(entry.crc)
        put32(UInt32(entry.compressed))
        put32(UInt32(entry.size))
        put16(UInt16(entry.name.count))
    }

    private mutating func localHeader(_ entry: Entry) throws {
        guard entry.offset <= Int(UInt32.max) else { throw tooLarge() }
        put32(0x0403_4B50)
        sharedFields(entry)
        put16(0)  // no extra field
        output.pending.append(contentsOf: entry.name)
    }

    /// A part written whole: deflated when `compress`, stored otherwise.
    mutating func add(_ name: String, _ bytes: [UInt8], compress: Bool = true) throws {
        precondition(open == nil, "a ZIP entry is still open")
        let data = compress ? Deflate.compress(bytes, level: XLSXSheetWriter.compressionLevel, format: .raw) : bytes
        let entry = Entry(
            name: Array(name.utf8), method: compress ? 8 : 0, flags: 0x0800, crc: Deflate.crc32(bytes),
            compressed: data.count, size: bytes.count, offset: position)
        try localHeader(entry)
        output.pending.append(contentsOf: data)
        entries.append(entry)
        try flushIfFull()
    }

    /// A part whose bytes come in blocks (`write`), until `end`.
    mutating func begin(_ name: String) throws {
        precondition(open == nil, "a ZIP entry is still open")
        // Bit 3: CRC-32 and sizes in a data descriptor after the data; bit 11: UTF-8 names.
        let entry = Entry(
            name: Array(name.utf8), method: 8, flags: 0x0808, crc: 0, compressed: 0, size: 0, offset: position)
        try localHeader(entry)
        open = (entry, Deflater(level: XLSXSheetWriter.compressionLevel, format: .raw), 0)
    }

    mutating func write(_ bytes: [UInt8]) throws {
        guard let (entry, deflater, compressed) = open else { preconditionFailure("no ZIP entry is open") }
        var added = 0
        deflater.feed(bytes) { block in
            output.pending.append(contentsOf: block)
            added += block.count
        }
        open = (entry, deflater, compressed + added)
        try flushIfFull()
    }

    mutating func end() throws {
        guard var (entry, deflater, compressed) = open else { preconditionFailure("no ZIP entry is open") }
        deflater.finish { block in
            output.pending.append(contentsOf: block)
            compressed += block.count
        }
        entry.crc = deflater.crc
        entry.compressed = compressed
        entry.size = deflater.consumed
        guard entry.size <= Int(UInt32.max), entry.compressed <= Int(UInt32.max) else { throw tooLarge() }
        put32(0x0807_4B50)
        put32(entry.crc)
        put32(UInt32(entry.compressed))
        put32(UInt32(entry.size))
        entries.append(entry)
        open = nil
        try flushIfFull()
    }

    private mutating func flushIfFull() throws { try output.flushIfFull() }

    /// The central directory and its end record; returns the file's SHA-256 and size.
    mutating func close() throws -> (sha256: String, bytes: Int) {
        precondition(open == nil, "a ZIP entry is still open")
        let directory = position
        for entry in entries {
            put32(0x0201_4B50)
            put16(20)  // made by: MS-DOS attributes, version 2.0
            sharedFields(entry)
            for _ in 0..<4 { put16(0) }  // extra field, comment, disk number, internal attributes
            put32(0)  // external attributes
            put32(UInt32(entry.offset))
            output.pending.append(contentsOf: entry.name)
        }
        let size = position - directory
        guard position <= Int(UInt32.max) else { throw tooLarge() }
        put32(0x0605_4B50)
        put16(0)
        put16(0)
        put16(UInt16(entries.count))
        put16(UInt16(entries.count))
        put32(UInt32(size))
        put32(UInt32(directory))
        put16(0)
        return try output.finish()
    }
}
