import CLibZ

/// DEFLATE with zlib, for the PDF and workbook writers and the state store's blobs: a whole
/// buffer compressed in one call, as a zlib stream (a PDF's `/FlateDecode`, a blob) or raw
/// (a ZIP entry), a zlib stream decompressed, and the CRC-32 a ZIP entry carries.
///
/// The only type that holds zlib pointers.
package enum Deflate {
    package enum Format {
        /// RFC 1950: header and Adler-32 around the data, as PDF's FlateDecode reads it.
        case zlib
        /// RFC 1951 without a header, as a ZIP entry holds it.
        case raw
    }

    /// `bytes` compressed at `level` (1 fastest, 9 smallest).
    package static func compress(_ bytes: UnsafeRawBufferPointer, level: Int32, format: Format) -> [UInt8] {
        var stream = z_stream()
        guard accessreview_deflate_init(&stream, level, format == .zlib ? 15 : -15) == Z_OK else {
            // Only an out-of-memory failure gets here.
            fatalError("zlib: deflateInit2 failed")
        }
        defer { deflateEnd(&stream) }
        let bound = Int(deflateBound(&stream, uLong(bytes.count)))
        return [UInt8](unsafeUninitializedCapacity: bound) { output, count in
            stream.next_in = UnsafeMutablePointer(
                mutating: bytes.baseAddress?.assumingMemoryBound(to: Bytef.self) ?? UnsafePointer(output.baseAddress!))
            stream.avail_in = uInt(bytes.count)
            stream.next_out = output.baseAddress
            stream.avail_out = uInt(bound)
            // deflateBound is enough for one call to finish the stream.
            let status = deflate(&stream, Z_FINISH)
            precondition(status == Z_STREAM_END, "zlib: deflate did not finish within deflateBound")
            count = Int(stream.total_out)
        }
    }

    package static func compress(_ bytes: [UInt8], level: Int32, format: Format) -> [UInt8] {
        bytes.withUnsafeBytes { compress($0, level: level, format: format) }
    }

    /// A zlib stream (`Format.zlib`) decompressed: nil unless it is intact and holds exactly
    /// `size` bytes (the state store's blobs say how large they were; DEFLATE never makes
    /// more than 1,032 bytes of one, so a damaged size is refused before anything is allocated).
    package static func decompress(_ bytes: ArraySlice<UInt8>, size: Int) -> [UInt8]? {
        guard size >= 0, size <= bytes.count * 1032 + 64 else { return nil }
        var intact = false
        let output = bytes.withUnsafeBufferPointer { input in
            [UInt8](unsafeUninitializedCapacity: max(size, 1)) { output, count in
                var length = uLongf(output.count)
                let status = uncompress(output.baseAddress, &length, input.baseAddress, uLong(input.count))
                intact = status == Z_OK && Int(length) == size
                count = intact ? size : 0
            }
        }
        return intact ? output : nil
    }

    /// The CRC-32 of `bytes` (ZIP's checksum).
    package static func crc32(_ bytes: [UInt8]) -> UInt32 {
        bytes.withUnsafeBufferPointer { buffer in
            UInt32(CLibZ.crc32(0, buffer.baseAddress, uInt(buffer.count)))
        }
    }
}

/// A DEFLATE stream compressed as it is fed (a worksheet of a million rows is never held
/// whole), with the CRC-32 and size of what went in.
package final class Deflater {
    // zlib keeps a pointer back to its z_stream: it must not move, so it lives on the heap.
    private let stream = UnsafeMutablePointer<z_stream>.allocate(capacity: 1)
    private var output = [UInt8](repeating: 0, count: 1 << 16)
    private(set) var crc: UInt32 = 0
    private(set) var consumed = 0

    package init(level: Int32, format: Deflate.Format) {
        stream.initialize(to: z_stream())
        guard accessreview_deflate_init(stream, level, format == .zlib ? 15 : -15) == Z_OK else {
            fatalError("zlib: deflateInit2 failed")
        }
    }

    deinit {
        deflateEnd(stream)
        stream.deallocate()
    }

    /// Compresses `bytes`, handing each block of output to `sink`.
    package func feed(_ bytes: [UInt8], _ sink: ([UInt8]) throws -> Void) rethrows {
        crc = bytes.withUnsafeBufferPointer { UInt32(CLibZ.crc32(uLong(crc), $0.baseAddress, uInt($0.count))) }
        consumed += bytes.count
        try run(bytes, flush: Z_NO_FLUSH, sink)
    }

    /// Ends the stream, handing the last blocks to `sink`.
    package func finish(_ sink: ([UInt8]) throws -> Void) rethrows {
        try run([], flush: Z_FINISH, sink)
    }

    private func run(_ bytes: [UInt8], flush: Int32, _ sink: ([UInt8]) throws -> Void) rethrows {
        try bytes.withUnsafeBufferPointer { input in
            stream.pointee.next_in = UnsafeMutablePointer(mutating: input.baseAddress)
            stream.pointee.avail_in = uInt(input.count)
            while true {
                let (status, produced) = output.withUnsafeMutableBufferPointer { out -> (Int32, Int) in
                    stream.pointee.next_out = out.baseAddress
                    stream.pointee.avail_out = uInt(out.count)
                    let status = deflate(stream, flush)
                    return (status, out.count - Int(stream.pointee.avail_out))
                }
                precondition(
                    status == Z_OK || status == Z_STREAM_END || status == Z_BUF_ERROR, "zlib: deflate \(status)")
                if produced > 0 { try sink(Array(output[0..<produced])) }
                if flush == Z_FINISH ? status == Z_STREAM_END : stream.pointee.avail_in == 0 && produced < output.count
                {
                    break
                }
            }
        }
    }
}
