import Foundation

/// Whom each line goes to: the manager chain, substitutes and the fallback.
extension ReconcileState {
    // MARK: Routing

    /// The reviewer of each person's lines: manager (or substitute), climbing past the person
    /// themselves, leavers, unknown managers and cycles; the fallback at the top. Each climb
    /// reads the identities only, so they run on every core.
    mutating func computeRoutes() {
        let state = self
        routes = Parallel.map(identities.count) { index in
            let user = state.identities[index].user
            return state.climb(from: user.manager, person: user.id, missingManager: user.managerDN)
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
                return Route(reviewer: substitute, fallback: false, why: "")
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

    func systemOwnerRoute(_ export: SystemExport) -> Route {
        if let owner = export.owner, eligible(owner, for: nil) {
            return Route(reviewer: owner, fallback: false, why: "")
        }
        let why = export.owner.map(messages.ownerInactive) ?? messages.systemHasNoOwner
        return Route(reviewer: fallbackReviewer(for: nil), fallback: true, why: why)
    }

    /// NO_REVIEWER: lines went to the fallback, and why the route found no one else.
    func noReviewer(_ route: Route, identity: String? = nil, system: String? = nil, account: String? = nil) -> Finding {
        Finding(
            code: .noReviewer, identity: identity, system: system, account: account,
            rule: rule(.noReviewer, default: "reviewers.fallback"), reviewer: route.reviewer,
            detail: messages.noReviewer(fallback: route.reviewer, why: route.why))
    }
}
