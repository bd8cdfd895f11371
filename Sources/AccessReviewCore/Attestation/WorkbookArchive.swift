import Foundation
import ZIPFoundation

/// A returned workbook's ZIP container, read without trusting it: the central directory is
/// parsed here, every entry's data must lie inside the file, ZIP64 and unknown compression
/// methods are refused, and each part is inflated from exactly its own bytes (ZIPFoundation's
/// own reader loops forever on a deflate stream that does not end inside its entry — found by
/// fuzzing), with its declared size and CRC-32 checked.
struct WorkbookArchive {
    struct Entry {
        var name: String
        var method: UInt16
        var crc32: UInt32
        var compressedSize: Int
        var uncompressedSize: Int
        var dataOffset: Int
    }

    private struct Damaged: Error {}

    /// The largest workbook file read at all.
    static let maximumFileBytes = 64 << 20

    let path: String
    let data: Data
    let entries: [Entry]

    init(path: String) throws {
        self.path = path
        let size = (try? FileManager.default.attributesOfItem(atPath: path)[.size] as? Int) ?? 0
        guard size <= Self.maximumFileBytes else {
            throw ToolError(
                .input, "\(path): error: the file has \(size >> 20) MB; a returned sheet is never that large — refused")
        }
        guard let data = FileManager.default.contents(atPath: path) else {
            throw ToolError(.input, "\(path): error: cannot read the file")
        }
        self.data = data
        entries = try Self.centralDirectory(data, path: path)
    }

    private static func failure(_ path: String, _ what: String) -> ToolError {
        ToolError(.input, "\(path): error: not a readable XLSX workbook (\(what))")
    }

    private static func u16(_ data: Data, _ at: Int) -> Int { Int(data[at]) | Int(data[at + 1]) << 8 }
    private static func u32(_ data: Data, _ at: Int) -> Int { u16(data, at) | u16(data, at + 2) << 16 }

    private static func centralDirectory(_ bytes: Data, path: String) throws -> [Entry] {
        let data = Data(bytes)  // indices from 0
        let count = data.count
        // The end-of-central-directory record: its signature within the last 64 KiB + 22 bytes.
        var end = -1
        var index = count - 22
        while index >= max(0, count - 22 - 65_535) {
            if data[index] == 0x50, data[index + 1] == 0x4B, data[index + 2] == 0x05, data[index + 3] == 0x06 {
                end = index
                break
            }
            index -= 1
        }
        guard end >= 0 else { throw failure(path, "no ZIP directory: damaged, cut off or not a workbook") }
        let total = u16(data, end + 10), size = u32(data, end + 12), offset = u32(data, end + 16)
        guard total != 0xFFFF, size != 0xFFFF_FFFF, offset != 0xFFFF_FFFF else {
            throw failure(path, "it needs ZIP64, which a returned sheet never does")
        }
        guard offset + size <= end else { throw failure(path, "its directory lies outside the file") }
        var entries: [Entry] = []
        var at = offset
        for _ in 0..<total {
            guard at + 46 <= end, u32(data, at) == 0x0201_4B50 else {
                throw failure(path, "a damaged directory entry")
            }
            let nameLength = u16(data, at + 28), extraLength = u16(data, at + 30), commentLength = u16(data, at + 32)
            guard at + 46 + nameLength <= end else { throw failure(path, "a damaged directory entry") }
            let name = String(decoding: data[(at + 46)..<(at + 46 + nameLength)], as: UTF8.self)
            let compressed = u32(data, at + 20), uncompressed = u32(data, at + 24), local = u32(data, at + 42)
            guard compressed != 0xFFFF_FFFF, uncompressed != 0xFFFF_FFFF, local != 0xFFFF_FFFF else {
                throw failure(path, "\(name) needs ZIP64, which a returned sheet never does")
            }
            guard local + 30 <= count, u32(data, local) == 0x0403_4B50 else {
                throw failure(path, "\(name) has no local header where the directory says")
            }
            let dataOffset = local + 30 + u16(data, local + 26) + u16(data, local + 28)
            guard dataOffset + compressed <= count else {
                throw failure(path, "\(name) claims more bytes than the file holds")
            }
            entries.append(
                Entry(
                    name: name, method: UInt16(u16(data, at + 10)), crc32: UInt32(u32(data, at + 16)),
                    compressedSize: compressed, uncompressedSize: uncompressed, dataOffset: dataOffset))
            at += 46 + nameLength + extraLength + commentLength
        }
        return entries
    }

    /// The sum of the sizes the entries declare, without overflow.
    var declaredUnpackedBytes: Int {
        entries.reduce(0) { $0.addingReportingOverflow($1.uncompressedSize).partialValue }
    }

    /// A part's bytes, or nil when the workbook has no such part. A part larger than `limit`,
    /// of another size than it declares, damaged (CRC-32) or compressed otherwise than stored
    /// or deflated refuses the workbook.
    func part(_ name: String, limit: Int) throws -> Data? {
        guard let entry = entries.first(where: { $0.name == name }) else { return nil }
        func refuse(_ why: String) -> ToolError {
            ToolError(.input, "\(path): error: cannot unpack \(name): \(why)")
        }
        guard entry.uncompressedSize <= limit else { throw refuse("it unpacks beyond \(limit >> 20) MB") }
        let compressed = data[
            (data.startIndex + entry.dataOffset)..<(data.startIndex + entry.dataOffset + entry.compressedSize)]
        var output = Data()
        let crc: UInt32
        switch entry.method {
        case 0:
            output = Data(compressed)
            crc = output.crc32(checksum: 0)
        case 8:
            do {
                crc = try Data.decompress(
                    size: Int64(entry.compressedSize), bufferSize: 32 << 10, skipCRC32: false,
                    provider: { position, size in
                        // Only this entry's own bytes: a stream that does not end inside them is damaged.
                        let start = Int(position)
                        guard start < compressed.count else { throw Damaged() }
                        let from = compressed.startIndex + start
                        return Data(compressed[from..<min(compressed.endIndex, from + size)])
                    },
                    consumer: { chunk in
                        output.append(chunk)
                        if output.count > entry.uncompressedSize { throw Damaged() }
                    })
            } catch {
                throw refuse("it is damaged or larger than it declares")
            }
        default:
            throw refuse("compression method \(entry.method), which a workbook never uses")
        }
        guard output.count == entry.uncompressedSize else {
            throw refuse("it unpacks to \(output.count) bytes, not the \(entry.uncompressedSize) it declares")
        }
        guard crc == entry.crc32 else { throw refuse("its CRC-32 does not match: the file is damaged") }
        return output
    }
}
