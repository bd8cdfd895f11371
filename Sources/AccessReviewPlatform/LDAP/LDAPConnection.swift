import CLDAP
import Foundation

/// One connection to an LDAP server over libldap: TLS, bind, paged searches that decode
/// entries as they arrive, and AD range retrieval. The only type that holds an `LDAP*`.
///
/// Every failure is a `ToolError` with exit status 3 whose message names the server and the
/// cause; no message ever holds the password.
package final class LDAPConnection {
    package struct Options {
        package var url: String
        package var starttls: Bool
        package var caFile: String?
        package var timeoutSeconds: Int
        package var pageSize: Int

        package init(url: String, starttls: Bool, caFile: String?, timeoutSeconds: Int, pageSize: Int) {
            (self.url, self.starttls, self.caFile, self.timeoutSeconds, self.pageSize) = (
                url, starttls, caFile, timeoutSeconds, pageSize
            )
        }
    }

    private var handle: OpaquePointer?
    package let options: Options
    /// Pages received by the last search (for tests and the manifest).
    package private(set) var lastPageCount = 0

    package init(_ options: Options) throws {
        // SIGPIPE must be ignored: a server that dies mid-search gives an error, not a dead process.
        ProcessSetup.requireStarted()
        self.options = options
        var ld: OpaquePointer?
        let rc = ldap_initialize(&ld, options.url)
        guard rc == LDAP_SUCCESS, let ld else {
            throw ToolError(
                .configuration, "\(options.url): error: not an LDAP URL (\(String(cString: ldap_err2string(rc))))")
        }
        handle = ld
        _ = ar_set_int_option(ld, LDAP_OPT_PROTOCOL_VERSION, LDAP_VERSION3)
        _ = ar_referrals_off(ld)  // AD returns referrals; never chase them
        _ = ar_set_timeout_option(ld, LDAP_OPT_NETWORK_TIMEOUT, options.timeoutSeconds)
        _ = ar_set_timeout_option(ld, LDAP_OPT_TIMEOUT, options.timeoutSeconds)
        // Certificates and host names are always verified.
        _ = ar_set_int_option(ld, LDAP_OPT_X_TLS_REQUIRE_CERT, LDAP_OPT_X_TLS_DEMAND)
        if let caFile = options.caFile {
            guard FileManager.default.isReadableFile(atPath: caFile) else {
                throw ToolError(.configuration, "\(caFile): error: the CA file (directory.ca_file) cannot be read")
            }
            _ = ldap_set_option(ld, LDAP_OPT_X_TLS_CACERTFILE, caFile)
        }
        _ = ar_set_int_option(ld, LDAP_OPT_X_TLS_NEWCTX, 0)
        if options.starttls {
            let rc = ldap_start_tls_s(ld, nil, nil)
            guard rc == LDAP_SUCCESS else {
                if rc == LDAP_SERVER_DOWN, !TCPProbe.reachable(url: options.url, timeout: options.timeoutSeconds) {
                    throw connectionFailure(rc)
                }
                throw ToolError(
                    .sourceUnreachable,
                    "\(options.url): error: StartTLS failed: \(String(cString: ldap_err2string(rc))) (\(rc)) — the server's certificate is not trusted by \(options.caFile ?? "the system's CA store") or not issued for this host name"
                )
            }
        }
    }

    deinit {
        if let handle { ldap_unbind_ext_s(handle, nil, nil) }
    }

    /// Whether the connection is encrypted (LDAPS or StartTLS).
    package var isEncrypted: Bool { options.starttls || options.url.lowercased().hasPrefix("ldaps://") }

    /// Simple bind; anonymous when `dn` is nil.
    package func bind(dn: String?, password: String?) throws {
        var bytes = Array((password ?? "").utf8)
        defer { for index in bytes.indices { bytes[index] = 0 } }
        let rc = bytes.withUnsafeMutableBufferPointer { buffer -> Int32 in
            var credentials = berval(
                bv_len: ber_len_t(buffer.count),
                bv_val: UnsafeMutableRawPointer(buffer.baseAddress)?.assumingMemoryBound(to: CChar.self))
            return ar_simple_bind(handle, dn, &credentials)
        }
        guard rc == LDAP_SUCCESS else {
            if rc == LDAP_SERVER_DOWN || rc == LDAP_CONNECT_ERROR { throw connectionFailure(rc) }
            throw failure(dn.map { "the bind as \($0) was refused" } ?? "the anonymous bind was refused", rc)
        }
        _ = ar_add_readahead(handle)
    }

    /// A subtree search with paged results (RFC 2696): each entry is handed over as soon as
    /// it arrives. A size or admin limit is an error, never a short result.
    package func search(base: String, filter: String, attributes: [String], _ handle: (DirectoryEntry) throws -> Void)
        throws -> Int
    {
        let attributeList = CStringArray(attributes)
        let names = AttributeNameCache(requested: attributes)
        var cookie = berval(bv_len: 0, bv_val: nil)
        defer { if cookie.bv_val != nil { ber_memfree(cookie.bv_val) } }
        var total = 0
        lastPageCount = 0
        var timeout = timeval(tv_sec: options.timeoutSeconds, tv_usec: 0)
        repeat {
            lastPageCount += 1
            var pageControl: UnsafeMutablePointer<LDAPControl>?
            var rc = ldap_create_page_control(self.handle, ber_int_t(options.pageSize), &cookie, 1, &pageControl)
            guard rc == LDAP_SUCCESS, let pageControl else {
                throw failure("cannot create the paged-results control", rc)
            }
            var controls: [UnsafeMutablePointer<LDAPControl>?] = [pageControl, nil]
            var messageId: Int32 = 0
            rc = controls.withUnsafeMutableBufferPointer { buffer in
                attributeList.withPointer { attrs in
                    ldap_search_ext(
                        self.handle, base, LDAP_SCOPE_SUBTREE, filter, attrs, 0, buffer.baseAddress, nil, &timeout, 0,
                        &messageId)
                }
            }
            ldap_control_free(pageControl)
            guard rc == LDAP_SUCCESS else { throw failure("the search under \(base) failed", rc) }

            var pageDone = false
            while !pageDone {
                var message: OpaquePointer?
                let type = ldap_result(self.handle, messageId, LDAP_MSG_ONE, &timeout, &message)
                if type == -1 {
                    throw failure(
                        "the connection failed during the search under \(base) after \(total) entries", lastError())
                }
                if type == 0 {
                    if let message { ldap_msgfree(message) }
                    throw ToolError(
                        .sourceUnreachable,
                        "\(options.url): error: no answer within \(options.timeoutSeconds) s during the search under \(base) (timeout_seconds)"
                    )
                }
                guard let message else { continue }
                defer { ldap_msgfree(message) }
                switch Int32(type) {
                case ar_res_search_entry:
                    total += 1
                    try handle(decode(message, names))
                case ar_res_search_reference:
                    continue  // referrals are not chased
                case ar_res_search_result:
                    var code: Int32 = 0
                    var errorMessage: UnsafeMutablePointer<CChar>?
                    var serverControls: UnsafeMutablePointer<UnsafeMutablePointer<LDAPControl>?>?
                    rc = ldap_parse_result(self.handle, message, &code, nil, &errorMessage, nil, &serverControls, 0)
                    let detail = errorMessage.map { String(cString: $0) } ?? ""
                    if let errorMessage { ldap_memfree(errorMessage) }
                    defer { if let serverControls { ldap_controls_free(serverControls) } }
                    guard rc == LDAP_SUCCESS else { throw failure("cannot read the search result", rc) }
                    if code == LDAP_SIZELIMIT_EXCEEDED || code == LDAP_ADMINLIMIT_EXCEEDED {
                        throw ToolError(
                            .sourceUnreachable,
                            """
                            \(options.url): error: the server stopped the search under \(base) at its \(code == LDAP_SIZELIMIT_EXCEEDED ? "size" : "administrative") limit after \(total) entries (\(String(cString: ldap_err2string(code))))\(detail.isEmpty ? "" : ": \(detail)").
                            accessreview never works on a short population. Lift the limit for the reader account: in slapd, \
                            'limits dn.exact="<bind dn>" size.prtotal=unlimited' (or size=unlimited); in Active Directory, \
                            keep page_size at or below MaxPageSize (1000 by default).
                            """)
                    }
                    guard code == LDAP_SUCCESS else {
                        throw failure("the search under \(base) failed\(detail.isEmpty ? "" : " (\(detail))")", code)
                    }
                    if cookie.bv_val != nil {
                        ber_memfree(cookie.bv_val)
                        cookie = berval(bv_len: 0, bv_val: nil)
                    }
                    guard let found = ldap_control_find(LDAP_CONTROL_PAGEDRESULTS, serverControls, nil) else {
                        throw ToolError(
                            .sourceUnreachable,
                            "\(options.url): error: the server ignored the paged-results control for \(base); accessreview needs RFC 2696 paging"
                        )
                    }
                    var estimate: ber_int_t = 0
                    rc = ldap_parse_pageresponse_control(self.handle, found, &estimate, &cookie)
                    guard rc == LDAP_SUCCESS else { throw failure("cannot read the paged-results response", rc) }
                    pageDone = true
                default:
                    continue
                }
            }
        } while cookie.bv_len > 0
        return total
    }

    /// Reads one attribute of one entry with a base search, for AD range retrieval.
    package func readAttribute(dn: String, attribute: String) throws -> (name: String, values: [String])? {
        let attributeList = CStringArray([attribute])
        var timeout = timeval(tv_sec: options.timeoutSeconds, tv_usec: 0)
        var result: OpaquePointer?
        let rc = attributeList.withPointer { attrs in
            ldap_search_ext_s(handle, dn, LDAP_SCOPE_BASE, "(objectClass=*)", attrs, 0, nil, nil, &timeout, 0, &result)
        }
        defer { if let result { ldap_msgfree(result) } }
        guard rc == LDAP_SUCCESS, let result else { throw failure("reading \(attribute) of \(dn) failed", rc) }
        guard let entry = ldap_first_entry(handle, result) else { return nil }
        let decoded = decode(entry, AttributeNameCache(requested: []))
        return decoded.attributes.first.map { ($0.key, $0.value) }
    }

    // MARK: - Decoding

    /// Decodes an entry in one pass over its BER encoding (`ldap_get_attribute_ber`, as
    /// ldapsearch does): asking for each attribute by name would scan the entry each time.
    /// Values go straight into the entry at their name's position in the search's layout.
    private func decode(_ entry: OpaquePointer, _ names: AttributeNameCache) -> DirectoryEntry {
        var ber: OpaquePointer?
        var dnValue = berval()
        guard ldap_get_dn_ber(handle, entry, &ber, &dnValue) == LDAP_SUCCESS, let ber else {
            return DirectoryEntry(dn: "", layout: names.layout)
        }
        defer { ber_free(ber, 0) }
        var result = DirectoryEntry(
            dn: Self.string(dnValue), layout: names.layout, capacity: names.layout.names.count + 4)
        var unrequested: [(name: String, values: [String])] = []
        var name = berval()
        var values: UnsafeMutablePointer<berval>?
        while ldap_get_attribute_ber(handle, entry, ber, &name, &values) == LDAP_SUCCESS, name.bv_val != nil {
            defer {
                if let values { ber_memfree(values) }
                values = nil
            }
            guard let values else { continue }
            let known = names.lookup(name)
            var index = 0
            if let position = known.position {
                while values[index].bv_val != nil {
                    result.append(CollectionOfOne(LDAPValues.decode(values[index], as: known.syntax)), at: position)
                    index += 1
                }
            } else {
                var decoded: [String] = []
                while values[index].bv_val != nil {
                    decoded.append(LDAPValues.decode(values[index], as: known.syntax))
                    index += 1
                }
                unrequested.append((known.key, decoded))
            }
        }
        // Names the search did not ask for by that exact name: AD's `member;range=0-1499`.
        for (key, decoded) in unrequested { result.append(decoded, to: key) }
        return result
    }

    private static func string(_ value: berval) -> String {
        guard let pointer = value.bv_val else { return "" }
        return String(decoding: UnsafeRawBufferPointer(start: pointer, count: Int(value.bv_len)), as: UTF8.self)
    }

    private func lastError() -> Int32 {
        var code: Int32 = 0
        ldap_get_option(handle, LDAP_OPT_RESULT_CODE, &code)
        return code
    }

    /// A connection that could not be made: down or refused, or TLS that failed on a port that answers.
    private func connectionFailure(_ code: Int32) -> ToolError {
        let words = "\(String(cString: ldap_err2string(code))) (\(code))"
        if TCPProbe.reachable(url: options.url, timeout: options.timeoutSeconds) {
            return ToolError(
                .sourceUnreachable,
                "\(options.url): error: the TLS handshake failed (\(words)): the server's certificate is not trusted by \(options.caFile ?? "the system's CA store") or not issued for this host name"
            )
        }
        return ToolError(
            .sourceUnreachable,
            "\(options.url): error: cannot connect (\(words)): the server is down, the port is wrong or the connection is refused"
        )
    }

    /// A failure as the user reads it: server, what failed, libldap's words and a hint.
    private func failure(_ what: String, _ code: Int32) -> ToolError {
        var diagnostic = ""
        var pointer: UnsafeMutablePointer<CChar>?
        if ldap_get_option(handle, LDAP_OPT_DIAGNOSTIC_MESSAGE, &pointer) == LDAP_SUCCESS, let pointer {
            diagnostic = String(cString: pointer)
            ldap_memfree(pointer)
        }
        var hint = ""
        switch code {
        case LDAP_SERVER_DOWN:
            hint =
                " — is the server running and reachable, and is the certificate trusted (ca_file) and issued for this host name?"
        case LDAP_INVALID_CREDENTIALS:
            hint = " — check bind_dn and the password in password_env or password_file"
        case LDAP_CONNECT_ERROR:
            hint = " — TLS could not be set up; check ca_file and the server's certificate"
        case LDAP_TIMEOUT:
            hint = " — no answer within timeout_seconds"
        default: break
        }
        let extra = diagnostic.isEmpty || diagnostic.contains("unknown error") ? "" : " (\(diagnostic))"
        return ToolError(
            .sourceUnreachable,
            "\(options.url): error: \(what): \(String(cString: ldap_err2string(code))) (\(code))\(extra)\(hint)")
    }
}

/// The attribute names a server sends in one search, matched byte for byte to their position
/// in the search's layout (the requested names) without making a string: entries repeat the
/// same dozen names.
package final class AttributeNameCache {
    package let layout: AttributeLayout
    private var known: [(bytes: [UInt8], name: Name)] = []

    package struct Name {
        package var key: String
        package var position: Int?
        package var syntax: LDAPValues.Syntax
    }

    package init(requested: [String]) {
        var seen = Set<String>()
        layout = AttributeLayout(requested.map { $0.lowercased() }.filter { seen.insert($0).inserted })
    }

    func lookup(_ name: berval) -> Name {
        let raw = UnsafeRawBufferPointer(start: name.bv_val, count: Int(name.bv_len))
        for entry in known
        where entry.bytes.count == raw.count
            && entry.bytes.withUnsafeBytes({ memcmp($0.baseAddress!, raw.baseAddress!, raw.count) == 0 })
        {
            return entry.name
        }
        let key = String(decoding: raw, as: UTF8.self).lowercased()
        let found = Name(key: key, position: layout.position(of: key), syntax: LDAPValues.Syntax(attribute: key))
        if known.count < 64 { known.append((Array(raw), found)) }
        return found
    }
}

/// A NULL-terminated `char**` that lives as long as the value.
private final class CStringArray {
    private var pointers: [UnsafeMutablePointer<CChar>?]

    package init(_ strings: [String]) {
        pointers = strings.map { strdup($0) } + [nil]
    }

    deinit { for pointer in pointers { free(pointer) } }

    func withPointer<R>(_ body: (UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>) -> R) -> R {
        pointers.withUnsafeMutableBufferPointer { body($0.baseAddress!) }
    }
}

/// Value syntaxes: binary AD attributes as their usual text forms, everything else UTF-8.
package enum LDAPValues {
    package enum Syntax {
        case text, guid, sid

        package init(attribute: String) {
            switch attribute {
            case "objectguid": self = .guid
            case "objectsid": self = .sid
            default: self = .text
            }
        }
    }

    static func decode(_ value: berval, as syntax: Syntax) -> String {
        let raw = UnsafeRawBufferPointer(start: value.bv_val, count: value.bv_val == nil ? 0 : Int(value.bv_len))
        switch syntax {
        case .text: return String(decoding: raw, as: UTF8.self)
        case .guid: return guid(Array(raw))
        case .sid: return sid(Array(raw)) ?? Hashing.hex(Array(raw))
        }
    }

    /// A GUID as AD shows it: the first three groups little-endian.
    package static func guid(_ b: [UInt8]) -> String {
        guard b.count == 16 else { return Hashing.hex(b) }
        let order = [3, 2, 1, 0, -1, 5, 4, -1, 7, 6, -1, 8, 9, -1, 10, 11, 12, 13, 14, 15]
        return order.map { $0 < 0 ? "-" : Hashing.hex([b[$0]]) }.joined()
    }

    /// A SID as `S-1-5-21-…`.
    package static func sid(_ b: [UInt8]) -> String? {
        guard b.count >= 8, b.count == 8 + Int(b[1]) * 4 else { return nil }
        var authority: UInt64 = 0
        for index in 2..<8 { authority = authority << 8 | UInt64(b[index]) }
        var parts = ["S", String(b[0]), String(authority)]
        for index in 0..<Int(b[1]) {
            let offset = 8 + index * 4
            let value =
                UInt32(b[offset]) | UInt32(b[offset + 1]) << 8 | UInt32(b[offset + 2]) << 16 | UInt32(b[offset + 3])
                << 24
            parts.append(String(value))
        }
        return parts.joined(separator: "-")
    }
}

/// Whether a TCP connection to the URL's host and port can be opened: tells "down" from
/// "TLS failed" when libldap says only "Can't contact LDAP server".
package enum TCPProbe {
    package static func reachable(url: String, timeout: Int) -> Bool {
        guard let parts = URLComponents(string: url), let host = parts.host else { return false }
        let port = parts.port ?? (url.lowercased().hasPrefix("ldaps://") ? 636 : 389)
        var hints = addrinfo()
        hints.ai_socktype = Int32(SOCK_STREAM.rawValue)
        var list: UnsafeMutablePointer<addrinfo>?
        guard getaddrinfo(host, String(port), &hints, &list) == 0, let list else { return false }
        defer { freeaddrinfo(list) }
        var current: UnsafeMutablePointer<addrinfo>? = list
        while let info = current {
            defer { current = info.pointee.ai_next }
            let fd = socket(info.pointee.ai_family, info.pointee.ai_socktype, info.pointee.ai_protocol)
            guard fd >= 0 else { continue }
            defer { close(fd) }
            let flags = fcntl(fd, F_GETFL, 0)
            _ = fcntl(fd, F_SETFL, flags | O_NONBLOCK)
            if connect(fd, info.pointee.ai_addr, info.pointee.ai_addrlen) == 0 { return true }
            guard errno == EINPROGRESS else { continue }
            var poller = pollfd(fd: fd, events: Int16(POLLOUT), revents: 0)
            guard poll(&poller, 1, Int32(min(timeout, 10) * 1000)) == 1 else { continue }
            var error: Int32 = 0
            var length = socklen_t(MemoryLayout<Int32>.size)
            getsockopt(fd, SOL_SOCKET, SO_ERROR, &error, &length)
            if error == 0 { return true }
        }
        return false
    }
}
