import Foundation

/// `mail:` in `accessreview.yaml`: how `notify` reaches reviewers (an SMTP relay, such as
/// Exchange or Postfix). Certificates are always verified; plain SMTP is refused unless
/// `allow_insecure: true`, as for LDAP.
public struct MailConfig: Sendable {
    /// `smtp://host:587` (with `starttls: true`) or `smtps://host:465`.
    public var url: String
    public var starttls: Bool
    public var allowInsecure: Bool
    public var from: String
    public var replyTo: String?
    public var username: String?
    public var passwordEnv: String?
    public var passwordFile: String?
    public var caFile: String?
    /// Which sheet files go with a message: xlsx and/or pdf (default both).
    public var formats: [String]
    /// The folder of the message templates: `<language>/<kind>.txt` (default: the folder
    /// `mail` beside the handbook).
    public var templates: String
    public var timeoutSeconds: Int

    /// The password from `password_env` or `password_file`; nil without a login.
    public func password(places: ConfigPlaces) throws -> String? {
        guard username != nil else { return nil }
        guard
            let password = try PasswordSource.read(
                env: passwordEnv.map { ($0, places.at("mail.password_env")) },
                file: passwordFile.map { ($0, places.at("mail.password_file")) }, section: "mail")
        else {
            throw ToolError(
                .configuration,
                "\(places.at("mail.username")): error: mail.username is set but no password source: set password_env or password_file"
            )
        }
        return password
    }

    static func parse(_ map: YAMLMap, resolve: (String) -> String, rules: String?) -> MailConfig? {
        defer { map.close() }
        let url = map.string("url", required: true)
        let starttls = map.bool("starttls") ?? false
        let allowInsecure = map.bool("allow_insecure") ?? false
        let from = map.string("from", required: true)
        let replyTo = map.string("reply_to")
        let username = map.string("username")
        let passwordEnv = map.string("password_env")
        let passwordFile = map.string("password_file").map(resolve)
        let caFile = map.string("ca_file").map(resolve)
        let timeout = map.int("timeout_seconds", range: 1...600) ?? 30
        var formats = ["xlsx", "pdf"]
        if let list = map.strings("formats") {
            let unknown = list.filter { !["xlsx", "pdf", "csv"].contains($0) }
            if !unknown.isEmpty || list.isEmpty {
                map.error(
                    map.raw("formats"),
                    "'mail.formats' lists xlsx, pdf and/or csv, not \(unknown.joined(separator: ", "))")
            }
            formats = ["xlsx", "pdf", "csv"].filter(list.contains)
        }
        let templates =
            map.string("templates").map(resolve)
            ?? (((rules.map { ($0 as NSString).deletingLastPathComponent }) ?? resolve(".")) as NSString)
            .appendingPathComponent("mail")
        if map.has("password") {
            map.error(
                map.raw("password"),
                "a password must never be written in the configuration: use password_env or password_file")
        }
        if let url {
            let lower = url.lowercased()
            if !lower.hasPrefix("smtp://") && !lower.hasPrefix("smtps://") {
                map.error(map.raw("url"), "'mail.url' must start with smtp:// or smtps://")
            } else if lower.hasPrefix("smtp://"), !starttls, !allowInsecure {
                map.error(
                    map.raw("url"),
                    "\(url) would send the sheets and the password in clear text: use starttls: true or smtps://, or (for a test server only) allow_insecure: true"
                )
            }
        }
        for (key, address) in [("from", from), ("reply_to", replyTo)] {
            if let address, !MailAddress.isPlausible(address) {
                map.error(map.raw(key), "'mail.\(key)' is not an e-mail address: \(address)")
            }
        }
        if username != nil && passwordEnv == nil && passwordFile == nil {
            map.error(map.raw("username"), "'mail.username' needs password_env or password_file")
        }
        if passwordEnv != nil && passwordFile != nil {
            map.error(map.raw("password_file"), "set either password_env or password_file, not both")
        }
        guard let url, let from else { return nil }
        return MailConfig(
            url: url, starttls: starttls, allowInsecure: allowInsecure, from: from, replyTo: replyTo,
            username: username, passwordEnv: passwordEnv, passwordFile: passwordFile, caFile: caFile,
            formats: formats, templates: templates, timeoutSeconds: timeout)
    }
}

/// What an address in a message header may look like: one `local@domain`, nothing that
/// could end a header line or add a recipient.
public enum MailAddress {
    public static func isPlausible(_ address: String) -> Bool {
        let parts = address.split(separator: "@", omittingEmptySubsequences: false)
        guard parts.count == 2, !parts[0].isEmpty, parts[1].contains("."), address.count <= 254 else { return false }
        return address.unicodeScalars.allSatisfy {
            $0.value > 0x20 && $0.value < 0x7F && !"<>(),;:\\\"[]".unicodeScalars.contains($0)
        }
    }
}
