import Foundation

/// A real SMTP server for the notify tests: aiosmtpd (Debian's `python3-aiosmtpd`) on a free
/// loopback port, with STARTTLS required (a certificate made at start), AUTH required after
/// it, and every message it accepts written to a folder as received. Never a mock of libcurl.
public final class SMTPServer: @unchecked Sendable {
    /// Debian's python, where `python3-aiosmtpd` is installed (a `python3` earlier on PATH may
    /// be another one).
    public static let python = "/usr/bin/python3"
    public static var isInstalled: Bool {
        FileManager.default.fileExists(atPath: python)
            && (try? Slapd.run(python, ["-c", "import aiosmtpd"])) != nil
    }

    public let folder = TemporaryFolder("accessreview-smtp")
    public let port: Int
    public let username = "accessreview"
    public let password = "smtp-\(UUID().uuidString.prefix(12))"
    public var url: String { "smtp://127.0.0.1:\(port)" }
    public var caFile: String { folder.file("cert.pem") }
    /// A CA that did not sign the server's certificate.
    public var wrongCAFile: String { folder.file("wrong.pem") }
    public var passwordFile: String { folder.file("password") }
    private var process: Process?

    public struct Failure: Error, CustomStringConvertible {
        public var description: String
    }

    /// One message as the server received it.
    public struct Received: Sendable {
        public var mailFrom: String
        public var recipients: [String]
        /// The DATA as sent, CRLF line ends.
        public var data: Data
    }

    /// Starts the server; it refuses the recipients in `refuse` with 550.
    public init(refuse: [String] = []) throws {
        port = try Slapd.freePort()
        for (key, cert) in [("key.pem", "cert.pem"), ("wrong-key.pem", "wrong.pem")] {
            _ = try Slapd.run(
                "/usr/bin/openssl",
                [
                    "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", folder.file(key), "-out",
                    folder.file(cert), "-days", "2", "-subj", "/CN=127.0.0.1", "-addext",
                    "subjectAltName=IP:127.0.0.1",
                ])
        }
        folder.write("password", password)
        chmod(passwordFile, 0o600)
        try FileManager.default.createDirectory(atPath: folder.file("received"), withIntermediateDirectories: true)
        folder.write("refuse.txt", refuse.joined(separator: "\n"))
        folder.write("server.py", Self.script)
        let process = Process()
        process.executableURL = URL(fileURLWithPath: Self.python)
        process.arguments = [folder.file("server.py"), folder.path, String(port), username]
        process.standardOutput = FileHandle.nullDevice
        process.standardError = FileHandle(forWritingAtPath: folder.write("server.log", ""))
        try process.run()
        self.process = process
        let deadline = Date().addingTimeInterval(15)
        while !Slapd.accepts(port: port) || !folder.exists("ready") {
            guard Date() < deadline, process.isRunning else {
                stop()
                throw Failure(
                    description:
                        "aiosmtpd did not start on 127.0.0.1:\(port): \(folder.read("server.log") ?? "")")
            }
            usleep(20_000)
        }
    }

    deinit { stop() }

    public func stop() {
        if let process, process.isRunning {
            kill(process.processIdentifier, SIGKILL)
            process.waitUntilExit()
        }
        process = nil
    }

    /// Every message received so far, in the order received.
    public func received() throws -> [Received] {
        let names = try FileManager.default.contentsOfDirectory(atPath: folder.file("received"))
            .filter { $0.hasSuffix(".json") }.sorted()
        return try names.map { name in
            let envelope =
                try JSONSerialization.jsonObject(
                    with: Data(contentsOf: URL(fileURLWithPath: folder.file("received/\(name)")))) as? [String: Any]
            let data = try Data(
                contentsOf: URL(fileURLWithPath: folder.file("received/\(name.dropLast(5)).eml")))
            return Received(
                mailFrom: envelope?["from"] as? String ?? "", recipients: envelope?["to"] as? [String] ?? [],
                data: data)
        }
    }

    /// The server: aiosmtpd's controller in a thread, STARTTLS and AUTH required, each
    /// accepted message written as `received/NNNNN.eml` with its envelope in `NNNNN.json`.
    static let script = #"""
        import json, os, ssl, sys, threading, time
        from aiosmtpd.controller import Controller
        from aiosmtpd.smtp import AuthResult, LoginPassword

        folder, port, username = sys.argv[1], int(sys.argv[2]), sys.argv[3]
        password = open(os.path.join(folder, "password"), "rb").read()
        refuse = set(open(os.path.join(folder, "refuse.txt")).read().split())
        count = 0
        lock = threading.Lock()

        class Handler:
            async def handle_RCPT(self, server, session, envelope, address, options):
                if address in refuse:
                    return "550 5.1.1 <%s>: mailbox unavailable" % address
                envelope.rcpt_tos.append(address)
                return "250 2.1.5 OK"

            async def handle_DATA(self, server, session, envelope):
                global count
                with lock:
                    count += 1
                    name = os.path.join(folder, "received", "%05d" % count)
                with open(name + ".eml", "wb") as f:
                    f.write(envelope.original_content)
                with open(name + ".json", "w") as f:
                    json.dump({"from": envelope.mail_from, "to": envelope.rcpt_tos}, f)
                return "250 2.0.0 Ok: queued as AR%05d" % count

        def authenticate(server, session, envelope, mechanism, data):
            if isinstance(data, LoginPassword) and data.login == username.encode() and data.password == password:
                return AuthResult(success=True)
            return AuthResult(success=False, handled=False)

        context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
        context.load_cert_chain(os.path.join(folder, "cert.pem"), os.path.join(folder, "key.pem"))
        controller = Controller(
            Handler(), hostname="127.0.0.1", port=port, tls_context=context, require_starttls=True,
            authenticator=authenticate, auth_require_tls=True)
        controller.start()
        open(os.path.join(folder, "ready"), "w").close()
        while True:
            time.sleep(3600)
        """#
}
