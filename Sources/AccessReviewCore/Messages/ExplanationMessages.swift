import Foundation

/// The texts of `accessreview explain`.
extension Messages {
    var managerWord: String { t("leder", "manager") }
    var unknownWord: String { t("ukendt", "unknown") }
    var leaverHeading: String { t("FRATRÅDT", "LEAVER") }
    var leavingDateWord: String { t("fratrædelsesdato", "leaving date") }
    var statusWord: String { t("status", "status") }
    var activeWord: String { t("aktiv", "active") }
    var disabledWord: String { t("deaktiveret", "disabled") }
    var externalWord: String { t("ekstern", "external") }
    var endDateWord: String { t("slutdato", "end date") }
    var untilWord: String { t("til", "until") }
    var jobRolesHeading: String { t("Jobroller:", "Job roles:") }
    var noJobRole: String { t("ingen — ingen match passer", "none — no match holds") }
    var grantsWord: String { t("giver", "grants") }
    var exceptionsHeading: String { t("Undtagelser:", "Exceptions:") }
    var validUntil: String { t("gyldig til", "valid until") }
    var expiredWord: String { t("UDLØBET", "EXPIRED") }
    var approvedBy: String { t("godkendt af", "approved by") }
    func accessLinesHeading(_ count: Int) -> String { t("Adgange (\(count)):", "Access lines (\(count)):") }
    var leaverMustBeRemoved: String { t("fratrådt — skal fjernes", "leaver — must be removed") }
    var noGround: String {
        t(
            "intet grundlag: ingen jobrolle, grundrettighed eller gyldig undtagelse giver den",
            "no ground: no job role, birthright or valid exception grants it")
    }
    var reviewedBy: String { t("attesteres af", "reviewed by") }
    var linesGoTo: String { t("linjerne attesteres af", "lines reviewed by") }
    var managerInDirectory: String { t("lederen i kataloget", "the manager in the directory") }
    var deputyOwnerWord: String { t("stedfortrædende systemejer", "deputy system owner") }
    var fallbackWord: String { t("reserve-attestant", "fallback reviewer") }
    func ownerHoldsTheLine(_ owner: String) -> String {
        t("systemejeren \(owner) har selv adgangen", "the system owner \(owner) holds this access")
    }
    func ownerIsFirstReviewer(_ owner: String) -> String {
        t(
            "systemejeren \(owner) er allerede første attestant",
            "the system owner \(owner) is already the first reviewer")
    }
    func findingsHeading(_ count: Int) -> String { t("Fund (\(count)):", "Findings (\(count)):") }
}
