import Foundation
import Testing
import TestSupport

/// LDAP servers that misbehave beyond being down, played by listeners on loopback: each must
/// end `pull` with exit 3 and a message naming the server, within `timeout_seconds` and a
/// margin, never a hang and never a short directory.
@Suite(.processStarted) struct LDAPFaultTests {
    enum Behaviour: String, CaseIterable, Sendable {
        /// Accepts and never answers.
        case silent
        /// Answers the bind with bytes that are not LDAP.
        case junk
        /// Accepts the bind, then closes the connection.
        case closesAfterBind
        /// Accepts the bind, sends one entry of the first search, then nothing.
        case halfPage
    }

    @Test(arguments: Behaviour.allCases)
    func aMisbehavingServerEndsWithExitThree(_ behaviour: Behaviour) throws {
        let server = try FaultyLDAPServer(behaviour)
        defer { server.stop() }
        let folder = TemporaryFolder()
        let config = folder.write(
            "accessreview.yaml",
            """
            version: 1
            output: out
            directory:
              source: ldap
              url: ldap://127.0.0.1:\(server.port)
              allow_insecure: true
              timeout_seconds: 2
              users: { base: "ou=people,dc=x", filter: "(objectClass=inetOrgPerson)" }
              groups: { base: "ou=groups,dc=x", filter: "(objectClass=groupOfNames)" }
            """)
        let started = Date()
        let outcome = try Tool.run(["pull", "--config", config, "--quiet", "--output", folder.file("d.json")])
        let seconds = Date().timeIntervalSince(started)
        #expect(!outcome.crashed)
        #expect(outcome.status == 3, "\(behaviour): exit \(outcome.status): \(outcome.stderr)")
        #expect(outcome.stderr.contains("ldap://127.0.0.1:\(server.port)"), "names the server: \(outcome.stderr)")
        #expect(seconds < 8, "\(behaviour) took \(seconds) s with timeout_seconds: 2")
        #expect(!folder.exists("d.json"), "no snapshot")
    }
}

/// A TCP listener on 127.0.0.1 that speaks just enough LDAP to misbehave in one way.
final class FaultyLDAPServer: @unchecked Sendable {
    let port: Int
    private let listener: Int32
    private let behaviour: LDAPFaultTests.Behaviour
    private let clients = LockedClients()

    final class LockedClients: @unchecked Sendable {
        private let lock = NSLock()
        private var fds: [Int32] = []
        func add(_ fd: Int32) { lock.withLock { fds.append(fd) } }
        func closeAll() {
            lock.withLock {
                fds.forEach { close($0) }; fds = []
            }
        }
    }

    init(_ behaviour: LDAPFaultTests.Behaviour) throws {
        self.behaviour = behaviour
        let listener = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        self.listener = listener
        var yes: Int32 = 1
        setsockopt(listener, SOL_SOCKET, SO_REUSEADDR, &yes, socklen_t(MemoryLayout<Int32>.size))
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        address.sin_port = 0
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        let bound = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(listener, $0, length) }
        }
        guard bound == 0, listen(listener, 8) == 0 else { throw POSIXError(.EADDRINUSE) }
        _ = withUnsafeMutablePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(listener, $0, &length) }
        }
        port = Int(UInt16(bigEndian: address.sin_port))
        Thread { [self] in self.serve() }.start()
    }

    func stop() {
        shutdown(listener, Int32(SHUT_RDWR))
        close(listener)
        clients.closeAll()
    }

    private func serve() {
        while true {
            let client = accept(listener, nil, nil)
            guard client >= 0 else { return }
            clients.add(client)
            let behaviour = self.behaviour
            Thread { Self.handle(client, behaviour) }.start()
        }
    }

    /// Reads one LDAP message (a BER SEQUENCE) and returns its message id, or nil at the end.
    private static func readMessage(_ fd: Int32) -> Int? {
        func byte() -> UInt8? {
            var b: UInt8 = 0
            return read(fd, &b, 1) == 1 ? b : nil
        }
        guard byte() == 0x30, var length = byte().map(Int.init) else { return nil }
        if length & 0x80 != 0 {
            let count = length & 0x7F
            length = 0
            for _ in 0..<count { guard let b = byte() else { return nil }; length = length << 8 | Int(b) }
        }
        var body = [UInt8](repeating: 0, count: length)
        var got = 0
        while got < length {
            let n = body.withUnsafeMutableBytes { read(fd, $0.baseAddress! + got, length - got) }
            guard n > 0 else { return nil }
            got += n
        }
        guard body.count >= 3, body[0] == 0x02 else { return nil }
        return body[2..<(2 + Int(body[1]))].reduce(0) { $0 << 8 | Int($1) }
    }

    private static func send(_ fd: Int32, _ bytes: [UInt8]) {
        _ = bytes.withUnsafeBytes { write(fd, $0.baseAddress, $0.count) }
    }

    /// A BER element: tag, short or long length, content.
    private static func element(_ tag: UInt8, _ content: [UInt8]) -> [UInt8] {
        let count = content.count
        let length: [UInt8] = count < 128 ? [UInt8(count)] : [0x82, UInt8(count >> 8), UInt8(count & 0xFF)]
        return [tag] + length + content
    }

    private static func message(_ id: Int, _ operation: [UInt8]) -> [UInt8] {
        element(0x30, element(0x02, [UInt8(id)]) + operation)
    }

    private static func handle(_ fd: Int32, _ behaviour: LDAPFaultTests.Behaviour) {
        guard let bindId = readMessage(fd) else { return }
        switch behaviour {
        case .silent:
            while readMessage(fd) != nil {}
        case .junk:
            send(
                fd,
                Array("HTTP/1.1 400 Bad Request\r\n\r\n<html>not LDAP</html>".utf8) + (0..<512).map { UInt8($0 % 251) })
            while readMessage(fd) != nil {}
        case .closesAfterBind, .halfPage:
            // BindResponse: resultCode success, empty matchedDN and diagnosticMessage.
            send(fd, message(bindId, element(0x61, [0x0A, 0x01, 0x00, 0x04, 0x00, 0x04, 0x00])))
            if behaviour == .closesAfterBind {
                shutdown(fd, Int32(SHUT_RDWR))
                return
            }
            guard let searchId = readMessage(fd) else { return }
            // One SearchResultEntry, then silence: half a page.
            let dn = Array("cn=g1,ou=groups,dc=x".utf8)
            send(fd, message(searchId, element(0x64, element(0x04, dn) + element(0x30, []))))
            while readMessage(fd) != nil {}
        }
    }
}
