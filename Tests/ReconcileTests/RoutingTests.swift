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

    // MARK: Independent review

    @Test func anOwnerHoldingAPrivilegedRoleInTheirOwnSystemGetsTheDeputyAsSecondReviewer() throws {
        var f = Fixture.basic()
        f.user("sec")
        f.user("boss", manager: "sec")
        f.user("own", manager: "boss")
        f.user("dep", manager: "boss")
        f.system(Fixture.mapping(deputy: "dep"), [.of("own", ["Admin"])])
        let line = try #require(try f.run().lines(of: "own").first)
        #expect(line.reviewer == "boss" && line.secondReviewer == "dep")
        let text = try Explanation.render(
            identity: "own", result: try f.run(), handbook: try f.input().handbook, language: .en)
        #expect(
            text.contains("reviewed by boss + dep (deputy system owner: the system owner own holds this access)"),
            "\(text)")
    }

    @Test func withoutADeputyTheFallbackGivesTheSecondReview() throws {
        var f = Fixture.basic()
        f.user("sec")
        f.user("boss", manager: "sec")
        f.user("own", manager: "boss")
        f.system([.of("own", ["Admin"])])
        let line = try #require(try f.run().lines(of: "own").first)
        #expect(line.reviewer == "boss" && line.secondReviewer == "sec")
    }

    @Test func anOwnerWhoIsAlsoTheManagerIsNotTheSecondReviewerToo() throws {
        var f = Fixture.basic()
        f.user("sec")
        f.user("own", manager: "sec")
        f.user("ann", manager: "own")
        f.user("dep", manager: "sec")
        f.system(Fixture.mapping(deputy: "dep"), [.of("ann", ["Admin"]), .of("ann", ["Reader"], id: "acc-ann-2")])
        let lines = try f.run().lines(of: "ann")
        let admin = try #require(lines.first { $0.role == "Admin" })
        #expect(admin.reviewer == "own" && admin.secondReviewer == "dep")
        // A normal line has one review only.
        #expect(lines.first { $0.role == "Reader" }?.secondReviewer == nil)
    }

    @Test func theFallbackHoldingTheLineIsSkippedForTheNextFallback() throws {
        var f = Fixture.basic(fallback: "[sec, sec2]")
        f.user("sec", manager: "boss")
        f.user("sec2")
        f.user("boss", manager: "sec2")
        // sec owns the system, holds its Admin role and is the first fallback: sec2 reviews second.
        f.system(Fixture.mapping(owner: "sec"), [.of("sec", ["Admin"])])
        let line = try #require(try f.run().lines(of: "sec").first)
        #expect(line.reviewer == "boss" && line.secondReviewer == "sec2")
    }

    @Test func anOrphanAccountGoesToTheDeputyWhenTheOwnerHasLeft() throws {
        var f = Fixture.basic()
        f.user("sec")
        f.user("own", disabled: true)
        f.user("dep", manager: "sec")
        f.system(Fixture.mapping(deputy: "dep"), [.of("", ["Reader"], id: "ghost")])
        let result = try f.run()
        #expect(result.lines.first { $0.account == "ghost" }?.reviewer == "dep")
    }

    @Test func aDeputyOwnerWhoIsTheOwnerIsRefusedWithItsLine() throws {
        do {
            _ = try SystemMapping.parse(
                Fixture.mapping(owner: "own", deputy: "own"), file: "sys.yaml", kind: .system, expectedSystem: nil)
            Issue.record("a deputy who is the owner must be refused")
        } catch let error as DiagnosticList {
            #expect(error.description.contains("sys.yaml:3:15: error: 'deputy_owner' is the owner"), "\(error)")
        }
    }

    // MARK: HR's manager

    @Test func hrsManagerRoutesAPersonTheDirectoryGivesNoManager() throws {
        var f = Fixture.basic()
        f.user("sec")
        f.user("boss", manager: "sec", employeeId: "100")
        f.user("ann", employeeId: "200")
        f.hr = [HRRecord(employeeId: "200", managerEmployeeId: "100"), HRRecord(employeeId: "100")]
        f.system([.of("ann", ["Reader"])])
        let result = try f.run()
        #expect(result.lines(of: "ann").first?.reviewer == "boss")
        #expect(result.findings(.noReviewer).isEmpty)
        let text = try Explanation.render(
            identity: "ann", result: result, handbook: try f.input().handbook, language: .en)
        #expect(
            text.contains(
                "lines reviewed by: boss — the directory names no manager; HR's manager (manager_employee_id 100) is boss"
            ),
            "\(text)")
        // With the directory's manager set, HR's is not used, and explain says so.
        var g = f
        g.users = g.users.filter { $0.id != "ann" }
        g.user("ann", manager: "sec", employeeId: "200")
        let routed = try g.run()
        #expect(routed.lines(of: "ann").first?.reviewer == "sec")
        let shown = try Explanation.render(
            identity: "ann", result: routed, handbook: try g.input().handbook, language: .en)
        #expect(shown.contains("lines reviewed by: sec — the manager in the directory"), "\(shown)")
    }

    @Test func anHRManagerWhoIsNotInTheDirectoryLeavesThePersonWithTheFallback() throws {
        var f = Fixture.basic()
        f.user("sec")
        f.user("ann", employeeId: "200")
        f.hr = [HRRecord(employeeId: "200", managerEmployeeId: "999")]
        f.system([.of("ann", ["Reader"])])
        let result = try f.run()
        #expect(result.lines(of: "ann").first?.reviewer == "sec")
        #expect(result.findings(.noReviewer).count == 1)
        let text = try Explanation.render(
            identity: "ann", result: result, handbook: try f.input().handbook, language: .en)
        #expect(text.contains("lines reviewed by: sec — fallback reviewer: no manager set"), "\(text)")
    }
}
