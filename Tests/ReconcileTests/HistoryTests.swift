@testable import AccessReviewCore
import Foundation
import AccessReviewApp
import Testing
import TestSupport

/// What earlier runs saw: movers' left-over access, and leaving dates first seen as "disabled".
@Suite(.processStarted) struct HistoryTests {
    @Test func aRoleLeftFromAnEarlierJobRoleSaysSo() throws {
        var f = Fixture.basic()
        f.user("sec")
        f.user("boss", manager: "sec")
        f.user("ann", title: "Gardener", manager: "boss")
        f.system([.of("ann", ["Clerk"])])
        var input = try f.input()
        input.history = History(previousRun: Day(iso: "2026-05-31"), previousJobRoles: ["ann": ["JR-CLERK"]])
        let finding = try #require(try Reconciler(input).run().findings(.unauthorisedRole).first)
        #expect(
            finding.detail.hasSuffix(
                "; mover: the role came with job role JR-CLERK, which the person no longer holds (last seen 2026-05-31)"
            ))
        input.history = History()
        #expect(!(try Reconciler(input).run().findings(.unauthorisedRole).first?.detail.contains("mover") ?? true))
    }

    @Test func theLeavingDateIsTheEarliestKnownIncludingFirstSeenDisabled() throws {
        var f = Fixture.basic()
        f.user("sec")
        f.user("boss", manager: "sec")
        f.user("ann", manager: "boss", disabled: true)
        f.user("bo", manager: "boss", disabled: true, endDate: "2026-11-20")
        f.system([.of("ann", ["Reader"]), .of("bo", ["Reader"])])
        var input = try f.input()
        input.history = History(firstSeenDisabled: ["ann": Day(iso: "2026-10-30")!, "bo": Day(iso: "2026-11-01")!])
        let findings = try Reconciler(input).run().findings(.leaverAccess)
        #expect(
            findings.first { $0.identity == "ann" }?.detail.contains("30 days overdue") == true,
            "first seen disabled on 2026-10-30")
        #expect(
            findings.first { $0.identity == "bo" }?.detail.contains("28 days overdue") == true,
            "seen disabled before its end date")
    }

    @Test func aSecondRunRemembersTheFirst() throws {
        let samples = Repository.copyOfSamples()
        var config = try RunConfig.load(path: samples.file("Samples/accessreview.yaml"))
        _ = try Application(config: config).run()
        // By the next half-year the Lønkonsulent has become a Bogholder, keeping the Løn role.
        let ldif = samples.file("Samples/directory.ldif")
        let text = try String(contentsOfFile: ldif, encoding: .utf8)
        let entry = try #require(text.range(of: "dn: uid=joni,"))
        let block = text[entry.lowerBound...].prefix { $0 != "\u{0}" }
        let end = block.range(of: "\n\n")!.lowerBound
        let changed = block[..<end].replacingOccurrences(of: "title:: TMO4bmtvbnN1bGVudA==", with: "title: Bogholder")
            .replacingOccurrences(of: "title: Lønkonsulent", with: "title: Bogholder")
        try (text.replacingCharacters(in: entry.lowerBound..<end, with: changed)).write(
            toFile: ldif, atomically: true, encoding: .utf8)
        config.asOf = Day(iso: "2027-05-29")
        config.campaign = "2027-H1"
        let second = try Application(config: config).run()
        let finding = try #require(
            second.findings.first { $0.code == .unauthorisedRole && $0.identity == "joni" && $0.role == "Løn" })
        #expect(finding.detail.contains("flytter: rollen kom fra jobrollen JR-LOENKONSULENT"))
        #expect(finding.detail.contains("sidst set 2026-11-29"))
    }
}
