import Foundation

/// A real slapd for the LDAP tests: started from a throwaway config in a temporary folder,
/// on free loopback ports, with the mdb backend, the memberof, refint and ppolicy overlays,
/// and TLS with a certificate made at start. Never a mock of libldap.
public final class Slapd: @unchecked Sendable {
    public static let binary = "/usr/sbin/slapd"
    public static var isInstalled: Bool { FileManager.default.isExecutableFile(atPath: binary) }

    public let folder = TemporaryFolder("accessreview-slapd")
    public let suffix = "dc=eksempel,dc=dk"
    public let rootDN = "cn=admin,dc=eksempel,dc=dk"
    public let readerDN = "uid=reader,ou=Servicekonti,dc=eksempel,dc=dk"
    public let readerPassword = "reader-\(UUID().uuidString.prefix(8))"
    public let port: Int
    public let tlsPort: Int
    public var caFile: String { folder.file("cert.pem") }
    /// A CA that did not sign the server's certificate.
    public var wrongCAFile: String { folder.file("wrong.pem") }
    public var url: String { "ldap://127.0.0.1:\(port)" }
    public var tlsURL: String { "ldaps://127.0.0.1:\(tlsPort)" }
    private var process: Process?

    /// Once a test run: stops the slapds that an earlier test process left running when it
    /// crashed (its `deinit` never ran). They are ours by their config folder and orphans by
    /// their parent, which is no longer a test process.
    static let reaped: Void = {
        guard let pids = try? FileManager.default.contentsOfDirectory(atPath: "/proc") else { return }
        for pid in pids.compactMap(Int32.init) {
            guard let command = try? String(contentsOfFile: "/proc/\(pid)/cmdline", encoding: .utf8),
                command.hasPrefix(binary), command.contains("/accessreview-slapd"),
                let status = try? String(contentsOfFile: "/proc/\(pid)/status", encoding: .utf8),
                let parent = status.split(separator: "\n").first(where: { $0.hasPrefix("PPid:") })?.split(
                    separator: "\t"
                ).last,
                let parentPid = Int32(parent.trimmingCharacters(in: .whitespaces))
            else { continue }
            let parentCommand = (try? String(contentsOfFile: "/proc/\(parentPid)/cmdline", encoding: .utf8)) ?? ""
            if parentPid == 1 || !parentCommand.contains("xctest") { _ = Glibc.kill(pid, SIGKILL) }
        }
    }()

    public struct Failure: Error, CustomStringConvertible {
        public var description: String
    }

    /// Starts slapd. `sizeLimit` is the server's default size limit; the reader account has none.
    public init(sizeLimit: Int = 500) throws {
        _ = Slapd.reaped
        port = try Slapd.freePort()
        tlsPort = try Slapd.freePort()
        try FileManager.default.createDirectory(atPath: folder.file("db"), withIntermediateDirectories: true)
        try Slapd.run(
            "/usr/bin/openssl",
            [
                "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", folder.file("key.pem"),
                "-out", folder.file("cert.pem"), "-days", "2", "-subj", "/CN=127.0.0.1",
                "-addext", "subjectAltName=IP:127.0.0.1",
            ])
        try Slapd.run(
            "/usr/bin/openssl",
            [
                "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", folder.file("wrong-key.pem"),
                "-out", folder.file("wrong.pem"), "-days", "2", "-subj", "/CN=127.0.0.1",
                "-addext", "subjectAltName=IP:127.0.0.1",
            ])
        let rootPassword = "root-\(UUID().uuidString)"
        folder.write("root.pw", rootPassword)
        chmod(folder.file("root.pw"), 0o600)
        folder.write(
            "slapd.conf",
            """
            include /etc/ldap/schema/core.schema
            include /etc/ldap/schema/cosine.schema
            include /etc/ldap/schema/inetorgperson.schema
            include /etc/ldap/schema/nis.schema
            include \(Repository.path("Samples/schema/eksempel.schema"))
            modulepath /usr/lib/ldap
            moduleload back_mdb
            moduleload memberof
            moduleload refint
            moduleload ppolicy
            pidfile \(folder.file("slapd.pid"))
            TLSCertificateFile \(folder.file("cert.pem"))
            TLSCertificateKeyFile \(folder.file("key.pem"))
            sizelimit \(sizeLimit)
            database mdb
            suffix "\(suffix)"
            rootdn "\(rootDN)"
            rootpw \(rootPassword)
            directory \(folder.file("db"))
            maxsize 1073741824
            dbnosync
            index objectClass eq
            index uid eq
            index member eq
            limits dn.exact="\(readerDN)" size.prtotal=unlimited size.soft=unlimited size.hard=unlimited
            overlay memberof
            memberof-group-oc groupOfNames
            memberof-refint TRUE
            overlay refint
            refint_attributes member
            overlay ppolicy
            ppolicy_use_lockout

            """)
        let process = Process()
        process.executableURL = URL(fileURLWithPath: Slapd.binary)
        process.arguments = ["-d", "0", "-h", "\(url)/ \(tlsURL)/", "-f", folder.file("slapd.conf")]
        process.standardOutput = FileHandle.nullDevice
        process.standardError = FileHandle(forWritingAtPath: "/dev/null")
        try process.run()
        self.process = process
        let deadline = Date().addingTimeInterval(10)
        while !Slapd.accepts(port: port) {
            guard Date() < deadline, process.isRunning else {
                stop()
                throw Failure(
                    description:
                        "slapd did not start on 127.0.0.1:\(port); check \(folder.file("slapd.conf")) with slaptest")
            }
            usleep(20_000)
        }
        try add(
            """
            dn: \(suffix)
            objectClass: dcObject
            objectClass: organization
            o: Eksempel Kommune
            dc: eksempel

            dn: ou=Servicekonti,\(suffix)
            objectClass: organizationalUnit
            ou: Servicekonti

            dn: \(readerDN)
            objectClass: account
            objectClass: simpleSecurityObject
            uid: reader
            userPassword: \(readerPassword)

            """)
    }

    deinit { stop() }

    /// Stops the server at once (SIGKILL): the "server died" case.
    public func kill() {
        if let process, process.isRunning {
            Foundation.kill(process.processIdentifier, SIGKILL)
            process.waitUntilExit()
        }
    }

    /// Stops slapd. The database is thrown away, so there is nothing to shut down cleanly.
    public func stop() {
        kill()
        process = nil
    }

    /// Adds LDIF entries as the root DN (with ldapadd; the password is read from a file).
    public func add(_ ldif: String) throws {
        let path = folder.write("add-\(UUID().uuidString.prefix(6)).ldif", ldif)
        try addFile(path)
    }

    public func addFile(_ path: String) throws {
        try Slapd.run(
            "/usr/bin/ldapadd", ["-x", "-c", "-H", url, "-D", rootDN, "-y", folder.file("root.pw"), "-f", path])
    }

    /// A file holding the reader's password, mode 0600, for `password_file`.
    public func readerPasswordFile() -> String {
        let path = folder.write("reader.pw", readerPassword)
        chmod(path, 0o600)
        return path
    }

    // MARK: - Helpers

    @discardableResult
    public static func run(_ tool: String, _ arguments: [String]) throws -> String {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: tool)
        process.arguments = arguments
        let output = Pipe()
        process.standardOutput = output
        process.standardError = output
        try process.run()
        let data = output.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        let text = String(decoding: data, as: UTF8.self)
        guard process.terminationStatus == 0 else {
            throw Failure(
                description:
                    "\((tool as NSString).lastPathComponent) failed (\(process.terminationStatus)): \(text.suffix(2000))"
            )
        }
        return text
    }

    /// A port that nothing listens on now.
    public static func freePort() throws -> Int {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard fd >= 0 else { throw Failure(description: "socket() failed") }
        defer { close(fd) }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = 0
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        let bound = withUnsafeMutablePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                bind(fd, $0, length) == 0 && getsockname(fd, $0, &length) == 0
            }
        }
        guard bound else { throw Failure(description: "bind() failed") }
        return Int(UInt16(bigEndian: address.sin_port))
    }

    public static func accepts(port: Int) -> Bool {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard fd >= 0 else { return false }
        defer { close(fd) }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = UInt16(port).bigEndian
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        return withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) == 0
            }
        }
    }
}
