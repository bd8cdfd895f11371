import Foundation

/// Whom each line goes to: the manager chain, substitutes and the fallback.
extension ReconcileState {
    // MARK: Routing

    /// The reviewer of each person's lines: manager (or substitute), climbing past the person
    /// themselves, leavers, unknown managers and cycles; the fallback at the top. Each climb
    /// reads the identities only, so they run on every core.
    /// A person the directory gives no manager (or one it cannot find) is routed to the
    /// manager HR names (`manager_employee_id`), when that is a known identity.
    mutating func computeRoutes() {
        var byEmployeeId: [String: String] = [:]
        if identities.contains(where: { $0.user.manager == nil && $0.hr?.managerEmployeeId != nil }) {
            for identity in identities {
                if let employeeId = identity.user.employeeId { byEmployeeId[employeeId.matchKey] = identity.user.id }
            }
        }
        let state = self
        routes = Parallel.map(identities.count) { [byEmployeeId] index in
            let identity = state.identities[index]
            let user = identity.user
            if user.manager == nil, let employeeId = identity.hr?.managerEmployeeId,
                let manager = byEmployeeId[employeeId.matchKey]
            {
                var route = state.climb(from: manager, person: user.id, missingManager: nil)
                if !route.fallback {
                    route.via =
                        state.messages.managerFromHR(employeeId: employeeId, manager: manager)
                        + (route.via.isEmpty ? "" : "; \(route.via)")
                }
                return route
            }
            return state.climb(from: user.manager, person: user.id, missingManager: user.managerDN)
        }
        for index in identities.indices {
            identities[index].reviewer = routes[index].reviewer
            identities[index].routing =
                routes[index].fallback
                ? messages.routedToFallback(why: routes[index].why) : routes[index].via
        }
    }

    func route(_ index: Int) -> Route { routes[index] }

    func climb(from start: String?, person: String?, missingManager: String?) -> Route {
        var visited: Set<String> = []
        var current = start
        var why =
            start == nil
            ? (missingManager.map(messages.managerMissing) ?? messages.noManagerSet)
            : ""
        while let candidate = current {
            if candidate == person {
                why = messages.chainLeadsBack
                break
            }
            if !visited.insert(candidate).inserted {
                why = messages.managerCycle
                break
            }
            guard let index = indexById[candidate] else {
                why = messages.managerNotFound(candidate)
                break
            }
            if let substitute = activeSubstitute(for: candidate), eligible(substitute, for: person) {
                return Route(
                    reviewer: substitute, fallback: false, why: "", via: messages.substituteFor(candidate))
            }
            if eligible(candidate, for: person) { return Route(reviewer: candidate, fallback: false, why: "") }
            why = messages.managerIsLeaver(candidate)
            current = identities[index].user.manager
        }
        return Route(reviewer: fallbackReviewer(for: person), fallback: true, why: why)
    }

    func activeSubstitute(for manager: String) -> String? {
        handbook.substitutes.first { $0.manager == manager && ($0.until.map { $0 >= asOf } ?? true) }?.substitute
    }

    /// The first fallback who is not the person and not a leaver; empty when there is none,
    /// which `finish()` reports as a configuration error.
    func fallbackReviewer(for person: String?) -> String {
        handbook.fallbacks.first { eligible($0, for: person) } ?? ""
    }

    /// The system owner, else the deputy owner, else the fallback.
    func systemOwnerRoute(_ export: SystemExport) -> Route {
        if let owner = export.owner, eligible(owner, for: nil) {
            return Route(reviewer: owner, fallback: false, why: "")
        }
        if let deputy = export.deputyOwner, eligible(deputy, for: nil) {
            return Route(reviewer: deputy, fallback: false, why: "")
        }
        let why = export.owner.map(messages.ownerInactive) ?? messages.systemHasNoOwner
        return Route(reviewer: fallbackReviewer(for: nil), fallback: true, why: why)
    }

    /// The second review of an extra-sensitive or privileged line in a system with an
    /// owner: the owner, unless the owner holds the line, is already its reviewer or is not
    /// active; then the deputy owner, then the first fallback — never the holder, never the
    /// first reviewer. Nil only when nobody else is eligible.
    func secondReviewer(_ export: SystemExport, holder: String?, first: String) -> String? {
        guard export.owner != nil || export.deputyOwner != nil else { return nil }
        let candidates = [export.owner, export.deputyOwner].compactMap { $0 } + handbook.fallbacks
        return candidates.first { $0 != first && eligible($0, for: holder) }
    }

    /// NO_REVIEWER: lines went to the fallback, and why the route found no one else.
    func noReviewer(_ route: Route, identity: String? = nil, system: String? = nil, account: String? = nil) -> Finding {
        Finding(
            code: .noReviewer, identity: identity, system: system, account: account,
            rule: rule(.noReviewer, default: "reviewers.fallback"), reviewer: route.reviewer,
            detail: messages.noReviewer(fallback: route.reviewer, why: route.why))
    }
}
