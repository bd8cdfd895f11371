import CLDAP
import Foundation

/// Reads an LDIF file (RFC 2849) with libldap's own reader: `ldif_open`, `ldif_read_record`,
/// `ldap_parse_ldif_record`. Folded lines, `::` base64 values and comments are libldap's to
/// handle. `attr:< URL` values are refused before libldap sees the file: an LDIF must never
/// make the tool read another file or fetch a URL.
///
/// This type owns every libldap pointer it uses.
public enum LDIFReader {
    public struct Result: Sendable {
        public var entries: [DirectoryEntry]
        public var sha256: String
        public var bytes: Int
    }

    public static func read(path: String) throws -> Result {
        var entries: [DirectoryEntry] = []
        let (sha256, bytes) = try read(path: path) { entries.append($0) }
        return Result(entries: entries, sha256: sha256, bytes: bytes)
    }

    /// Reads the file one entry at a time, handing each to `handle`; the file's SHA-256 and size.
    public static func read(path: String, _ handle: (DirectoryEntry) throws -> Void) throws -> (
        sha256: String, bytes: Int
    ) {
        let scan = try prescan(path: path)
        guard let file = ldif_open(path, "r") else {
            throw Diagnostic(file: path, "cannot open the LDIF file: \(String(cString: strerror(errno)))")
        }
        defer { ldif_close(file) }

        var lineNumber: UInt = 0
        var buffer: UnsafeMutablePointer<CChar>? = nil
        var bufferLength: Int32 = 0
        defer { if let buffer { ber_memfree(buffer) } }

        var recordIndex = 0
        var layouts = LayoutInterner()
        var names: [String] = [], positions: [Int] = [], mods: [UnsafeMutablePointer<LDAPMod>] = []
        while true {
            let status = ldif_read_record(file, &lineNumber, &buffer, &bufferLength)
            if status == 0 { break }
            if status > 0, let buffer, strncasecmp(buffer, "version:", 8) == 0, strstr(buffer, "\ndn:") == nil {
                continue  // the "version: 1" line comes back as a record of its own
            }
            let startLine = recordIndex < scan.recordStarts.count ? scan.recordStarts[recordIndex] : Int(lineNumber)
            recordIndex += 1
            guard status > 0, let buffer else {
                throw Diagnostic(file: path, line: startLine, "the LDIF record starting here cannot be read")
            }
            var value = berval(bv_len: ber_len_t(strlen(buffer)), bv_val: buffer)
            var record = LDIFRecord()
            // On a syntax error libldap prints "<path>: invalid format (line N) …" to stderr itself.
            let parsed = ldap_parse_ldif_record(&value, UInt(startLine), &record, path, UInt32(LDIF_DEFAULT_ADD))
            defer { ldap_ldif_record_done(&record) }
            guard parsed == 0 else {
                throw Diagnostic(
                    file: path, line: startLine,
                    "LDIF syntax error in the record starting here (a line without 'name: value', bad base64 or a bad DN)"
                )
            }
            // Plain entries come back with no operation (0); an explicit "changetype: add" as an add.
            guard record.lr_op == 0 || record.lr_op == ar_ldap_req_add else {
                throw Diagnostic(
                    file: path, line: startLine, "a changetype record is not directory content; export entries only")
            }
            let dn = string(record.lr_dn)
            names.removeAll(keepingCapacity: true)
            positions.removeAll(keepingCapacity: true)
            mods.removeAll(keepingCapacity: true)
            if let list = ar_ldif_record_mods(&record) {
                var index = 0
                while let mod = list[index] {
                    let name = layouts.name(mod.pointee.mod_type)
                    positions.append(names.firstIndex(of: name) ?? names.count)
                    if positions.last == names.count { names.append(name) }
                    mods.append(mod)
                    index += 1
                }
            }
            var entry = DirectoryEntry(dn: dn, layout: layouts.layout(names), line: startLine, capacity: mods.count + 4)
            for (mod, position) in zip(mods, positions) {
                guard let bvalues = ar_mod_bvalues(mod) else { continue }
                var v = 0
                while let bv = bvalues[v] {
                    entry.append(CollectionOfOne(string(bv.pointee)), at: position)
                    v += 1
                }
            }
            try handle(entry)
        }
        return (scan.sha256, scan.bytes)
    }

    private static func string(_ value: berval) -> String {
        guard let pointer = value.bv_val, value.bv_len > 0 else { return "" }
        let bytes = UnsafeRawBufferPointer(start: pointer, count: Int(value.bv_len))
        return String(decoding: bytes, as: UTF8.self)
    }

    // MARK: - Pre-scan

    private static func isNameByte(_ byte: UInt8) -> Bool {
        (byte >= 0x30 && byte <= 0x39) || (byte | 0x20 >= 0x61 && byte | 0x20 <= 0x7A) || byte == 0x2D || byte == 0x3B
            || byte == 0x2E
    }

    package struct Scan {
        package var recordStarts: [Int]
        package var sha256: String
        package var bytes: Int
    }

    /// One pass over the raw bytes before libldap reads the file: hashes it, refuses `:<`
    /// values, refuses bytes that are not UTF-8, and notes the line on which each record
    /// starts so that libldap's errors can name it.
    package static func prescan(path: String) throws -> Scan {
        guard let handle = FileHandle(forReadingAtPath: path) else {
            throw Diagnostic(file: path, "cannot open the LDIF file (does it exist?)")
        }
        defer { try? handle.close() }
        var hasher = Hashing.SHA256Stream()
        var starts: [Int] = []
        var line = 1
        var inRecord = false
        var sawVersion = false
        var total = 0
        var current: [UInt8] = []
        func finish(_ bytes: [UInt8], lineNo: Int) throws {
            // A line: blank ends a record; '#' a comment; ' ' continues the previous line.
            if bytes.isEmpty || bytes == [0x0D] {
                inRecord = false
                return
            }
            if bytes[0] == 0x23 || bytes[0] == 0x20 { return }
            if bytes.contains(0) { throw Diagnostic(file: path, line: lineNo, "this line holds a NUL byte") }
            // "name: value", the name letters, digits, '-', ';' (options) or '.' (an OID). libldap
            // dereferences a null name on a line that starts with ':' (found by fuzzing).
            var nameEnd = 0
            while nameEnd < bytes.count, Self.isNameByte(bytes[nameEnd]) { nameEnd += 1 }
            guard nameEnd > 0, nameEnd < bytes.count, bytes[nameEnd] == 0x3A else {
                throw Diagnostic(
                    file: path, line: lineNo, "this line is not 'name: value' (an attribute name, then a colon)")
            }
            if let colon = bytes.firstIndex(of: 0x3A), colon + 1 < bytes.count, bytes[colon + 1] == 0x3C {
                throw Diagnostic(
                    file: path, line: lineNo,
                    "'\(String(decoding: bytes[..<colon], as: UTF8.self)):<' takes its value from a URL or file; accessreview never follows those — put the value in the LDIF"
                )
            }
            if String(validatingCString: bytes.map { CChar(bitPattern: $0) } + [0]) == nil {
                throw Diagnostic(file: path, line: lineNo, "this line is not valid UTF-8")
            }
            // A change record is refused here, before libldap parses it (its "-" lines made
            // libldap dereference a null name; found by fuzzing). "changetype: add" is an entry.
            if inRecord, nameEnd == 10, String(decoding: bytes[..<10], as: UTF8.self).lowercased() == "changetype",
                String(decoding: bytes[(nameEnd + 1)...], as: UTF8.self).trimmingCharacters(in: .whitespaces)
                    .lowercased()
                    != "add"
            {
                throw Diagnostic(
                    file: path, line: starts.last ?? lineNo,
                    "a changetype record is not directory content; export entries only")
            }
            if !inRecord {
                if !sawVersion && starts.isEmpty && bytes.starts(with: Array("version:".utf8)) {
                    sawVersion = true
                    return
                }
                // libldap skips a record that does not start with its DN: a person would
                // silently leave the review.
                guard bytes.count >= 3, bytes[0] | 0x20 == 0x64, bytes[1] | 0x20 == 0x6E, bytes[2] == 0x3A else {
                    throw Diagnostic(
                        file: path, line: lineNo,
                        "this record does not start with a 'dn:' line; every entry needs its DN first (nothing was read)"
                    )
                }
                inRecord = true
                starts.append(lineNo)
            }
        }
        while true {
            let chunk = handle.readData(ofLength: 1 << 20)
            if chunk.isEmpty { break }
            total += chunk.count
            hasher.update(chunk)
            for byte in chunk {
                if byte == 0x0A {
                    try finish(current, lineNo: line)
                    current.removeAll(keepingCapacity: true)
                    line += 1
                } else {
                    current.append(byte)
                }
            }
        }
        if !current.isEmpty { try finish(current, lineNo: line) }
        return Scan(recordStarts: starts, sha256: hasher.hex, bytes: total)
    }
}
