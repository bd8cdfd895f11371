@testable import AccessReviewCore
import Testing
import TestSupport

/// Reviewer routing: the manager chain, never the person themselves, the fallback at the top.
@Suite(.processStarted) struct RoutingTests {
    func reviewer(of id: String, in fixture: Fixture) throws -> String? {
        try fixture.run().lines(of: id).first?.reviewer
    }

    @Test func theManagerReviews() throws {
        var f = Fixture.basic()
        f.user("sec")
        f.user("boss", manager: "sec")
        f.user("ann", manager: "boss")
        f.system([.of("ann", ["Reader"])])
        #expect(try reviewer(of: "ann", in: f) == "boss")
    }

    @Test func aLeavingManagerIsSkipped() throws {
        var f = Fixture.basic()
        f.user("sec")
        f.user("top", manager: "sec")
        f.user("gone", manager: "top", disabled: true)
        f.user("ann", manager: "gone")
        f.system([.of("ann", ["Reader"])])
        #expect(try reviewer(of: "ann", in: f) == "top")
    }

    @Test func aSelfManagerGoesToTheFallback() throws {
        var f = Fixture.basic()
        f.user("sec")
        f.user("ann", manager: "ann")
        f.system([.of("ann", ["Reader"])])
        let result = try f.run()
        #expect(result.lines(of: "ann").first?.reviewer == "sec")
        #expect(result.findings(.noReviewer).first?.detail.contains("leads back to the person") == true)
    }

    @Test func aChainBackToThePersonThroughALeaverGoesToTheFallback() throws {
        var f = Fixture.basic()
        f.user("sec")
        f.user("ann", manager: "lea")
        f.user("lea", manager: "ann", disabled: true)
        f.system([.of("ann", ["Reader"])])
        #expect(try reviewer(of: "ann", in: f) == "sec")
    }

    @Test func aCycleAboveThePersonEnds() throws {
        var f = Fixture.basic()
        f.user("sec")
        f.user("x", manager: "y", disabled: true)
        f.user("y", manager: "x", disabled: true)
        f.user("ann", manager: "x")
        f.system([.of("ann", ["Reader"])])
        let result = try f.run()
        #expect(result.lines(of: "ann").first?.reviewer == "sec")
        #expect(result.findings(.noReviewer).first?.detail.contains("cycle") == true)
    }

    @Test func anUnknownManagerGoesToTheFallback() throws {
        var f = Fixture.basic()
        f.user("sec")
        f.user("ann", manager: "nobody")
        f.system([.of("ann", ["Reader"])])
        #expect(try reviewer(of: "ann", in: f) == "sec")
    }

    @Test func aSubstituteStandsInUntilTheirEndDate() throws {
        let substitutes =
            "reviewers:\n  fallback: sec\n  substitutes: [{ manager: boss, substitute: sub, until: 2026-12-31 }]"
        var f = Fixture.basic()
        f.handbookYAML = f.handbookYAML.replacingOccurrences(of: "reviewers:\n  fallback: sec", with: substitutes)
        f.user("sec")
        f.user("boss", manager: "sec")
        f.user("sub", manager: "boss")
        f.user("ann", manager: "boss")
        f.system([.of("ann", ["Reader"]), .of("sub", ["Reader"])])
        #expect(try reviewer(of: "ann", in: f) == "sub")
        #expect(try reviewer(of: "sub", in: f) == "boss", "the substitute never reviews their own access")
        f.asOf = Day(iso: "2027-01-01")!
        #expect(try reviewer(of: "ann", in: f) == "boss", "after the end date the manager is back")
    }

    @Test func theFallbackNeverReviewsThemselves() throws {
        var f = Fixture.basic(fallback: "[sec, deputy]")
        f.user("sec")
        f.user("deputy")
        f.system([.of("sec", ["Reader"]), .of("deputy", ["Reader"])])
        let result = try f.run()
        #expect(result.lines(of: "sec").first?.reviewer == "deputy")
        #expect(result.lines(of: "deputy").first?.reviewer == "sec")
    }

    @Test func aFallbackWithNoOneElseIsAConfigurationError() throws {
        var f = Fixture.basic()
        f.user("sec")
        f.system([.of("sec", ["Reader"])])
        #expect(throws: DiagnosticList.self) { try f.run() }
    }

    @Test func privilegedLinesAlsoGoToTheSystemOwner() throws {
        var f = Fixture.basic()
        f.user("sec")
        f.user("own", manager: "sec")
        f.user("boss", manager: "sec")
        f.user("ann", manager: "boss")
        f.system([.of("ann", ["Admin", "Reader"]), .of("own", ["Admin"])])
        let result = try f.run()
        let admin = try #require(result.lines.first { $0.identity == "ann" && $0.role == "Admin" })
        #expect(admin.reviewer == "boss" && admin.secondReviewer == "own")
        #expect(result.lines.first { $0.identity == "ann" && $0.role == "Reader" }?.secondReviewer == nil)
        #expect(
            result.lines.first { $0.identity == "own" }?.secondReviewer == nil, "the owner never gets their own line")
    }

    @Test func everyLineHasAReviewerWhoIsNotThePerson() throws {
        // A tangle: self-managers, cycles, leavers, unknown managers.
        var f = Fixture.basic(fallback: "[sec, deputy]")
        f.user("sec", manager: "deputy")
        f.user("deputy", manager: "sec")
        let managers = ["a", "b", "c", "d", "e", "f", "sec", "nobody"]
        for (index, id) in ["a", "b", "c", "d", "e", "f"].enumerated() {
            f.user(id, manager: managers[(index * 5 + 3) % managers.count], disabled: index % 3 == 0)
        }
        f.system(["a", "b", "c", "d", "e", "f", "sec", "deputy"].map { Account.of($0, ["Reader", "Admin"]) })
        let result = try f.run()
        for line in result.lines {
            #expect(!line.reviewer.isEmpty)
            #expect(line.reviewer != line.identity)
            #expect(line.secondReviewer != line.identity)
        }
    }
}
