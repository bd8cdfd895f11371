@testable import AccessReviewCore
import AccessReviewApp
import Foundation
import Testing
import TestSupport

/// `explain` goes through the same path as `run`, the history of earlier runs included: for
/// every identity it shows exactly the findings the run reported.
@Suite(.serialized, .processStarted) struct ExplainAgreesWithRunTests {
    struct Key: Hashable, Comparable {
        var code: String, severity: String, system: String, account: String, role: String, rule: String, detail: String
        init(_ f: Finding) {
            (code, severity, system, account, role, rule, detail) =
                (f.code.rawValue, f.severity.rawValue, f.system ?? "", f.account ?? "", f.role ?? "", f.rule, f.detail)
        }
        static func < (a: Key, b: Key) -> Bool {
            [a.code, a.system, a.account, a.role, a.detail].lexicographicallyPrecedes([
                b.code, b.system, b.account, b.role, b.detail,
            ])
        }
    }

    /// Compares, identity by identity, what `run` reported with what `explain` shows; returns
    /// how many identities have findings.
    @discardableResult
    func expectAgreement(config: RunConfig, run: Application.RunSummary, asOf: Day? = nil) throws -> Int {
        let ids = try InputLoader(config: config, asOf: asOf).loadAll().directory.users.map(\.id)
        let explained = try Application(config: config).explain(ids, asOf: asOf)
        #expect(explained.count == ids.count)
        let byIdentity = Dictionary(grouping: run.findings.filter { $0.identity != nil }, by: { $0.identity! })
        for person in explained {
            let ran = (byIdentity[person.identity] ?? []).map(Key.init).sorted()
            #expect(person.findings.map(Key.init).sorted() == ran, "explain \(person.identity) disagrees with run")
            for finding in person.findings { #expect(person.text.contains(finding.code.rawValue)) }
        }
        return byIdentity.count
    }

    @Test func onTheSamples() throws {
        let samples = Repository.copyOfSamples()
        let config = try RunConfig.load(path: samples.file("Samples/accessreview.yaml"))
        let summary = try Application(config: config).run()
        #expect(try expectAgreement(config: config, run: summary) > 10)
    }

    @Test func onAGeneratedOrganisationWithHistory() throws {
        let folder = TemporaryFolder()
        _ = try OrganisationGenerator(people: 400, systems: 4, seed: 7).write(to: folder.path)
        let config = try RunConfig.load(path: folder.file("accessreview.yaml"))
        _ = try Application(config: config).run()
        // Ten days on, the first holder of a TitelA job role has become a TitelB: the roles
        // their old job role granted are now unauthorised, and only the history says why.
        let ldif = folder.file("directory.ldif")
        var text = try String(contentsOfFile: ldif, encoding: .utf8)
        let titled = try #require(text.range(of: "title: TitelA\n"))
        text.replaceSubrange(titled, with: "title: TitelB\n")
        try text.write(toFile: ldif, atomically: true, encoding: .utf8)
        let later = Day(iso: "2026-12-09")!
        let second = try Application(config: config).run(asOf: later)
        try expectAgreement(config: config, run: second, asOf: later)
        #expect(second.findings.contains { $0.detail.contains("flytter") }, "the mover is explained from the history")

        // Half a year on, every line is past its review interval: the findings that need the
        // line history (applied after reconciliation) are explained as the run reported them.
        let much = Day(iso: "2027-07-01")!
        let third = try Application(config: config).run(asOf: much, acceptPopulationChange: true)
        #expect(third.findings.contains { $0.code == .reviewOverdue || $0.code == .sensitiveReviewDue })
        try expectAgreement(config: config, run: third, asOf: much)

        // Without the history the findings differ: the agreement above depends on it.
        let inputs = try InputLoader(config: config, asOf: later).loadAll()
        let withoutHistory = try Reconciler(inputs.reconcileInput(history: History())).run()
        #expect(!withoutHistory.findings.contains { $0.detail.contains("flytter") })
    }
}
