@testable import AccessReviewCore
import Foundation
import Testing
import TestSupport

/// The LDIF reader: libldap does the parsing; we check what reaches the snapshot.
@Suite(.processStarted) struct LDIFReaderTests {
    func read(_ ldif: String) throws -> [DirectoryEntry] {
        let folder = TemporaryFolder()
        return try LDIFReader.read(path: folder.write("d.ldif", ldif)).entries
    }

    func failure(_ ldif: String) -> Diagnostic? {
        let folder = TemporaryFolder()
        let path = folder.write("d.ldif", ldif)
        do {
            _ = try LDIFReader.read(path: path)
        } catch let diagnostic as Diagnostic {
            return diagnostic
        } catch {
            Issue.record("unexpected error \(error)")
        }
        return nil
    }

    /// The last record of a file that ends without a newline is read, not dropped; a record
    /// that does not start with its DN stops the read naming its line (libldap skips it).
    @Test func anUnterminatedLastRecordIsReadAndARecordWithoutDNStops() throws {
        let entries = try read("dn: uid=a,dc=x\nuid: a\n\ndn: uid=b,dc=x\nuid: b")
        #expect(entries.map(\.dn) == ["uid=a,dc=x", "uid=b,dc=x"])
        let missing = failure("dn: uid=a,dc=x\nuid: a\n\n# b\nuid: b\ncn: B\n\ndn: uid=c,dc=x\nuid: c\n")
        #expect(missing?.line == 5)
        #expect(missing?.message.contains("does not start with a 'dn:' line") == true)
    }

    /// Found by `make fuzz`: libldap crashed (strcasecmp on a null name) on a line that
    /// starts with ':'. The input as the fuzzer wrote it.
    @Test func aLineWithoutAnAttributeNameIsRefusedBeforeLibldapSeesIt() throws {
        let crash: [UInt8] =
            Array("# Eksempel Kommune \u{2014} an il Kommune \u{2014} an invent".utf8) + [0x96, 0x00]
            + Array("uuuuu".utf8) + [0, 0, 0, 0, 0, 0]
            + Array("enerate.py; lo not mdit by hand.\nversion: 1\n\ndn: dc=eksembjectClas".utf8) + [0x0C]
            + Array("syment\n:i".utf8)
        let folder = TemporaryFolder()
        let path = folder.write("crash.ldif", data: Data(crash))
        do {
            _ = try LDIFReader.read(path: path)
            Issue.record("must be refused")
        } catch let diagnostic as Diagnostic {
            #expect(diagnostic.line == 5)
            #expect(diagnostic.message.contains("is not 'name: value'"))
        }
    }

    /// Found by `make fuzz`: a "-" line (a change record's separator) in an entry made
    /// libldap dereference a null name. The input as the fuzzer wrote it.
    @Test func aDashLineAndANulByteAreRefusedBeforeLibldapSeesThem() throws {
        let crash: [UInt8] =
            Array("#.\nversion: 0\n\ndn:".utf8) + [0x18, 0x00] + Array("\n-\n-\nion:ecmitd n eoM".utf8)
        let folder = TemporaryFolder()
        do {
            _ = try LDIFReader.read(path: folder.write("crash.ldif", data: Data(crash)))
            Issue.record("must be refused")
        } catch let diagnostic as Diagnostic {
            #expect(diagnostic.line == 4 && diagnostic.message.contains("NUL byte"))
        }
        #expect(failure("dn: uid=a,dc=x\nuid: a\n-\n")?.message.contains("is not 'name: value'") == true)
        #expect(try read("dn: uid=a,dc=x\nchangetype: add\nuid: a\n").count == 1, "an explicit add is an entry")
    }

    @Test func foldedLinesBase64ValuesAndComments() throws {
        let entries = try read(
            """
            version: 1
            # a comment line

            dn: uid=aase,ou=people,dc=x
            objectClass: inetOrgPerson
            uid: aase
            cn:: w4VzZSBCw6Zr
            description: a long value that is folded
              onto the next line
            # a comment inside the record
            mail: aase@x.dk

            dn: uid=bo,ou=people,dc=x
            uid: bo
            cn: Bo

            """)
        #expect(entries.count == 2)
        #expect(entries[0].first("cn") == "Åse Bæk")
        #expect(entries[0].first("description") == "a long value that is folded onto the next line")
        #expect(entries[0].first("MAIL") == "aase@x.dk", "attribute names are case-insensitive")
        #expect(entries[0].line == 4 && entries[1].line == 13)
    }

    @Test func aSyntaxErrorNamesTheRecordLine() throws {
        let diagnostic = try #require(
            failure(
                """
                dn: uid=a,dc=x
                uid: a

                dn: uid=b,dc=x
                uid: b
                this line has no colon

                """))
        #expect(diagnostic.file.hasSuffix("d.ldif"))
        #expect(diagnostic.line == 6, "the line itself")
        #expect(diagnostic.message.contains("is not 'name: value'"))
    }

    @Test func urlValuesAreRefusedAndNeverRead() throws {
        let folder = TemporaryFolder()
        let secret = folder.write("secret.txt", "TOP-SECRET-CONTENT")
        let path = folder.write("d.ldif", "dn: uid=a,dc=x\nuid: a\ndescription:< file://\(secret)\n")
        do {
            _ = try LDIFReader.read(path: path)
            Issue.record("a :< value must be refused")
        } catch let diagnostic as Diagnostic {
            #expect(diagnostic.line == 3)
            #expect(diagnostic.message.contains("never follows"))
            #expect(!diagnostic.description.contains("TOP-SECRET"))
        }
    }

    @Test func changeRecordsAreNotDirectoryContent() throws {
        let diagnostic = try #require(failure("dn: uid=a,dc=x\nchangetype: modify\nreplace: cn\ncn: A\n-\n"))
        #expect(diagnostic.line == 1 && diagnostic.message.contains("changetype"))
    }

    @Test func invalidUTF8IsRefusedWithItsLine() throws {
        let folder = TemporaryFolder()
        var data = Data("dn: uid=a,dc=x\nuid: a\ncn: ".utf8)
        data.append(contentsOf: [0xC3, 0x28, 0x0A])
        let path = folder.write("d.ldif", data: data)
        #expect(throws: Diagnostic.self) { try LDIFReader.read(path: path) }
        do { _ = try LDIFReader.read(path: path) } catch let d as Diagnostic { #expect(d.line == 3) } catch {}
    }

    @Test func aMissingFileIsAClearError() {
        #expect(throws: Diagnostic.self) { try LDIFReader.read(path: "/nonexistent/d.ldif") }
    }
}
