import Foundation

/// Leaver timeliness, as auditors test it: every identity that became a leaver in the
/// period, its end dates, when its directory account was first seen disabled, and for each
/// of its accounts when it was first seen gone and how many days after the end date — or
/// how many days overdue it is so far.
public struct LeaverReport: Sendable {
    public struct Account: Sendable, Equatable {
        public var system: String
        public var account: String
        public var firstSeenGone: Day?
        /// Days from the reference date to the run that first saw the account gone
        /// (negative: before it); nil while the account is still there.
        public var daysToRemoval: Int?
        /// Days past the reference date (and the grace days) while the account is still there.
        public var daysOverdue: Int?
    }

    public struct Leaver: Sendable, Equatable {
        public var identity: String
        public var name: String
        public var department: String
        public var hrEndDate: Day?
        public var directoryEndDate: Day?
        public var firstSeenDisabled: Day?
        public var becameLeaverOn: Day
        /// What the days count from: the earliest end date, else the day the account was
        /// first seen disabled, else the first run that saw the person as a leaver.
        public var reference: Day
        public var referenceKind: String
        public var accounts: [Account]

        public var isOpen: Bool { accounts.contains { $0.firstSeenGone == nil } }
        /// Days late: of the last account removed after the reference date (0 when on time).
        public var daysLate: Int {
            accounts.map { $0.daysOverdue ?? max(0, $0.daysToRemoval ?? 0) }.max() ?? 0
        }
        public var removedOnTime: Bool { !isOpen && daysLate == 0 }
    }

    public var asOf: Day
    public var periodStart: Day?
    public var graceDays: Int
    public var leavers: [Leaver]

    public struct Totals: Sendable, Equatable {
        public var leavers: Int
        public var removedOnTime: Int
        public var percentOnTime: Double
        public var medianDaysLate: Int
        public var worstDaysLate: Int
        public var stillOpen: Int
    }

    public var totals: Totals {
        let late = leavers.map(\.daysLate).sorted()
        let onTime = leavers.filter(\.removedOnTime).count
        return Totals(
            leavers: leavers.count, removedOnTime: onTime,
            percentOnTime: leavers.isEmpty ? 100 : Double(onTime) * 100 / Double(leavers.count),
            medianDaysLate: late.isEmpty ? 0 : late[late.count / 2], worstDaysLate: late.last ?? 0,
            stillOpen: leavers.filter(\.isOpen).count)
    }

    /// `leavers.csv`: one row per account of each leaver (one row without system for a leaver
    /// with no account), then a totals row.
    public func csv() -> Data {
        var csv = CSVWriter(separator: ",", byteOrderMark: true, neutraliseFormulas: true)
        csv.row([
            "identity", "name", "department", "hr_end_date", "directory_end_date", "first_seen_disabled",
            "became_leaver_on", "reference_date", "reference", "system", "account", "first_seen_gone",
            "days_to_removal", "days_overdue", "status",
        ])
        func text(_ day: Day?) -> String { day?.description ?? "" }
        for leaver in leavers {
            let person = [
                leaver.identity, leaver.name, leaver.department, text(leaver.hrEndDate), text(leaver.directoryEndDate),
                text(leaver.firstSeenDisabled), leaver.becameLeaverOn.description, leaver.reference.description,
                leaver.referenceKind,
            ]
            if leaver.accounts.isEmpty { csv.row(person + ["", "", "", "", "", "no accounts seen"]) }
            for account in leaver.accounts {
                let status: String
                if let overdue = account.daysOverdue {
                    status = overdue > 0 ? "open, overdue" : "open, within limit"
                } else {
                    status = (account.daysToRemoval ?? 0) - graceDays > 0 ? "removed late" : "removed on time"
                }
                csv.row(
                    person + [
                        account.system, account.account, text(account.firstSeenGone),
                        account.daysToRemoval.map(String.init) ?? "", account.daysOverdue.map(String.init) ?? "",
                        status,
                    ])
            }
        }
        let t = totals
        csv.row([
            "(totals)", "\(t.leavers) leavers", "", "", "", "", "", "", "", "", "",
            "\(t.removedOnTime) removed by the end date (\(String(format: "%.0f", t.percentOnTime)) %)",
            "median \(t.medianDaysLate) days late", "worst \(t.worstDaysLate) days late", "\(t.stillOpen) still open",
        ])
        return csv.data
    }
}

extension StateStore {
    /// Records the leavers this run saw; the first run that saw each keeps its day.
    func recordLeavers(asOf: Day, identities: [IdentityState], lines: [AccessLine]) throws {
        try db.transaction {
            let disabled = Dictionary(
                try db.query("SELECT identity, first_seen_disabled FROM identity_history", [String]()) {
                    ($0.text(0), $0.text(1))
                }, uniquingKeysWith: { a, _ in a })
            let upsert = try db.prepare(
                "INSERT INTO leavers VALUES (?, ?, ?, ?, ?, ?, ?) ON CONFLICT (identity) DO UPDATE SET name = excluded.name, department = excluded.department, hr_end_date = excluded.hr_end_date, directory_end_date = excluded.directory_end_date, first_seen_disabled = excluded.first_seen_disabled"
            )
            for identity in identities where identity.isLeaver {
                let user = identity.user
                try upsert.run(texts: [
                    user.id, user.name ?? "", user.department ?? "", identity.hr?.endDate?.description ?? "",
                    user.endDate?.description ?? "", asOf.description, disabled[user.id] ?? "",
                ])
            }
        }
    }

    /// The leaver report as of `asOf`: leavers who became one after `periodStart` (the
    /// previous campaign's close; every leaver when nil), and earlier ones still holding access.
    public func leaverReport(asOf: Day, periodStart: Day?, graceDays: Int) throws -> LeaverReport {
        let identities = Set(try db.query("SELECT identity FROM leavers", [String]()) { $0.text(0) })
        let accounts = try historyAccounts(of: identities)
        let leavers = try db.query(
            "SELECT identity, name, department, hr_end_date, directory_end_date, first_seen_disabled, became_leaver_on FROM leavers WHERE became_leaver_on <= ? ORDER BY identity",
            [asOf.description]
        ) { r -> LeaverReport.Leaver in
            let hrEnd = Day(iso: r.text(3)), directoryEnd = Day(iso: r.text(4)), disabled = Day(iso: r.text(5))
            let became = Day(iso: r.text(6)) ?? asOf
            let reference: Day, kind: String
            if let end = [hrEnd, directoryEnd].compactMap({ $0 }).min() {
                (reference, kind) = (end, "end date")
            } else if let disabled {
                (reference, kind) = (disabled, "no known end date; first seen disabled")
            } else {
                (reference, kind) = (became, "no known end date; first seen as a leaver")
            }
            let held = (accounts[r.text(0)] ?? []).map { entry in
                LeaverReport.Account(
                    system: entry.system, account: entry.account, firstSeenGone: entry.gone,
                    daysToRemoval: entry.gone.map { $0 - reference },
                    daysOverdue: entry.gone == nil ? max(0, asOf - reference - graceDays) : nil)
            }
            return LeaverReport.Leaver(
                identity: r.text(0), name: r.text(1), department: r.text(2), hrEndDate: hrEnd,
                directoryEndDate: directoryEnd, firstSeenDisabled: disabled, becameLeaverOn: became,
                reference: reference, referenceKind: kind, accounts: held)
        }
        return LeaverReport(
            asOf: asOf, periodStart: periodStart, graceDays: graceDays,
            leavers: leavers.filter { leaver in periodStart.map { leaver.becameLeaverOn > $0 } ?? true || leaver.isOpen
            })
    }

    /// This run's findings by code, severity, department and system: the latest run of each
    /// campaign is kept, for the trend across campaigns.
    func recordFindings(campaign: String, asOf: Day, findings: [Finding], identities: [IdentityState]) throws {
        var department: [String: String] = [:]
        for identity in identities { department[identity.user.id] = identity.user.department ?? "" }
        var counts: [[String]: Int] = [:]
        for finding in findings {
            let key = [
                finding.code.rawValue, finding.severity.rawValue, finding.identity.flatMap { department[$0] } ?? "",
                finding.system ?? "",
            ]
            counts[key, default: 0] += 1
        }
        try db.transaction {
            try db.run("DELETE FROM campaign_findings WHERE campaign = ?", [campaign])
            let insert = try db.prepare("INSERT INTO campaign_findings VALUES (?, ?, ?, ?, ?, ?, ?)")
            for (key, count) in counts.sorted(by: { $0.key.lexicographicallyPrecedes($1.key) }) {
                try insert.run([.text(campaign), .text(asOf.description)] + key.map { .text($0) } + [.integer(count)])
            }
        }
    }

    /// Findings counts of each campaign's latest run: (campaign, as_of, code, severity, department, system, count).
    public func findingCounts() throws -> [(
        campaign: String, asOf: String, code: String, severity: String, department: String, system: String, count: Int
    )] {
        try db.query(
            "SELECT campaign, as_of, code, severity, department, system, count FROM campaign_findings ORDER BY as_of, campaign",
            [String]()
        ) { ($0.text(0), $0.text(1), $0.text(2), $0.text(3), $0.text(4), $0.text(5), $0.integer(6)) }
    }
}
