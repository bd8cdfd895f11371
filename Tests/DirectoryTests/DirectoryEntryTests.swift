@testable import AccessReviewCore
import Foundation
import Testing
import TestSupport

/// Directory entries: values by name in any case, in source order, with shared layouts.
@Suite(.processStarted) struct DirectoryEntryTests {
    @Test func valuesByNameInAnyCaseAndInSourceOrder() {
        let entry = DirectoryEntry(
            dn: "uid=a,dc=x", attributes: ["objectClass": ["top", "person"], "UID": ["a"], "mail": []])
        #expect(Array(entry.values("objectclass")) == ["top", "person"])
        #expect(entry.first("Uid") == "a")
        #expect(entry.values("cn").isEmpty)
        #expect(
            entry.attributes == ["objectclass": ["top", "person"], "uid": ["a"]],
            "a name without values is not an attribute")
        #expect(entry.names == ["objectclass", "uid"])
    }

    @Test func valuesAddedToANameTwiceStayTogether() {
        var entry = DirectoryEntry(dn: "cn=g,dc=x", attributes: ["member": ["m1"], "cn": ["g"]])
        entry.append(["x"], to: "description")
        entry.append(["m2", "m3"], to: "MEMBER")
        entry.append(["g2"], to: "cn")
        #expect(Array(entry.values("member")) == ["m1", "m2", "m3"])
        #expect(Array(entry.values("cn")) == ["g", "g2"])
        #expect(Array(entry.values("description")) == ["x"])
        #expect(entry.removeValues(of: "member") == ["m1", "m2", "m3"])
        #expect(entry.values("member").isEmpty)
        #expect(entry.attributes.keys.sorted() == ["cn", "description"])
    }

    @Test func entriesOfAFileWithTheSameNamesShareALayout() throws {
        let folder = TemporaryFolder()
        let entries = try LDIFReader.read(
            path: folder.write(
                "d.ldif",
                """
                dn: uid=a,dc=x
                uid: a
                cn: A
                cn: Another name

                dn: uid=b,dc=x
                uid: b
                cn: B

                dn: cn=g,dc=x
                cn: g
                member: uid=a,dc=x
                description: between
                member: uid=b,dc=x

                """)
        ).entries
        #expect(entries.count == 3)
        #expect(entries[0].layout === entries[1].layout, "one layout for the same names in the same order")
        #expect(entries[1].layout !== entries[2].layout)
        #expect(Array(entries[0].values("cn")) == ["A", "Another name"])
        #expect(
            Array(entries[2].values("member")) == ["uid=a,dc=x", "uid=b,dc=x"], "a name given twice keeps both values")
        #expect(entries[2].first("description") == "between")
    }

    @Test func slotsFollowTheLayoutOfEachEntry() {
        var slots = AttributeLayout.Slots(["uid", "mail", "missing"])
        let a = DirectoryEntry(dn: "uid=a", attributes: ["uid": ["a"], "mail": ["a@x"]])
        let b = DirectoryEntry(dn: "uid=b", attributes: ["mail": ["b@x"], "cn": ["B"], "uid": ["b"]])
        for (entry, mail) in [(a, "a@x"), (b, "b@x"), (a, "a@x")] {
            let at = slots.positions(in: entry)
            #expect(at[2] == nil)
            #expect(at[1].map { entry.values(at: $0).first } == mail)
            #expect(at[0].map { entry.values(at: $0).first } == String(entry.dn.dropFirst(4)))
        }
    }
}
