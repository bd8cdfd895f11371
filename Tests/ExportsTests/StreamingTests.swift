@testable import AccessReviewCore
import Foundation
import Testing
import TestSupport

/// The machinery that lets a large export be read on two cores: batches handed between
/// threads, records packed into one buffer, and the JSON rendered in parallel chunks.
@Suite(.processStarted) struct StreamingTests {
    @Test func aBatchPipeDeliversEveryElementInOrder() {
        let seen = Box<[Int]>([])
        let pipe = BatchPipe<Int>(batchSize: 7, depth: 2) { batch in seen.value += batch }
        for value in 0..<1000 { pipe.send(value) }
        pipe.finish()
        #expect(seen.value == Array(0..<1000))
    }

    @Test func recordsSplitAcrossBatchesStillMergeIntoOneAccount() throws {
        // 1,200 assignment records for three accounts, interleaved: every account's records
        // reach the builder in several batches of the reader.
        var xml =
            "<Export><Users><User id='a' status='A'/><User id='b' status='A'/><User id='c' status='D'/></Users><Grants>"
        for index in 0..<1200 { xml += "<Grant user='\(["a", "b", "c"][index % 3])' role='R\(index % 40)'/>" }
        xml += "</Grants></Export>"
        let export = try loadExport(
            xml,
            mapping: """
                system: s
                records:
                  - path: /Export/Users/User
                    fields: { account: "@id", status: "@status" }
                  - path: /Export/Grants/Grant
                    fields: { account: "@user", roles: "@role" }
                status: { active: [A], disabled: [D] }
                correlate: [{ field: account, identity: id }]
                """)
        #expect(export.records == 1203)
        #expect(export.accounts.map(\.account) == ["a", "b", "c"])
        // Account a gets every role index ≡ 0 (mod 3) out of 0..<40 and repeats: R0, R3, … and R1, R4, … via 40 ≢ 0 (mod 3).
        let expected = Set((0..<1200).filter { $0 % 3 == 0 }.map { "R\($0 % 40)" })
        #expect(Set(export.accounts[0].roles) == expected)
        #expect(export.accounts[0].roles == export.accounts[0].roles.sorted(), "kept sorted")
        #expect(export.accounts[0].roles.count == expected.count, "without duplicates")
        #expect(export.accounts[2].status == .disabled)
    }

    @Test func grantsJoinTheirPrincipalsInAnyOrderAndShareTheirRoleNames() throws {
        // 3,000 principals (the id index grows past its first 1,024 slots several times),
        // their grants listed in reverse, each principal with two long role names of six.
        let count = 3000
        let roles = (0..<6).map { "Jobcenter.Sagsbehandling.\($0)" }
        var xml = "<Export><Principals>"
        for index in 0..<count { xml += "<P><Id>p\(index)</Id><Login>u\(index)</Login></P>" }
        xml += "</Principals><Grants>"
        for index in (0..<count).reversed() {
            xml += "<G p='p\(index)' r='\(roles[index % 6])'/><G p='p\(index)' r='\(roles[(index + 1) % 6])'/>"
        }
        xml += "<G p='nobody' r='\(roles[0])'/></Grants></Export>"
        let export = try loadExport(
            xml,
            mapping: """
                system: s
                records:
                  - path: /Export/Principals/P
                    fields: { account: "Id", user: "Login" }
                  - path: /Export/Grants/G
                    fields: { account: "@p", roles: "@r" }
                correlate: [{ field: user, identity: id }]
                """)
        #expect(export.accounts.count == count + 1, "every principal, and the grant's unknown one")
        let byId = Dictionary(uniqueKeysWithValues: export.accounts.map { ($0.account, $0) })
        for index in [0, 1, 1023, 1024, 2047, 2999] {
            let account = try #require(byId["p\(index)"])
            #expect(account.roles == [roles[index % 6], roles[(index + 1) % 6]].sorted(), "p\(index)")
            #expect(account.keys["user"] == "u\(index)")
        }
        #expect(byId["nobody"]?.roles == [roles[0]])
        // One string per distinct role name: the accounts' copies share its storage.
        func storage(_ text: String) -> UnsafeRawPointer? {
            text.utf8.withContiguousStorageIfAvailable { UnsafeRawPointer($0.baseAddress) } ?? nil
        }
        let holders = export.accounts.filter { $0.roles.contains(roles[0]) }
        let addresses = Set(holders.compactMap { storage($0.roles.first { $0 == roles[0] }!) })
        #expect(holders.count > 900)
        #expect(addresses.count == 1, "\(addresses.count) copies of \(roles[0])")
    }

    @Test func accountKeysKeepEveryValueUnderItsNameInOneString() {
        var keys: AccountKeys = ["user": "hejo", "email": "hejo@eksempel.dk"]
        keys["employee_no"] = "10280"
        keys["name"] = "Helle Jørgensen"
        #expect(keys.pairs.map(\.name) == ["email", "employee_no", "name", "user"])
        #expect(keys["email"] == "hejo@eksempel.dk" && keys["name"] == "Helle Jørgensen" && keys["user"] == "hejo")
        keys["employee_no"] = nil
        keys["user"] = ""
        #expect(keys.pairs.map(\.value) == ["hejo@eksempel.dk", "Helle Jørgensen", ""])
        #expect(keys["employee_no"] == nil && keys.count == 3)
        let shared = AccountKeys(
            sortedNames: ["email", "name", "user"], values: ["hejo@eksempel.dk", "Helle Jørgensen", ""])
        #expect(shared == keys)
        // The separator cannot come from XML; were it given, it stays one value.
        let odd: AccountKeys = ["a": "x\u{1F}y", "b": "z"]
        #expect(odd["a"] == "x\u{FFFD}y" && odd["b"] == "z")
    }

    @Test func aRecordBatchKeepsEmptyAndMissingValuesApart() {
        var batch = RecordBatch()
        batch.beginRecord(type: 0, line: 3)
        batch.append("  Ærø ")
        batch.append("")
        let first = batch.endField()
        let second = batch.endField()
        batch.append("")
        let third = batch.endField()
        #expect(first, "a field with one non-empty value is filled")
        #expect(!second, "a field without values is not")
        #expect(!third, "a field with only an empty value is not")
        let record = batch.records.first!
        #expect(record.line == 3)
        #expect(record.values(0) == ["  Ærø ", ""])
        #expect(record.cleanedValues(0) == ["Ærø"])
        #expect(record.first(1) == nil && record.values(1).isEmpty)
        #expect(record.values(2) == [""] && record.first(2) == nil)
    }

    @Test func accountKeysStaySortedByName() {
        var keys: AccountKeys = ["user": "ann", "email": "ann@x.dk"]
        keys["name"] = "Ann"
        keys["email"] = "ann@y.dk"
        #expect(keys.pairs.map(\.name) == ["email", "name", "user"])
        #expect(keys["email"] == "ann@y.dk")
        keys["name"] = nil
        #expect(keys == ["user": "ann", "email": "ann@y.dk"])
        #expect(keys != ["user": "ann"])
    }

    @Test func jsonLinesRenderedInParallelChunksEqualTheSerialRendering() throws {
        let items = (0..<1001).map { "item \($0) \"quoted\"" }
        for chunk in [1, 3, 64, 5000] {
            var parallel = JSONWriter()
            try parallel.lines(items, chunk: chunk) { item, w in w.string(item) }
            var serial = JSONWriter()
            for (index, item) in items.enumerated() {
                serial.raw(index == 0 ? "\n" : ",\n")
                serial.string(item)
            }
            #expect(parallel.bytes == serial.bytes, "chunk \(chunk)")
        }
    }

    @Test func accountsJSONReplacesAnEarlierFileWhole() throws {
        let folder = TemporaryFolder()
        let path = folder.write("accounts.json", "earlier")
        let accounts = (0..<20_000).map {
            Account(account: String(format: "u%05d", $0), keys: ["user": "n\($0)"], roles: ["R"])
        }
        let snapshot = AccountsSnapshot(systems: [
            SystemExport(
                system: "s", name: "S", owner: nil, file: "e.xml", sha256: "00",
                bytes: 1, records: accounts.count, exportedOn: nil,
                hasLastLogin: false, accounts: accounts)
        ])
        try snapshot.writeJSON(toFile: path)
        let written = try Data(contentsOf: URL(fileURLWithPath: path))
        #expect(written == snapshot.jsonData())
        let parsed = try JSONSerialization.jsonObject(with: written) as? [String: Any]
        let systems = parsed?["systems"] as? [[String: Any]]
        #expect((systems?.first?["accounts"] as? [Any])?.count == 20_000)
        #expect(
            try FileManager.default.contentsOfDirectory(atPath: folder.path) == ["accounts.json"],
            "no partial file left")
    }

    @Test func permutingInPlaceEqualsPermutingIntoACopy() {
        var generator = SplitMix64(seed: 5)
        for count in [0, 1, 2, 7, 1000] {
            let items = (0..<count).map { "item \($0)" }
            var shuffled = Array(0..<count)
            for index in shuffled.indices.reversed() where index > 0 {
                shuffled.swapAt(index, Int(generator.next() % UInt64(index + 1)))
            }
            var order = shuffled.map { Int32($0) }
            var permuted = items
            permuted.permute(by: &order)
            #expect(permuted == shuffled.map { items[$0] }, "\(count) items")
        }
    }
}
