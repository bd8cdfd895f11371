import Foundation

/// What each identity looked like in earlier runs, as the state store keeps it: the day it was
/// first seen disabled (for the leavers' timeliness) and the job roles it held in each run (to
/// explain a mover's left-over access).
extension StateStore {
    /// What earlier runs (before `asOf`) saw.
    public func history(before asOf: Day) throws -> History {
        var history = History()
        for (identity, day) in try db.query(
            "SELECT identity, first_seen_disabled FROM identity_history WHERE first_seen_disabled < ?",
            [asOf.description], { ($0.text(0), $0.text(1)) })
        {
            history.firstSeenDisabled[identity] = Day(iso: day)
        }
        if let previous = try db.query(
            "SELECT MAX(as_of) FROM job_role_history WHERE as_of < ?", [asOf.description], { $0.text(0) }
        ).first,
            let day = Day(iso: previous)
        {
            history.previousRun = day
            // Streamed, and each distinct text kept once: a million identities hold a few
            // hundred combinations of job roles.
            var shared: [String: String] = [:]
            let count =
                try db.query(
                    "SELECT COUNT(*) FROM job_role_history WHERE as_of = ?", [previous], { $0.integer(0) }
                ).first ?? 0
            history.previousJobRoleText.reserveCapacity(count)
            try db.forEach(
                "SELECT identity, job_roles FROM job_role_history WHERE as_of = ?", [.text(previous)]
            ) { row in
                let text = row.text(1)
                let kept: String
                if let known = shared[text] {
                    kept = known
                } else {
                    shared[text] = text
                    kept = text
                }
                history.previousJobRoleText[row.text(0)] = kept
            }
        }
        // The pages read stay in the connection's cache (up to 64 MB) through reconciliation otherwise.
        try db.execute("PRAGMA shrink_memory")
        return history
    }

    /// Records what this run saw, for later runs.
    func recordRun(asOf: Day, identities: [IdentityState]) throws {
        try db.transaction {
            let disabled = try db.prepare(
                "INSERT INTO identity_history VALUES (?, ?) ON CONFLICT(identity) DO UPDATE SET first_seen_disabled = MIN(COALESCE(first_seen_disabled, excluded.first_seen_disabled), excluded.first_seen_disabled)"
            )
            try db.run("DELETE FROM job_role_history WHERE as_of = ?", [asOf.description])
            let roles = try db.prepare("INSERT INTO job_role_history VALUES (?, ?, ?)")
            for identity in identities {
                if identity.user.disabled { try disabled.run(texts: [identity.user.id, asOf.description]) }
                if !identity.jobRoles.isEmpty {
                    try roles.run(texts: [
                        asOf.description, identity.user.id, identity.jobRoles.map(\.id).joined(separator: " "),
                    ])
                }
            }
        }
    }
}
