import CLibZ

/// DEFLATE with zlib, for the PDF and workbook writers: a whole buffer compressed in one
/// call, as a zlib stream (a PDF's `/FlateDecode`) or raw (a ZIP entry), and the CRC-32 a
/// ZIP entry carries.
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

    /// The CRC-32 of `bytes` (ZIP's checksum).
    package static func crc32(_ bytes: [UInt8]) -> UInt32 {
        bytes.withUnsafeBufferPointer { buffer in
            UInt32(CLibZ.crc32(0, buffer.baseAddress, uInt(buffer.count)))
        }
    }
}
