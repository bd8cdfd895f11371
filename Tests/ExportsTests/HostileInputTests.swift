@testable import AccessReviewCore
import Foundation
import Testing
import TestSupport

/// The fixture folder of broken and hostile exports, each with the error it must give.
@Suite(.processStarted) struct HostileInputTests {
    static let mapping = """
        system: s
        records: [{ path: /E/U, fields: { account: "@id", roles: R } }]
        correlate: [{ field: account, identity: id }]
        """

    func load(_ fixture: String) throws -> SystemExport {
        let parsed = try SystemMapping.parse(Self.mapping, file: "s.yaml", kind: .system, expectedSystem: nil)
        return try ExportLoader.loadSystem(
            export: Repository.path("Tests/ExportsTests/Fixtures/\(fixture)"), mapping: parsed)
    }

    struct Refusal: Sendable, CustomStringConvertible {
        var file: String
        var message: String
        var line: Int?
        var description: String { file }
    }

    static let refusals: [Refusal] = [
        Refusal(file: "billion-laughs.xml", message: "entit", line: nil),
        Refusal(file: "xxe-file.xml", message: "declares entities", line: nil),
        Refusal(file: "xxe-parameter.xml", message: "declares entities", line: nil),
        Refusal(file: "deep.xml", message: "nested deeper than 100", line: 1),
        Refusal(file: "invalid-utf8.xml", message: "malformed XML", line: 3),
        Refusal(file: "truncated.xml", message: "malformed XML", line: 4),
        Refusal(file: "unclosed.xml", message: "malformed XML", line: 5),
        Refusal(file: "latin1-declared-utf8.xml", message: "malformed XML", line: 2),
        Refusal(file: "not-xml.xml", message: "malformed XML", line: 1),
        Refusal(file: "empty.xml", message: "malformed XML", line: nil),
    ]

    @Test(arguments: refusals)
    func refusedWithFileAndLine(_ refusal: Refusal) throws {
        let started = Date()
        do {
            let export = try load(refusal.file)
            Issue.record("\(refusal.file) was accepted with \(export.accounts.count) accounts")
        } catch let diagnostic as Diagnostic {
            #expect(diagnostic.file.hasSuffix(refusal.file))
            #expect(diagnostic.message.contains(refusal.message), "\(diagnostic)")
            if let line = refusal.line { #expect(diagnostic.line == line, "\(diagnostic)") }
            #expect(!diagnostic.description.contains("root:x:0"), "no file content leaks into the message")
        }
        #expect(Date().timeIntervalSince(started) < 5, "hostile input fails fast")
    }

    @Test func anExternalDTDIsNeverFetchedAndTheExportStillReads() throws {
        let export = try load("external-dtd.xml")
        #expect(export.accounts.map(\.roles) == [["Reader"]])
    }

    @Test func declaredEncodingsAreReadAsUTF8() throws {
        #expect(try load("windows-1252.xml").accounts.first?.roles == ["Kasse €", "Løn"])
        #expect(try load("utf16.xml").accounts.first?.roles == ["Ærø"])
    }

    @Test func valuesAreNFCNormalised() throws {
        let role = try #require(try load("decomposed.xml").accounts.first?.roles.first)
        #expect(Array(role.unicodeScalars).count == 6, "Å composed into one scalar")
        #expect(role == "Ågaard")
    }

    @Test func aFieldEmptyInEveryRecordIsAWarningThatNamesIt() throws {
        let mapping = try SystemMapping.parse(
            """
            system: s
            records:
              - path: /E/U
                fields: { account: "@id", roles: Role }
            correlate: [{ field: account, identity: id }]
            """, file: "s.yaml", kind: .system, expectedSystem: nil)
        let export = try ExportLoader.loadSystem(
            export: Repository.path("Tests/ExportsTests/Fixtures/external-dtd.xml"), mapping: mapping)
        let warning = try #require(export.warnings.first)
        #expect(
            warning.severity == .warning && warning.line == 4
                && warning.message.contains("field 'roles' ('Role') is empty"))
    }
}
