import CCurl
import Foundation

/// Where and how messages are sent: an SMTP server reached through libcurl.
package struct SMTPSettings: Sendable {
    /// `smtp://host:port` (STARTTLS when `starttls`) or `smtps://host:port` (TLS from the start).
    package var url: String
    package var starttls: Bool
    /// Plain SMTP with neither STARTTLS nor SMTPS: only when the config says `allow_insecure`.
    package var allowInsecure: Bool
    package var username: String?
    /// Read from `password_file` or `password_env`; handed to libcurl and nowhere else.
    package var password: String?
    package var caFile: String?
    package var timeoutSeconds: Int

    package init(
        url: String, starttls: Bool, allowInsecure: Bool, username: String?, password: String?, caFile: String?,
        timeoutSeconds: Int
    ) {
        self.url = url
        self.starttls = starttls
        self.allowInsecure = allowInsecure
        self.username = username
        self.password = password
        self.caFile = caFile
        self.timeoutSeconds = timeoutSeconds
    }

    /// The server as messages name it: the URL without anything secret (it holds none).
    package var server: String { url }
}

/// Why a message was not sent.
package enum SMTPFailure: Error, Sendable, Equatable {
    /// The server is down, refused the login or the TLS handshake: nothing more can be sent.
    case server(String)
    /// The server refused this recipient; others may still be sent.
    case recipient(String)
}

/// One SMTP connection (libcurl's easy handle keeps it open between messages). Not shared
/// between threads.
package final class SMTPClient {
    private let handle: UnsafeMutableRawPointer
    private let settings: SMTPSettings

    package init(_ settings: SMTPSettings) throws(SMTPFailure) {
        let secure = settings.url.lowercased().hasPrefix("smtps://")
        guard settings.url.lowercased().hasPrefix("smtp://") || secure else {
            throw .server("\(settings.url): the mail URL must start with smtp:// or smtps://")
        }
        guard secure || settings.starttls || settings.allowInsecure else {
            throw .server(
                "\(settings.url): plain SMTP would send the password and the sheets unencrypted; set 'mail.starttls: true', use smtps://, or (on a trusted network only) 'mail.allow_insecure: true'"
            )
        }
        _ = SMTPClient.globalInit
        guard let handle = curl_easy_init() else { throw .server("\(settings.url): libcurl could not start") }
        self.handle = handle
        self.settings = settings
    }

    deinit { curl_easy_cleanup(handle) }

    private static let globalInit: Void = { _ = curl_global_init(Int(CURL_GLOBAL_DEFAULT)) }()

    /// What the server said about one message it accepted.
    package struct Accepted: Sendable {
        /// The server's final reply to the message (`250 ...`).
        package var reply: String
    }

    /// Sends `message` (RFC 5322 bytes, CRLF line ends) from `from` to `recipients`.
    package func send(from: String, to recipients: [String], message: [UInt8]) throws(SMTPFailure) -> Accepted {
        curl_easy_reset(handle)
        let exchange = Exchange(message: message)
        let context = Unmanaged.passRetained(exchange)
        defer { context.release() }
        var list: UnsafeMutablePointer<curl_slist>?
        for recipient in recipients { list = curl_slist_append(list, "<\(recipient)>") }
        defer { curl_slist_free_all(list) }
        var errorBuffer = [CChar](repeating: 0, count: Int(CURL_ERROR_SIZE) + 1)
        let secure = settings.url.lowercased().hasPrefix("smtps://")
        let result: CURLcode = errorBuffer.withUnsafeMutableBufferPointer { buffer in
            ar_curl_set_string(handle, CURLOPT_URL, settings.url)
            ar_curl_set_string(handle, CURLOPT_PROTOCOLS_STR, "smtp,smtps")
            ar_curl_set_long(handle, CURLOPT_NOSIGNAL, 1)
            ar_curl_set_long(handle, CURLOPT_CONNECTTIMEOUT, settings.timeoutSeconds)
            ar_curl_set_long(handle, CURLOPT_TIMEOUT, settings.timeoutSeconds * 4)
            ar_curl_set_long(handle, CURLOPT_SSL_VERIFYPEER, 1)
            ar_curl_set_long(handle, CURLOPT_SSL_VERIFYHOST, 2)
            if settings.starttls && !secure { ar_curl_set_long(handle, CURLOPT_USE_SSL, Int(CURLUSESSL_ALL.rawValue)) }
            if let ca = settings.caFile { ar_curl_set_string(handle, CURLOPT_CAINFO, ca) }
            if let username = settings.username { ar_curl_set_string(handle, CURLOPT_USERNAME, username) }
            if let password = settings.password { ar_curl_set_string(handle, CURLOPT_PASSWORD, password) }
            ar_curl_set_string(handle, CURLOPT_MAIL_FROM, "<\(from)>")
            ar_curl_set_list(handle, CURLOPT_MAIL_RCPT, list)
            ar_curl_set_long(handle, CURLOPT_UPLOAD, 1)
            ar_curl_set_read(handle, readMessage)
            ar_curl_set_pointer(handle, CURLOPT_READDATA, context.toOpaque())
            // The server's replies are kept (for the record); what the client sends (the login
            // among it) is never looked at.
            ar_curl_set_long(handle, CURLOPT_VERBOSE, 1)
            ar_curl_set_debug(handle, collectReplies)
            ar_curl_set_pointer(handle, CURLOPT_DEBUGDATA, context.toOpaque())
            ar_curl_set_pointer(handle, CURLOPT_ERRORBUFFER, buffer.baseAddress)
            return curl_easy_perform(handle)
        }
        let detail = String(decoding: errorBuffer.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
        if result == CURLE_OK {
            return Accepted(reply: exchange.replies.last ?? "")
        }
        throw Self.failure(result, detail: detail, replies: exchange.replies, server: settings.server)
    }

    /// Sorts libcurl's result into "this recipient" and "the server".
    static func failure(_ code: CURLcode, detail: String, replies: [String], server: String) -> SMTPFailure {
        let reason = detail.isEmpty ? String(cString: curl_easy_strerror(code)) : detail
        // The reply that refused (4xx or 5xx), not the goodbye after it.
        let refusal = replies.last { $0.hasPrefix("4") || $0.hasPrefix("5") } ?? replies.last
        let lastReply = refusal.map { " (the server said: \($0))" } ?? ""
        switch code {
        case CURLE_COULDNT_RESOLVE_HOST, CURLE_COULDNT_CONNECT, CURLE_OPERATION_TIMEDOUT:
            return .server("\(server): the mail server cannot be reached: \(reason)")
        case CURLE_LOGIN_DENIED:
            return .server("\(server): the mail server refused the login\(lastReply)")
        case CURLE_PEER_FAILED_VERIFICATION, CURLE_SSL_CONNECT_ERROR, CURLE_SSL_CACERT_BADFILE, CURLE_USE_SSL_FAILED,
            CURLE_SSL_CERTPROBLEM:
            return .server("\(server): the TLS handshake with the mail server failed: \(reason)")
        default:
            if reason.hasPrefix("RCPT failed") || reason.contains("recipients were rejected") {
                return .recipient("\(server): the mail server refused the recipient\(lastReply)")
            }
            return .server("\(server): sending failed: \(reason)\(lastReply)")
        }
    }
}

/// The message being read out to libcurl, and the server's replies.
private final class Exchange {
    let message: [UInt8]
    var offset = 0
    var replies: [String] = []
    var partial = ""

    init(message: [UInt8]) { self.message = message }
}

private func readMessage(
    _ buffer: UnsafeMutablePointer<CChar>?, _ size: Int, _ count: Int, _ context: UnsafeMutableRawPointer?
) -> Int {
    guard let buffer, let context else { return 0 }
    let exchange = Unmanaged<Exchange>.fromOpaque(context).takeUnretainedValue()
    let length = min(size * count, exchange.message.count - exchange.offset)
    guard length > 0 else { return 0 }
    exchange.message.withUnsafeBytes { bytes in
        UnsafeMutableRawPointer(buffer).copyMemory(
            from: bytes.baseAddress!.advanced(by: exchange.offset), byteCount: length)
    }
    exchange.offset += length
    return length
}

private func collectReplies(
    _ handle: UnsafeMutableRawPointer?, _ type: curl_infotype, _ data: UnsafeMutablePointer<CChar>?, _ size: Int,
    _ context: UnsafeMutableRawPointer?
) -> Int32 {
    // Only what the server sent: CURLINFO_HEADER_IN. The client's lines (with AUTH) are skipped.
    guard type == CURLINFO_HEADER_IN, let data, let context else { return 0 }
    let exchange = Unmanaged<Exchange>.fromOpaque(context).takeUnretainedValue()
    let text = String(decoding: UnsafeRawBufferPointer(start: data, count: size), as: UTF8.self)
    for line in text.split(separator: "\n", omittingEmptySubsequences: true) {
        let reply = line.trimmingCharacters(in: .whitespacesAndNewlines)
        if !reply.isEmpty { exchange.replies.append(String(reply.prefix(300))) }
    }
    return 0
}
