import Foundation

/// What a finding means for the manager who decides the line: a few words for the sheet's
/// Findings column, and two sentences for the instructions. The codes stay in their own
/// narrow column (and in findings.csv) for IT security.
extension Messages {
    /// The finding in a few words, as the sheet's Findings column shows it.
    public func findingPhrase(_ code: FindingCode) -> String {
        switch code {
        case .leaverAccess: t("fratrådt, har stadig adgang", "leaver still has access")
        case .leaverEnabled: t("fratrådt, konto stadig aktiv", "leaver's account still enabled")
        case .orphanAccount: t("konto uden kendt ejer", "account with no known owner")
        case .ambiguousMatch: t("konto passer på flere personer", "account matches several people")
        case .sodConflict: t("funktionsadskillelse brudt", "segregation of duties broken")
        case .revocationNotDone: t("fjernelse ikke udført", "removal not carried out")
        case .unauthorisedRole: t("rollen er ikke tilladt", "role not allowed")
        case .exceptionExpired: t("undtagelsen er udløbet", "exception has expired")
        case .externalNoEndDate: t("ekstern uden slutdato", "external with no end date")
        case .serviceOwnerInactive: t("servicekontoens ejer er væk", "service account's owner gone")
        case .noReviewer: t("ingen leder fundet", "no manager found")
        case .sensitiveReviewDue: t("følsom rolle skal attesteres", "sensitive role due for review")
        case .reviewOverdue: t("attestering for gammel", "review overdue")
        case .dormantAccount: t("ikke brugt længe", "not used for a long time")
        case .unknownRole: t("rollen er ukendt", "unknown role")
        case .staleExport: t("gammel eksport", "stale export")
        }
    }

    /// The Findings cell: every finding of the line in words.
    func findingPhrases(_ codes: [FindingCode]) -> String {
        codes.isEmpty ? "" : codes.map(findingPhrase).joined(separator: "; ")
    }

    /// What the finding means and what the manager should do, in two sentences.
    func findingExplanation(_ code: FindingCode) -> String {
        switch code {
        case .leaverAccess:
            t(
                "Personen er fratrådt, men har stadig adgangen. Vælg Fjern, medmindre der er en dokumenteret grund til at beholde den.",
                "The person has left but still has the access. Choose Remove unless there is a documented reason to keep it."
            )
        case .leaverEnabled:
            t(
                "Personen er fratrådt, men brugerkontoen i kataloget er stadig aktiv. Vælg Fjern for alle personens adgange.",
                "The person has left but their directory account is still enabled. Choose Remove for all their access.")
        case .orphanAccount:
            t(
                "Kontoen hører ikke til nogen kendt medarbejder. Som systemejer: find ud af, hvem der bruger den, ellers vælg Fjern.",
                "The account belongs to no known employee. As system owner: find out who uses it, otherwise choose Remove."
            )
        case .ambiguousMatch:
            t(
                "Kontoen kan høre til flere personer, og værktøjet gætter ikke. Skriv i Kommentar, hvem den tilhører, eller vælg Fjern.",
                "The account could belong to several people, and the tool does not guess. Write in Comment whose it is, or choose Remove."
            )
        case .sodConflict:
            t(
                "Personen har to roller, som håndbogen siger ikke må samles hos én person. Fjern den ene, eller behold med en begrundelse for den kompenserende kontrol.",
                "The person holds two roles the handbook says one person must not combine. Remove one, or keep it with a reason naming the compensating control."
            )
        case .revocationNotDone:
            t(
                "Adgangen blev besluttet fjernet, men findes stadig efter fristen. Kontakt systemets administrator; beslutningen står ved magt.",
                "The access was decided removed but is still there after the deadline. Contact the system's administrator; the decision stands."
            )
        case .unauthorisedRole:
            t(
                "Ingen jobrolle, grundrettighed eller undtagelse giver personen denne rolle. Vælg Fjern, medmindre personen har brug for den; så skriv hvorfor.",
                "No job role, birthright or exception gives the person this role. Choose Remove unless they need it; then write why."
            )
        case .exceptionExpired:
            t(
                "Rollen var kun tilladt ved en undtagelse, som er udløbet. Vælg Fjern, eller få undtagelsen forlænget og skriv det i Kommentar.",
                "The role was only allowed by an exception that has expired. Choose Remove, or have the exception renewed and say so in Comment."
            )
        case .externalNoEndDate:
            t(
                "Personen er ekstern, men har ingen slutdato. Behold kun, hvis aftalen stadig løber, og bed HR om at registrere slutdatoen.",
                "The person is external but has no end date. Keep only if the contract still runs, and ask HR to record the end date."
            )
        case .serviceOwnerInactive:
            t(
                "Servicekontoens ansvarlige ejer er fratrådt eller findes ikke. Find en ny ejer, eller vælg Fjern.",
                "The service account's owner has left or is unknown. Find a new owner, or choose Remove.")
        case .noReviewer:
            t(
                "Der blev ikke fundet en leder til personen, så linjen er sendt til dig som reserve. Tag stilling, hvis du kan, og bed HR rette lederen.",
                "No manager was found for the person, so the line came to you as fallback. Decide if you can, and ask HR to correct the manager."
            )
        case .sensitiveReviewDue:
            t(
                "Følsomme roller skal attesteres hvert kvartal, og denne er ikke attesteret for nylig. Tag særligt stilling til, om personen stadig har brug for den.",
                "Sensitive roles must be attested every quarter, and this one was not attested recently. Consider carefully whether the person still needs it."
            )
        case .reviewOverdue:
            t(
                "Adgangen er ikke attesteret inden for det halve år, håndbogen kræver. Tag stilling som til de andre linjer.",
                "The access was not attested within the half year the handbook requires. Decide as for the other lines."
            )
        case .dormantAccount:
            t(
                "Kontoen er ikke brugt i lang tid. Vælg Fjern, medmindre personen snart skal bruge den igen.",
                "The account has not been used for a long time. Choose Remove unless the person will need it again soon."
            )
        case .unknownRole:
            t(
                "Rollen står ikke i håndbogens katalog, så den kan ikke vurderes automatisk. Vurdér selv, og bed IT-sikkerhed tilføje den.",
                "The role is not in the handbook's catalogue, so it cannot be judged automatically. Judge it yourself, and ask IT security to add it."
            )
        case .staleExport:
            t(
                "Systemets eksport er gammel, så linjen viser måske ikke den aktuelle adgang. Tag stilling alligevel; IT-sikkerhed henter en ny eksport.",
                "The system's export is old, so the line may not show the current access. Decide anyway; IT security fetches a new export."
            )
        }
    }

    /// The recommendation beside the decision, where the handbook implies one.
    func recommendationWord(_ recommendation: Recommendation?) -> String {
        switch recommendation {
        case .keep: t("Behold", "Keep")
        case .remove: t("Fjern", "Remove")
        case nil: ""
        }
    }

    var findingsHeading: String { t("Hvad fundene betyder:", "What the findings mean:") }
    var recommendationNote: String {
        t(
            "Kolonnen Anbefaling viser, hvad håndbogen peger på (Fjern for en fratrådts adgang, en rolle uden grundlag og en ubrugt konto; Behold hvor en jobrolle eller grundrettighed giver adgangen). Det er kun en anbefaling: beslutningen er din.",
            "The Recommendation column shows what the handbook points to (Remove for a leaver's access, a role without grounds and an unused account; Keep where a job role or birthright grants the access). It is only a recommendation: the decision is yours."
        )
    }
}

/// What the handbook implies for a line; shown beside the decision, never as it.
public enum Recommendation: Sendable {
    case keep, remove

    /// Remove for a leaver's access, an unauthorised, expired or dormant line; Keep where a
    /// job role or the birthright grants it and nothing speaks against it; none otherwise
    /// (a segregation-of-duties conflict, an orphan, an exception: the reviewer judges).
    /// The history codes (overdue reviews, late removals) change nothing.
    public static func of(_ line: AccessLine) -> Recommendation? {
        // Called for every row of every sheet: no sets, one pass over the codes.
        var judged = false
        for code in line.codes {
            switch code {
            case .leaverAccess, .leaverEnabled, .unauthorisedRole, .exceptionExpired, .dormantAccount: return .remove
            case .sodConflict, .orphanAccount, .ambiguousMatch, .serviceOwnerInactive, .unknownRole: judged = true
            default: break
            }
        }
        guard !judged else { return nil }
        switch line.ground {
        case .jobRole, .birthright: return .keep
        default: return nil
        }
    }
}
