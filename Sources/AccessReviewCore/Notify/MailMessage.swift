import Foundation

/// One e-mail as RFC 5322 / MIME bytes: a UTF-8 text body (quoted-printable) and the sheet
/// files as base64 attachments. What reaches a header from the directory (names) is
/// encoded, never pasted: a name cannot add a header or a recipient.
public struct MailMessage: Sendable {
    public struct Attachment: Sendable {
        public var name: String
        public var contentType: String
        public var data: Data

        public init(name: String, contentType: String, data: Data) {
            self.name = name
            self.contentType = contentType
            self.data = data
        }

        public var sha256: String { Hashing.sha256Hex(data) }

        public static func contentType(ofFile name: String) -> String {
            switch (name as NSString).pathExtension.lowercased() {
            case "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
            case "pdf": "application/pdf"
            case "csv": "text/csv; charset=utf-8"
            default: "application/octet-stream"
            }
        }
    }

    public var from: String
    public var fromName: String
    public var to: String
    public var toName: String
    public var replyTo: String?
    public var subject: String
    public var body: String
    public var attachments: [Attachment]
    public var messageId: String
    public var date: Date

    public init(
        from: String, fromName: String, to: String, toName: String, replyTo: String?, subject: String, body: String,
        attachments: [Attachment], messageId: String, date: Date
    ) {
        self.from = from
        self.fromName = fromName
        self.to = to
        self.toName = toName
        self.replyTo = replyTo
        self.subject = subject
        self.body = body
        self.attachments = attachments
        self.messageId = messageId
        self.date = date
    }

    /// A new Message-ID in the sender's domain.
    public static func newMessageId(from: String) -> String {
        let domain = from.split(separator: "@").last.map(String.init) ?? "accessreview.invalid"
        return "<\(UUID().uuidString.lowercased()).accessreview@\(domain)>"
    }

    /// The message as sent, lines ending in CRLF.
    public var bytes: [UInt8] {
        let boundary = "accessreview-" + Hashing.sha256Hex(Data(messageId.utf8)).prefix(24)
        var lines: [String] = [
            "From: \(Self.mailbox(fromName, from))",
            "To: \(Self.mailbox(toName, to))",
        ]
        if let replyTo { lines.append("Reply-To: <\(replyTo)>") }
        lines += [
            "Subject: \(Self.headerText(subject))",
            "Date: \(Self.rfc5322Date(date))",
            "Message-ID: \(messageId)",
            "MIME-Version: 1.0",
            "Auto-Submitted: auto-generated",
            "X-Mailer: accessreview",
        ]
        if attachments.isEmpty {
            lines += ["Content-Type: text/plain; charset=utf-8", "Content-Transfer-Encoding: quoted-printable", ""]
            lines += Self.quotedPrintable(body)
        } else {
            lines += ["Content-Type: multipart/mixed; boundary=\"\(boundary)\"", "", "This is a MIME message."]
            lines += [
                "--\(boundary)", "Content-Type: text/plain; charset=utf-8",
                "Content-Transfer-Encoding: quoted-printable", "",
            ]
            lines += Self.quotedPrintable(body)
            for attachment in attachments {
                lines += [
                    "--\(boundary)",
                    "Content-Type: \(attachment.contentType); \(Self.parameter("name", attachment.name))",
                    "Content-Disposition: attachment; \(Self.parameter("filename", attachment.name))",
                    "Content-Transfer-Encoding: base64", "",
                ]
                let base64 = attachment.data.base64EncodedString()
                var start = base64.startIndex
                while start < base64.endIndex {
                    let end = base64.index(start, offsetBy: 76, limitedBy: base64.endIndex) ?? base64.endIndex
                    lines.append(String(base64[start..<end]))
                    start = end
                }
            }
            lines.append("--\(boundary)--")
        }
        return Array((lines.joined(separator: "\r\n") + "\r\n").utf8)
    }

    /// `"Name" <address>`, the name as an encoded word where it is not plain ASCII.
    static func mailbox(_ name: String, _ address: String) -> String {
        let clean = name.unicodeScalars.filter { $0.value >= 0x20 && $0.value != 0x7F }.map(String.init).joined()
        guard !clean.isEmpty else { return "<\(address)>" }
        if clean.unicodeScalars.allSatisfy({ $0.isASCII }) {
            let quoted = clean.replacingOccurrences(of: "\\", with: "\\\\").replacingOccurrences(of: "\"", with: "\\\"")
            return "\"\(quoted)\" <\(address)>"
        }
        return "\(encodedWords(clean)) <\(address)>"
    }

    /// A header's text: as it is where it is printable ASCII, else RFC 2047 encoded words.
    static func headerText(_ text: String) -> String {
        let clean = text.unicodeScalars.map { $0.value < 0x20 || $0.value == 0x7F ? " " : String($0) }.joined()
        if clean.unicodeScalars.allSatisfy({ $0.isASCII }) && clean.count <= 900 { return clean }
        return encodedWords(clean)
    }

    /// `=?UTF-8?B?…?=` words of at most 75 characters, split between characters, folded.
    static func encodedWords(_ text: String) -> String {
        var words: [String] = []
        var chunk = ""
        for character in text {
            if (chunk + String(character)).utf8.count > 45 {
                words.append("=?UTF-8?B?\(Data(chunk.utf8).base64EncodedString())?=")
                chunk = ""
            }
            chunk.append(character)
        }
        if !chunk.isEmpty { words.append("=?UTF-8?B?\(Data(chunk.utf8).base64EncodedString())?=") }
        return words.joined(separator: "\r\n ")
    }

    /// A MIME parameter: `name="value"` for plain ASCII, else RFC 2231 `name*=UTF-8''…`.
    static func parameter(_ name: String, _ value: String) -> String {
        if value.unicodeScalars.allSatisfy({ $0.isASCII && $0.value >= 0x20 && $0 != "\"" && $0 != "\\" }) {
            return "\(name)=\"\(value)\""
        }
        let encoded = value.utf8.map { byte -> String in
            let scalar = Unicode.Scalar(byte)
            return byte < 0x80 && (scalar.properties.isAlphabetic || "0123456789.-_".unicodeScalars.contains(scalar))
                ? String(scalar) : String(format: "%%%02X", byte)
        }.joined()
        return "\(name)*=UTF-8''\(encoded)"
    }

    /// The body in quoted-printable lines of at most 76 characters.
    static func quotedPrintable(_ text: String) -> [String] {
        var result: [String] = []
        for line in text.replacingOccurrences(of: "\r\n", with: "\n").components(separatedBy: "\n") {
            var encoded = ""
            var current = ""
            let bytes = Array(line.utf8)
            for (index, byte) in bytes.enumerated() {
                let last = index == bytes.count - 1
                let piece: String
                if (byte == 0x20 || byte == 0x09) && !last {
                    piece = String(UnicodeScalar(byte))
                } else if byte >= 0x21 && byte <= 0x7E && byte != 0x3D {
                    piece = String(UnicodeScalar(byte))
                } else {
                    piece = String(format: "=%02X", byte)
                }
                if current.count + piece.count > 75 {
                    encoded += current + "=\r\n"
                    current = ""
                }
                current += piece
            }
            encoded += current
            result.append(encoded)
        }
        return result
    }

    static func rfc5322Date(_ date: Date) -> String {
        let formatter = DateFormatter()
        formatter.locale = Locale(identifier: "en_US_POSIX")
        formatter.timeZone = .organisation
        formatter.dateFormat = "EEE, dd MMM yyyy HH:mm:ss Z"
        return formatter.string(from: date)
    }
}
