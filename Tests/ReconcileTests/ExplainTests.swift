@testable import AccessReviewCore
import Testing
import TestSupport

@Suite(.processStarted) struct ExplainTests {
    @Test func explainShowsJobRolesGroundsReviewersAndFindings() throws {
        var f = Fixture.basic(
            "exceptions:\n  - { identity: ann, system: sys, role: Admin, reason: \"project\", approved_by: boss, expires: 2026-01-01 }"
        )
        f.user("sec")
        f.user("boss", manager: "sec")
        f.user("ann", title: "Clerk", manager: "boss")
        f.system([.of("ann", ["Clerk", "Reader", "Admin", "Plain"])])
        let result = try f.run()
        let text = try Explanation.render(
            identity: "ANN", result: result, handbook: try Handbook.parse(f.handbookYAML, file: "h"), language: .en)
        #expect(text.contains("JR-CLERK §7.1: title 'Clerk' ~ 'Clerk*'"))
        #expect(text.contains("sys/Clerk (acc-ann, sensitive): JR-CLERK"))
        #expect(text.contains("sys/Reader (acc-ann, normal): birthright"))
        #expect(
            text.contains(
                "sys/Plain (acc-ann, normal): no ground: no job role, birthright or valid exception grants it  [UNAUTHORISED_ROLE]"
            ))
        #expect(
            text.contains("sys/Admin (acc-ann, extra-sensitive): expired exception (2026-01-01)  [EXCEPTION_EXPIRED]"))
        #expect(text.contains("reviewed by boss + own (system owner)") == false, "own is not in this directory")
        #expect(text.contains("reviewed by boss"))
        #expect(text.contains("sys/Admin: EXPIRED 2026-01-01 — project (approved by boss)"))
        #expect(text.contains("MEDIUM UNAUTHORISED_ROLE [job_roles]"))
        #expect(throws: ToolError.self) {
            try Explanation.render(
                identity: "nobody", result: result, handbook: try Handbook.parse(f.handbookYAML, file: "h"),
                language: .en)
        }
    }
}
