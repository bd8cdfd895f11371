import Foundation

/// The message catalogue: every Danish and English text the tool writes into its outputs —
/// finding details (here), routing reasons, sheet texts (`SheetMessages.swift`) and the
/// explanation (`ExplanationMessages.swift`). Codes, ids and file names are not translated.
public struct Messages: Sendable {
    public var language: Language

    public init(_ language: Language) { self.language = language }

    func t(_ da: String, _ en: String) -> String { language == .da ? da : en }

    func leaverAccess(system: String, leaverDate: Day?, overdue: Int?, reasons: [String]) -> String {
        let why = reasons.joined(separator: ", ")
        guard let leaverDate, let overdue else {
            return t(
                "fratrådt (\(why)); kontoen i \(system) er stadig aktiv; fratrædelsesdato ukendt",
                "leaver (\(why)); the account in \(system) is still active; leaving date unknown")
        }
        return t(
            "fratrådt \(leaverDate) (\(why)); kontoen i \(system) er stadig aktiv, \(overdue) dage over fristen",
            "left on \(leaverDate) (\(why)); the account in \(system) is still active, \(overdue) days overdue")
    }

    func leaverEnabled(leaverDate: Day?, reasons: [String]) -> String {
        let date = leaverDate.map { " \($0)" } ?? ""
        return t(
            "fratrådt\(date) (\(reasons.joined(separator: ", "))), men brugeren er stadig aktiv i kataloget",
            "left\(date.isEmpty ? "" : " on" + date) (\(reasons.joined(separator: ", "))), but the directory account is still enabled"
        )
    }

    func orphan(system: String, keys: String) -> String {
        t(
            "aktiv konto i \(system) uden tilknyttet person og ikke erklæret som servicekonto (\(keys))",
            "active account in \(system) that matches no identity and is no declared service account (\(keys))")
    }

    func ambiguous(candidates: [String], field: String) -> String {
        t(
            "feltet '\(field)' matcher flere personer: \(candidates.joined(separator: ", ")); kontoen er ikke tildelt nogen",
            "field '\(field)' matches several identities: \(candidates.joined(separator: ", ")); the account is assigned to none"
        )
    }

    func sod(rule: String, description: String, first: RoleKey, second: RoleKey, expired: Day?) -> String {
        let base = t(
            "\(rule): \(description) — har både \(first) og \(second)",
            "\(rule): \(description) — holds both \(first) and \(second)")
        guard let expired else { return base }
        return base + t(" (undtagelsen udløb \(expired))", " (the exception expired on \(expired))")
    }

    func unauthorised(role: RoleKey, sensitivity: Sensitivity, jobRoles: [String]) -> String {
        let held = jobRoles.isEmpty ? t("ingen jobrolle", "no job role") : jobRoles.joined(separator: ", ")
        let sens =
            sensitivity == .normal
            ? "" : t(" (\(sensitivityName(sensitivity)) rolle)", " (\(sensitivityName(sensitivity)) role)")
        return t(
            "rollen \(role)\(sens) gives hverken af jobrolle (\(held)), grundrettighed eller gyldig undtagelse",
            "the role \(role)\(sens) is granted by no job role (\(held)), birthright or valid exception")
    }

    func mover(jobRole: String, until: Day?) -> String {
        let when = until.map { t(" (sidst set \($0))", " (last seen \($0))") } ?? ""
        return t(
            "; flytter: rollen kom fra jobrollen \(jobRole), som personen ikke har længere\(when)",
            "; mover: the role came with job role \(jobRole), which the person no longer holds\(when)")
    }

    func exceptionExpired(role: RoleKey, expires: Day, reason: String) -> String {
        t(
            "eneste grundlag for \(role) er en undtagelse, der udløb \(expires) (\(reason))",
            "the only ground for \(role) is an exception that expired on \(expires) (\(reason))")
    }

    func externalNoEndDate(type: String) -> String {
        t(
            "ekstern (\(type)) uden slutdato i katalog eller HR",
            "external (\(type)) with no end date in the directory or HR")
    }

    func serviceOwnerInactive(owner: String, known: Bool, reason: String) -> String {
        known
            ? t(
                "servicekontoens ejer \(owner) er fratrådt (\(reason))",
                "the service account's owner \(owner) is a leaver (\(reason))")
            : t(
                "servicekontoens ejer \(owner) findes ikke i kataloget (\(reason))",
                "the service account's owner \(owner) is not in the directory (\(reason))")
    }

    // MARK: Routing: why no manager could review

    func managerMissing(_ dn: String) -> String {
        t("lederen \(dn) findes ikke i kataloget", "manager \(dn) is not in the directory")
    }
    var noManagerSet: String { t("ingen leder angivet", "no manager set") }
    var chainLeadsBack: String {
        t("lederkæden fører tilbage til personen selv", "the manager chain leads back to the person")
    }
    var managerCycle: String { t("ring i lederkæden", "cycle in the manager chain") }
    func managerNotFound(_ id: String) -> String { t("lederen \(id) findes ikke", "manager \(id) not found") }
    func managerIsLeaver(_ id: String) -> String { t("lederen \(id) er fratrådt", "manager \(id) is a leaver") }
    func ownerInactive(_ owner: String) -> String {
        t("systemejeren \(owner) er fratrådt eller ukendt", "system owner \(owner) is a leaver or unknown")
    }
    var systemHasNoOwner: String { t("systemet har ingen ejer", "the system has no owner") }
    func managerFromHR(employeeId: String, manager: String) -> String {
        t(
            "kataloget angiver ingen leder; HR's leder (manager_employee_id \(employeeId)) er \(manager)",
            "the directory names no manager; HR's manager (manager_employee_id \(employeeId)) is \(manager)")
    }
    func substituteFor(_ manager: String) -> String {
        t("stedfortræder for \(manager)", "substitute for \(manager)")
    }
    func routedToFallback(why: String) -> String {
        t("reserve-attestant: \(why)", "fallback reviewer: \(why)")
    }

    func noReviewer(fallback: String, why: String) -> String {
        t(
            "ingen leder kan attestere (\(why)); sendt til \(fallback)",
            "no eligible manager (\(why)); routed to \(fallback)")
    }

    func revocationNotDone(decided: Day, by reviewer: String, campaign: String, seen: Day, daysLate: Int, limit: Int)
        -> String
    {
        t(
            "besluttet fjernet \(decided) af \(reviewer) (kampagne \(campaign)), stadig til stede \(seen), \(daysLate) dage efter fristen på \(limit) dage",
            "decided Remove on \(decided) by \(reviewer) (campaign \(campaign)), still present on \(seen), \(daysLate) days after the \(limit)-day limit"
        )
    }

    func reviewDue(attested: Day?, firstSeen: Day, days: Int, interval: Int) -> String {
        guard let attested else {
            return t(
                "aldrig attesteret; set første gang \(firstSeen), \(days) dage siden (skal attesteres hver \(interval). dag)",
                "never attested; first seen \(firstSeen), \(days) days ago (to be attested every \(interval) days)")
        }
        return t(
            "sidst attesteret \(attested), \(days) dage siden (skal attesteres hver \(interval). dag)",
            "last attested \(attested), \(days) days ago (to be attested every \(interval) days)")
    }

    func dormant(lastLogin: Day?, days: Int) -> String {
        guard let lastLogin else {
            return t("aldrig logget på (grænse \(days) dage)", "never logged in (limit \(days) days)")
        }
        return t("sidste login \(lastLogin) (grænse \(days) dage)", "last login \(lastLogin) (limit \(days) days)")
    }

    func unknownRole(role: RoleKey, accounts: Int) -> String {
        t(
            "rollen \(role) findes ikke i håndbogens rollekatalog (\(accounts) konti)",
            "the role \(role) is not in the handbook's role catalogue (\(accounts) accounts)")
    }

    func staleExport(system: String, exportedOn: Day, age: Int, limit: Int) -> String {
        t(
            "eksporten fra \(system) er dannet \(exportedOn), \(age) dage gammel (grænse \(limit))",
            "the export of \(system) was made on \(exportedOn), \(age) days old (limit \(limit))")
    }

    public func sensitivityName(_ sensitivity: Sensitivity) -> String {
        switch sensitivity {
        case .normal: return t("normal", "normal")
        case .sensitive: return t("følsom", "sensitive")
        case .extraSensitive: return t("særligt følsom", "extra-sensitive")
        }
    }

    public func groundName(_ ground: Ground) -> String {
        switch ground {
        case .jobRole(let id): return id
        case .birthright: return t("grundrettighed", "birthright")
        case .exception(let until): return t("undtagelse til \(until)", "exception until \(until)")
        case .expiredException(let expired):
            return t("udløbet undtagelse (\(expired))", "expired exception (\(expired))")
        case .serviceAccount(let owner): return t("servicekonto (ejer \(owner))", "service account (owner \(owner))")
        case .none: return t("intet", "none")
        }
    }

    func reason(_ condition: IdentityCondition) -> String {
        switch condition {
        case .disabled: return t("deaktiveret", "disabled")
        case .endDatePassed: return t("slutdato passeret", "end date passed")
        case .dnUnder(let dn): return t("flyttet til \(dn)", "moved under \(dn)")
        case .attribute(let name, _): return "\(name)"
        case .group(let dn): return t("medlem af \(dn)", "member of \(dn)")
        }
    }
}
