@testable import AccessReviewCore
import Testing
import TestSupport

/// One test per finding code: a small input and the finding it must give, side by side.
@Suite(.processStarted) struct FindingCodeTests {
    /// A boss, a security officer and an owner: the reviewers most fixtures need.
    func organisation(_ extra: String = "") -> Fixture {
        var f = Fixture.basic(extra)
        f.user("boss", title: "Director")
        f.user("sec", title: "Security", manager: "boss")
        f.user("own", title: "Owner", manager: "boss")
        return f
    }

    @Test func leaverAccessCountsDaysOverdueFromTheEndDate() throws {
        var f = organisation()
        f.user("ann", title: "Clerk", manager: "boss", disabled: true, endDate: "2026-11-19")
        f.system([.of("ann", ["Clerk"])])
        let result = try f.run()
        let leaver = try #require(result.findings(.leaverAccess).first)
        #expect(leaver.identity == "ann" && leaver.system == "sys" && leaver.account == "acc-ann")
        #expect(leaver.severity == .critical)
        #expect(leaver.detail.contains("10 days overdue"))
        #expect(result.findings(.leaverEnabled).isEmpty, "a disabled leaver is not LEAVER_ENABLED")
        #expect(result.findings(.unauthorisedRole).isEmpty, "a leaver's lines carry LEAVER_ACCESS, not role findings")
    }

    @Test func leaverWithinGraceIsNotOverdue() throws {
        var f = organisation()
        f.handbookYAML += "\npolicy: { leaver_grace_days: 14 }\n"
        f.user("ann", title: "Clerk", manager: "boss", disabled: true, endDate: "2026-11-19")
        f.system([.of("ann", ["Clerk"])])
        #expect(try f.run().findings(.leaverAccess).isEmpty)
    }

    @Test func hrEndDateMakesALeaverAndTheEarliestDateCounts() throws {
        var f = organisation()
        f.user("bob", title: "Clerk", manager: "boss", endDate: "2026-11-27", employeeId: "77")
        f.hr = [HRRecord(employeeId: "77", endDate: Day(iso: "2026-11-09"))]
        f.system([.of("bob", ["Clerk"])])
        let result = try f.run()
        #expect(try #require(result.findings(.leaverAccess).first).detail.contains("20 days overdue"))
        let enabled = try #require(result.findings(.leaverEnabled).first)
        #expect(enabled.identity == "bob" && enabled.severity == .critical)
    }

    @Test func movedUnderTheLeaversOUIsALeaver() throws {
        var f = organisation("identities: { leaver_when: [disabled, end_date_passed, { dn_under: \"ou=gone,dc=x\" }] }")
        f.user("cat", title: "Clerk", manager: "boss", dn: "uid=cat,ou=gone,dc=x")
        f.system([.of("cat", ["Clerk"])])
        let result = try f.run()
        #expect(result.findings(.leaverEnabled).map(\.identity) == ["cat"])
        #expect(try #require(result.findings(.leaverAccess).first).detail.contains("leaving date unknown"))
    }

    @Test func orphanAccountOnlyWhenActiveAndUndeclared() throws {
        var f = organisation()
        f.system(
            Fixture.mapping(services: "service_accounts: [{ account: svc-1, owner: own, reason: batch }]"),
            [
                .of("ghost", ["Reader"], id: "ghost-1"),
                .of("ghost2", ["Reader"], id: "ghost-2", status: .disabled),
                .of("", ["Reader"], id: "svc-1"),
            ])
        let result = try f.run()
        #expect(result.findings(.orphanAccount).map(\.account) == ["ghost-1"])
        #expect(result.findings(.orphanAccount).first?.reviewer == "own", "orphans go to the system owner")
    }

    @Test func ambiguousMatchIsNeverResolved() throws {
        var f = organisation()
        f.user("mh1", title: "Clerk", manager: "boss", name: "Mette Hansen")
        f.user(
            "mh2", title: "Clerk", manager: "boss",
            name: "mette  hansen".replacingOccurrences(of: "  ", with: " ").uppercased())
        f.system([.of("", ["Clerk"], id: "x1", name: " Mette Hansen ")])
        let result = try f.run()
        let finding = try #require(result.findings(.ambiguousMatch).first)
        #expect(finding.identity == nil && finding.detail.contains("mh1, mh2"))
        #expect(result.lines(of: "mh1").isEmpty && result.lines(of: "mh2").isEmpty)
    }

    @Test func sodConflictForAnyTwoRolesOfARuleUnlessAValidExceptionCoversIt() throws {
        let sod = """
            sod:
              - { id: SOD-1, section: "7.5", description: "split", roles: [{ system: sys, role: A }, { system: sys, role: B }, { system: sys, role: C }] }
            exceptions:
              - { identity: eva, sod: SOD-1, reason: "small unit", approved_by: boss, expires: 2027-01-01 }
              - { identity: fay, sod: SOD-1, reason: "old", approved_by: boss, expires: 2026-01-01 }
            """
        var f = organisation(sod)
        for id in ["dan", "eva", "fay"] { f.user(id, manager: "boss") }
        f.system([.of("dan", ["A", "B", "C"]), .of("eva", ["A", "B"]), .of("fay", ["B", "C"])])
        let result = try f.run()
        let conflicts = result.findings(.sodConflict)
        #expect(conflicts.filter { $0.identity == "dan" }.count == 3, "three roles give three pairs")
        #expect(conflicts.filter { $0.identity == "eva" }.isEmpty, "covered by a valid exception")
        let fay = try #require(conflicts.first { $0.identity == "fay" })
        #expect(fay.rule == "SOD-1 (7.5)" && fay.detail.contains("expired on 2026-01-01"))
    }

    @Test func unauthorisedRoleIsHighWhenSensitive() throws {
        var f = organisation()
        f.user("gus", title: "Clerk", manager: "boss")
        f.system([.of("gus", ["Clerk", "Reader", "Admin"])])
        let result = try f.run()
        let findings = result.findings(.unauthorisedRole)
        #expect(findings.map(\.role) == ["Admin"])
        #expect(findings.first?.severity == .high)
        #expect(findings.first?.rule == "job_roles")
        let grounds = Dictionary(uniqueKeysWithValues: result.lines(of: "gus").map { ($0.role, $0.ground) })
        #expect(
            grounds["Clerk"] == .jobRole("JR-CLERK") && grounds["Reader"] == .birthright
                && grounds["Admin"] == Ground.none)
    }

    @Test func unauthorisedNormalRoleIsMedium() throws {
        var f = organisation()
        f.user("hal", title: "Gardener", manager: "boss")
        f.system([.of("hal", ["Reader", "Plain"])])
        let findings = try f.run().findings(.unauthorisedRole)
        #expect(findings.map(\.role) == ["Plain"], "the birthright covers Reader")
        #expect(findings.first?.severity == .medium)
    }

    @Test func exceptionGrantsUntilItExpires() throws {
        let exceptions = """
            exceptions:
              - { identity: ida, system: sys, role: Admin, reason: "project", approved_by: boss, expires: 2026-11-29 }
              - { identity: jon, system: sys, role: Admin, reason: "old project", approved_by: boss, expires: 2026-11-28 }
            """
        var f = organisation(exceptions)
        f.user("ida", manager: "boss")
        f.user("jon", manager: "boss")
        f.system([.of("ida", ["Admin"]), .of("jon", ["Admin"])])
        let result = try f.run()
        #expect(
            result.lines(of: "ida").first?.ground == .exception(until: Day(iso: "2026-11-29")!),
            "valid through its last day")
        let expired = try #require(result.findings(.exceptionExpired).first)
        #expect(expired.identity == "jon" && expired.detail.contains("2026-11-28") && expired.severity == .medium)
        #expect(result.findings(.unauthorisedRole).isEmpty)
    }

    @Test func externalWithoutEndDate() throws {
        var f = organisation("identities: { external_when: [{ attribute: employee_type, in: [\"Konsulent\"] }] }")
        f.user("kim", manager: "boss", type: "konsulent")
        f.user("lis", manager: "boss", endDate: "2027-06-30", type: "Konsulent")
        let result = try f.run()
        #expect(result.findings(.externalNoEndDate).map(\.identity) == ["kim"])
    }

    @Test func serviceOwnerInactiveWhenOwnerLeftOrIsUnknown() throws {
        var f = organisation()
        f.user("old", manager: "boss", disabled: true)
        let services = """
            service_accounts:
              - { account: svc-a, owner: old, reason: "integration" }
              - { account: svc-b, owner: nobody, reason: "backup" }
              - { account: svc-c, owner: own, reason: "reports" }
            """
        f.system(
            Fixture.mapping(services: services),
            [
                .of("", ["Reader"], id: "svc-a"), .of("", ["Reader"], id: "svc-b"),
                .of("", ["Reader"], id: "svc-c"),
            ])
        let result = try f.run()
        #expect(result.findings(.serviceOwnerInactive).map(\.account) == ["svc-a", "svc-b"])
        #expect(
            result.lines.first { $0.account == "svc-a" }?.reviewer == "boss", "climbs from the leaving owner's manager")
        #expect(result.lines.first { $0.account == "svc-c" }?.reviewer == "own")
    }

    @Test func noReviewerAtTheTopOfTheChain() throws {
        var f = organisation()
        f.system([.of("boss", ["Reader"])])
        let result = try f.run()
        let finding = try #require(result.findings(.noReviewer).first)
        #expect(finding.identity == "boss" && finding.reviewer == "sec")
        #expect(result.lines(of: "boss").allSatisfy { $0.reviewer == "sec" && $0.codes.contains(.noReviewer) })
    }

    @Test func dormantWhenNoLoginWithinTheLimitOrNever() throws {
        var f = organisation()
        for id in ["mo", "ned", "ole"] { f.user(id, manager: "boss") }
        f.system(
            Fixture.mapping(lastLogin: true),
            [
                .of("mo", ["Reader"], lastLogin: "2026-08-31"),  // 90 days: not yet
                .of("ned", ["Reader"], lastLogin: "2026-08-30"),  // 91 days
                .of("ole", ["Reader"]),  // never
            ])
        let result = try f.run()
        #expect(result.findings(.dormantAccount).map(\.identity) == ["ned", "ole"])
        #expect(result.findings(.dormantAccount).allSatisfy { $0.severity == .low })
    }

    @Test func dormancyIsNotJudgedWithoutALastLoginField() throws {
        var f = organisation()
        f.user("pat", manager: "boss")
        f.system([.of("pat", ["Reader"])])
        #expect(try f.run().findings(.dormantAccount).isEmpty)
    }

    @Test func unknownRoleOncePerRoleWithTheNumberOfAccounts() throws {
        var f = organisation()
        f.user("quin", manager: "boss")
        f.user("rui", manager: "boss")
        f.system([.of("quin", ["Mystery"]), .of("rui", ["mystery"])])
        let result = try f.run()
        let unknown = result.findings(.unknownRole)
        #expect(unknown.count == 1)
        #expect(unknown.first?.detail.contains("(2 accounts)") == true)
        #expect(
            result.lines.filter { $0.role.lowercased() == "mystery" }.allSatisfy { $0.codes.contains(.unknownRole) })
    }

    @Test func staleExportByItsOwnDate() throws {
        var f = organisation()
        f.system(exportedOn: "2026-11-21", [])
        f.system(Fixture.mapping(system: "fresh"), exportedOn: "2026-11-22", [])
        let result = try f.run()
        #expect(result.findings(.staleExport).map(\.system) == ["sys"])
        #expect(result.findings(.staleExport).first?.detail.contains("8 days old") == true)
    }

    @Test func historyCodesAreNotProducedWithoutHistory() throws {
        var f = organisation()
        f.user("sam", title: "Clerk", manager: "boss")
        f.system([.of("sam", ["Clerk"])])
        let codes = Set(try f.run().findings.map(\.code))
        #expect(codes.isDisjoint(with: FindingCode.allCases.filter(\.needsHistory)))
    }

    @Test func detailsAreInTheChosenLanguage() throws {
        var f = organisation()
        f.user("tor", title: "Gardener", manager: "boss")
        f.system([.of("tor", ["Admin"])])
        let da = try #require(try f.run(language: .da).findings(.unauthorisedRole).first)
        #expect(da.detail.contains("gives hverken af jobrolle"))
        let en = try #require(try f.run(language: .en).findings(.unauthorisedRole).first)
        #expect(en.detail.contains("is granted by no job role"))
    }
}
