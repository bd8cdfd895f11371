import Foundation

/// `report.html`: one self-contained page for management and auditors (inline CSS and SVG,
/// nothing fetched), laid out to print on A4, in the config's language.
public enum ReportRenderer {
    public static func render(_ report: AuditReport) -> Data {
        let m = Messages(report.language)
        func t(_ da: String, _ en: String) -> String { m.t(da, en) }
        var html = """
            <!DOCTYPE html>
            <html lang="\(report.language.rawValue)">
            <head><meta charset="utf-8">
            <meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'">
            <title>\(t("Rapport", "Report")) — \(report.campaign.htmlEscaped)</title>
            <style>
            @page{size:A4;margin:15mm}
            body{font-family:"DejaVu Sans",Arial,sans-serif;font-size:10pt;color:#222;max-width:180mm;margin:0 auto;padding:1em}
            h1{font-size:16pt;margin:0 0 .2em}h2{font-size:12.5pt;border-bottom:1px solid #999;margin-top:1.6em;break-after:avoid}
            table{border-collapse:collapse;width:100%;margin:.4em 0;break-inside:auto}tr{break-inside:avoid}
            th,td{border:1px solid #ccc;padding:2px 5px;text-align:left;vertical-align:top}th{background:#eee}
            td.n,th.n{text-align:right}td.d{white-space:nowrap}.muted{color:#666}.ok{color:#1a6b1a}.bad{color:#a11}
            .kpi{display:flex;flex-wrap:wrap;gap:8px}.kpi div{border:1px solid #ccc;padding:6px 10px;min-width:30mm}
            .kpi b{display:block;font-size:15pt}svg{display:block;margin:.4em 0}code{font-size:9pt;word-break:break-all}
            </style>
            </head>
            <body>
            <h1>\(t("Adgangsgennemgang", "Access review")) — \(report.organisation.htmlEscaped)</h1>
            <p>\(t("Kampagne", "Campaign")) <b>\(report.campaign.htmlEscaped)</b> · \(t("øjebliksbillede", "snapshot")) \(report.asOf) · \(t("frist", "deadline")) \(report.deadline?.description ?? "—") · \(report.closedOn.map { t("lukket \($0)", "closed on \($0)") } ?? t("åben", "open"))</p>

            """

        // Completion
        let decided = report.reviewers.reduce(0) { $0 + $1.decided }
        let total = report.reviewers.reduce(0) { $0 + $1.total }
        let keep = report.reviewers.reduce(0) { $0 + $1.keep }
        let remove = report.reviewers.reduce(0) { $0 + $1.remove }
        let notAttested = report.reviewers.reduce(0) { $0 + $1.notAttested }
        let verified = report.revocations.filter { $0.verifiedOn != nil }.count
        let outstanding = report.revocations.count - verified
        let late = report.revocations.filter {
            if case .late = report.status(of: $0) { true } else { false }
        }
        .count
        html += "<h2>\(t("Gennemførelse", "Completion"))</h2>\n<div class=\"kpi\">"
        html += kpi(percent(decided, total), t("linjer besluttet", "lines decided") + " (\(decided)/\(total))")
        html += kpi("\(keep)", t("Behold", "Keep"))
        html += kpi("\(remove)", t("Fjern", "Remove"))
        html += kpi("\(notAttested)", t("ikke attesteret (ved lukning)", "not attested (at close)"))
        html += kpi("\(verified)", t("fjernelser verificeret", "removals verified"))
        html += kpi(
            "\(outstanding)", t("fjernelser udestående", "removals outstanding") + " (\(late) \(t("for sent", "late")))"
        )
        html += "</div>\n"
        // The chart shows at most 40 reviewers, the least complete first, when there are more.
        let charted =
            report.reviewers.count <= 40
            ? report.reviewers
            : Array(
                report.reviewers.sorted {
                    (Double($0.decided) / Double(max($0.total, 1)), $0.reviewer)
                        < (Double($1.decided) / Double(max($1.total, 1)), $1.reviewer)
                }.prefix(40))
        if charted.count < report.reviewers.count {
            html +=
                "<p class=\"muted\">\(t("De 40 attestanter, der er nået kortest, af \(report.reviewers.count); alle står i tabellen.", "The 40 least complete of \(report.reviewers.count) reviewers; the table lists them all."))</p>\n"
        }
        html += barChart(
            id: "chart-completion", charted.map { ($0.reviewer, Double($0.decided), Double($0.total)) }, unit: "",
            fraction: true)
        html +=
            "<table><thead><tr><th>\(t("Attestant", "Reviewer"))</th><th class=\"n\">\(t("Besluttet", "Decided"))</th><th class=\"n\">\(t("Linjer", "Lines"))</th><th class=\"n\">\(t("Behold", "Keep"))</th><th class=\"n\">\(t("Fjern", "Remove"))</th><th>\(t("Version", "Version"))</th><th>\(t("Importeret", "Imported"))</th><th>\(t("Sendt (notify)", "Sent (notify)"))</th></tr></thead><tbody>\n"
        for r in report.reviewers {
            let version =
                "\(r.sheetVersion)"
                + (r.mustResend ? " <span class=\"bad\">\(t("send igen", "send again"))</span>" : "")
            html +=
                "<tr><td>\(r.reviewer.htmlEscaped)</td><td class=\"n\">\(r.decided)</td><td class=\"n\">\(r.total)</td><td class=\"n\">\(r.keep)</td><td class=\"n\">\(r.remove)</td><td>\(version)</td><td>\(r.imports.joined(separator: ", "))</td><td>\(r.messages.joined(separator: ", ").htmlEscaped)</td></tr>\n"
        }
        html += "</tbody></table>\n"
        if !report.delegations.isEmpty {
            html +=
                "<h3>\(t("Delegeringer", "Delegations"))</h3>\n<table><thead><tr><th>\(t("Fra", "From"))</th><th>\(t("Til", "To"))</th><th class=\"n\">\(t("Linjer", "Lines"))</th><th>\(t("Godkendt af", "Approved by"))</th><th>\(t("Dato", "Date"))</th><th>\(t("Til og med", "Until"))</th><th>\(t("Begrundelse", "Reason"))</th></tr></thead><tbody>\n"
            for d in report.delegations {
                html +=
                    "<tr><td>\(d.from.htmlEscaped)</td><td>\(d.to.htmlEscaped)</td><td class=\"n\">\(d.lines.count)</td><td>\(d.approvedBy.htmlEscaped)</td><td>\(d.madeOn)</td><td>\(d.until?.description ?? t("lukning", "close"))</td><td>\(d.reason.htmlEscaped)</td></tr>\n"
            }
            html += "</tbody></table>\n"
        }

        // Revocations
        html += "<h2>\(t("Fjernelser", "Removals"))</h2>\n"
        html +=
            "<p class=\"muted\">\(t("En linje besluttet fjernet skal være væk senest \(report.revocationDays) dage efter beslutningen; den kørsel, der først så den væk, verificerer fjernelsen.", "A line decided Remove must be gone \(report.revocationDays) days after the decision at the latest; the run that first saw it gone verifies the removal."))</p>\n"
        if report.revocations.isEmpty {
            html += "<p>\(t("Ingen linjer er besluttet fjernet.", "No line was decided Remove."))</p>\n"
        } else {
            html +=
                "<table><thead><tr><th>System</th><th>\(t("Konto", "Account"))</th><th>\(t("Rolle", "Role"))</th><th>\(t("Person", "Identity"))</th><th>\(t("Besluttet", "Decided"))</th><th>\(t("Status", "Status"))</th></tr></thead><tbody>\n"
            for r in report.revocations {
                let status: String
                switch report.status(of: r) {
                case .verified(let on):
                    status = "<span class=\"ok\">\(t("verificeret", "verified")) \(on)</span>"
                case .late(let seen, let days):
                    status =
                        "<span class=\"bad\">REVOCATION_NOT_DONE: \(t("til stede", "present")) \(seen), \(days) \(t("dage for sent", "days late"))</span>"
                case .unproven(let exportedOn, let due):
                    status = t(
                        "udestående; frist \(due), men seneste eksport er fra \(exportedOn): kan ikke afgøres",
                        "outstanding; due \(due), but the latest export is of \(exportedOn): cannot tell")
                case .pending(let due):
                    status = t("afventer (frist \(due))", "pending (due \(due))")
                }
                html +=
                    "<tr><td>\(r.system.htmlEscaped)</td><td>\(r.account.htmlEscaped)</td><td>\(r.role.htmlEscaped)</td><td>\(r.identity.htmlEscaped)</td><td class=\"d\">\(r.decidedOn)</td><td>\(status)</td></tr>\n"
            }
            html += "</tbody></table>\n"
        }

        // Findings
        html += "<h2>\(t("Fund", "Findings"))</h2>\n"
        func grouped(_ key: (String, String, String, String) -> String) -> [(String, Double)] {
            var counts: [String: Int] = [:]
            for f in report.findings { counts[key(f.code, f.severity, f.department, f.system), default: 0] += f.count }
            return counts.map { ($0.key.isEmpty ? "—" : $0.key, Double($0.value)) }.sorted {
                ($1.1, $0.0) < ($0.1, $1.0)
            }
        }
        let severityOrder = Severity.allCases.reversed().map(\.rawValue)
        let bySeverity = grouped { _, s, _, _ in s }.sorted {
            (severityOrder.firstIndex(of: $0.0) ?? 9) < (severityOrder.firstIndex(of: $1.0) ?? 9)
        }
        html += "<h3>\(t("Efter alvor", "By severity"))</h3>\n"
        html += barChart(id: "chart-severity", bySeverity.map { ($0.0, $0.1, nil) }, unit: "")
        html += "<h3>\(t("Efter kode", "By code"))</h3>\n"
        html += barChart(id: "chart-code", grouped { c, _, _, _ in c }.map { ($0.0, $0.1, nil) }, unit: "")
        html += "<h3>\(t("Efter afdeling", "By department"))</h3>\n"
        html += barChart(
            id: "chart-department", grouped { _, _, d, _ in d }.prefix(20).map { ($0.0, $0.1, nil) }, unit: "")
        html += "<h3>\(t("Efter system", "By system"))</h3>\n"
        html += barChart(id: "chart-system", grouped { _, _, _, s in s }.map { ($0.0, $0.1, nil) }, unit: "")
        html += "<h3>\(t("Udvikling over kampagner", "Trend across campaigns"))</h3>\n"
        html += trendChart(report.trend, severities: severityOrder)
        html += "<table><thead><tr><th>\(t("Kampagne", "Campaign"))</th><th>\(t("Kørsel", "Run"))</th>"
        for s in severityOrder { html += "<th class=\"n\">\(s)</th>" }
        html += "</tr></thead><tbody>\n"
        for c in report.trend {
            html += "<tr><td>\(c.campaign.htmlEscaped)</td><td>\(c.asOf)</td>"
            for s in severityOrder { html += "<td class=\"n\">\(c.bySeverity[s] ?? 0)</td>" }
            html += "</tr>\n"
        }
        html += "</tbody></table>\n"

        // Leavers
        let totals = report.leavers.totals
        html += "<h2>\(t("Fratrådte: rettidig fjernelse", "Leavers: timely removal"))</h2>\n<div class=\"kpi\">"
        html += kpi("\(totals.leavers)", t("fratrådte i perioden", "leavers in the period"))
        html += kpi(
            String(format: "%.0f %%", totals.percentOnTime),
            t("fjernet senest på fratrædelsesdagen", "removed by the end date") + " (\(totals.removedOnTime))")
        html += kpi("\(totals.medianDaysLate)", t("median dage for sent", "median days late"))
        html += kpi("\(totals.worstDaysLate)", t("værste antal dage for sent", "worst days late"))
        html += kpi("\(totals.stillOpen)", t("stadig åbne", "still open"))
        html += "</div>\n"
        if !report.leavers.leavers.isEmpty {
            html +=
                "<table><thead><tr><th>\(t("Person", "Identity"))</th><th>\(t("Slutdato (HR / katalog)", "End date (HR / directory)"))</th><th>\(t("Set deaktiveret", "Seen disabled"))</th><th>\(t("Konti", "Accounts"))</th></tr></thead><tbody>\n"
            for l in report.leavers.leavers {
                let end =
                    [l.hrEndDate, l.directoryEndDate].map { $0?.description ?? "—" }.joined(separator: " / ")
                    + (l.hrEndDate == nil && l.directoryEndDate == nil
                        ? " <span class=\"muted\">(\(t("ingen kendt slutdato", "no known end date")))</span>" : "")
                let accounts = l.accounts.map { a -> String in
                    let name = "\(a.system.htmlEscaped)/\(a.account.htmlEscaped)"
                    if let gone = a.firstSeenGone {
                        let days = a.daysToRemoval ?? 0
                        return days - report.leavers.graceDays > 0
                            ? "\(name): <span class=\"bad\">\(t("væk", "gone")) \(gone), \(days) \(t("dage for sent", "days late"))</span>"
                            : "\(name): <span class=\"ok\">\(t("væk", "gone")) \(gone)</span>"
                    }
                    return
                        "\(name): <span class=\"bad\">\(t("stadig aktiv", "still present")), \(a.daysOverdue ?? 0) \(t("dage over fristen", "days overdue"))</span>"
                }
                html +=
                    "<tr><td>\(l.identity.htmlEscaped) \(l.name.htmlEscaped)</td><td>\(end)</td><td>\(l.firstSeenDisabled?.description ?? "—")</td><td>\(accounts.isEmpty ? t("ingen konti set", "no accounts seen") : accounts.joined(separator: "<br>"))</td></tr>\n"
            }
            html += "</tbody></table>\n"
        }

        // Population statement
        let manifest = report.manifest
        html += "<h2>\(t("Populationen", "The population"))</h2>\n"
        html +=
            "<p>\(t("Kilderne blev læst i kørslen, der startede", "The sources were read by the run that started")) \(report.inputsReadAt). \(t("Katalog", "Directory")): \(manifest.directory.source.htmlEscaped)"
        if let server = manifest.directory.server { html += " \(server.htmlEscaped)" }
        html += ", \(t("base", "base")) <code>\(manifest.directory.userBase.htmlEscaped)</code>"
        if let filter = manifest.directory.filter {
            html += ", \(t("filter", "filter")) <code>\(filter.htmlEscaped)</code>"
        }
        html +=
            "; \(manifest.directory.users) \(t("brugere", "users")), \(manifest.directory.groups) \(t("grupper", "groups")).</p>\n"
        html +=
            "<table><thead><tr><th>\(t("Kilde", "Source"))</th><th>\(t("Fil", "File"))</th><th class=\"n\">\(t("Poster", "Records"))</th><th>SHA-256</th></tr></thead><tbody>\n"
        for input in [manifest.config] + manifest.inputs {
            html +=
                "<tr><td>\(input.kind.htmlEscaped)</td><td>\(input.path.htmlEscaped)</td><td class=\"n\">\(input.records)</td><td><code>\(input.sha256)</code></td></tr>\n"
        }
        html += "</tbody></table>\n"
        html += "<h3>\(t("Kataloget afstemt med HR", "The directory reconciled to HR"))</h3>\n"
        html +=
            "<p>\(report.hrNotInDirectory.count) \(t("personer i HR findes ikke i kataloget", "people in HR are not in the directory")); \(report.directoryNotInHR.count) \(t("brugere i kataloget findes ikke i HR", "directory users are not in HR")).</p>\n"
        if !report.hrNotInDirectory.isEmpty || !report.directoryNotInHR.isEmpty {
            html +=
                "<table><thead><tr><th>\(t("Kun i HR", "Only in HR"))</th><th>\(t("Kun i kataloget", "Only in the directory"))</th></tr></thead><tbody><tr><td>"
            html += report.hrNotInDirectory.prefix(200).map {
                "\($0.employeeId.htmlEscaped) \($0.name.htmlEscaped)"
                    + ($0.endDate.map { " (\(t("slut", "end")) \($0))" } ?? "")
            }.joined(separator: "<br>")
            html += "</td><td>"
            html += report.directoryNotInHR.prefix(200).map { "\($0.identity.htmlEscaped) \($0.name.htmlEscaped)" }
                .joined(
                    separator: "<br>")
            html += "</td></tr></tbody></table>\n"
        }

        // Evidence
        html +=
            "<h2>\(t("Bevis", "Evidence"))</h2>\n<p>\(t("Hver fil, denne rapport bygger på, står med sin SHA-256 i", "Every file this report is made from is listed with its SHA-256 in")) <code>manifest.json</code>: findings.csv, leavers.csv, \(t("arkene i", "the sheets in")) sheets/, directory.json, accounts.json. \(t("Kontrollér dem og historikken af beslutninger med", "Check them and the history of decisions with")) <code>accessreview verify \(report.campaign.htmlEscaped)</code>.</p>\n"
        html +=
            "<p class=\"muted\">\(ToolInfo.name) \(ToolInfo.version) · \(manifest.createdAt)</p>\n</body>\n</html>\n"
        return Data(html.utf8)
    }

    private static func kpi(_ value: String, _ label: String) -> String {
        "<div><b>\(value.htmlEscaped)</b>\(label.htmlEscaped)</div>"
    }

    private static func percent(_ part: Int, _ whole: Int) -> String {
        whole == 0 ? "—" : String(format: "%.0f %%", Double(part) * 100 / Double(whole))
    }

    /// Horizontal bars, one a row: a label, a bar and its value (with `fraction`, value of a total).
    static func barChart(id: String, _ rows: [(String, Double, Double?)], unit: String, fraction: Bool = false)
        -> String
    {
        guard !rows.isEmpty else { return "<p class=\"muted\">—</p>\n" }
        let labelWidth = 170.0, barWidth = 420.0, rowHeight = 16.0, width = 680.0
        let largest = max(1, rows.map { fraction ? ($0.2 ?? $0.1) : $0.1 }.max() ?? 1)
        let height = Double(rows.count) * rowHeight + 6
        var svg =
            "<svg id=\"\(id)\" xmlns=\"http://www.w3.org/2000/svg\" width=\"\(Int(width))\" height=\"\(Int(height))\" viewBox=\"0 0 \(Int(width)) \(Int(height))\" role=\"img\">"
        for (index, row) in rows.enumerated() {
            let y = Double(index) * rowHeight + 3
            let scale = barWidth / largest
            let label = row.0.count > 28 ? String(row.0.prefix(27)) + "…" : row.0
            svg +=
                "<text x=\"\(labelWidth - 6)\" y=\"\(y + 11)\" font-size=\"10\" text-anchor=\"end\">\(label.htmlEscaped)</text>"
            if fraction, let whole = row.2 {
                svg +=
                    "<rect x=\"\(labelWidth)\" y=\"\(y + 1)\" width=\"\(whole * scale)\" height=\"\(rowHeight - 4)\" fill=\"#ddd\"/>"
            }
            svg +=
                "<rect x=\"\(labelWidth)\" y=\"\(y + 1)\" width=\"\(max(row.1 * scale, 0.5))\" height=\"\(rowHeight - 4)\" fill=\"#3a6ea5\"/>"
            let value = fraction ? "\(Int(row.1))/\(Int(row.2 ?? 0))" : "\(Int(row.1))\(unit)"
            svg += "<text x=\"\(labelWidth + barWidth + 6)\" y=\"\(y + 11)\" font-size=\"10\">\(value)</text>"
        }
        return svg + "</svg>\n"
    }

    /// Findings per campaign, stacked by severity.
    static func trendChart(_ trend: [(campaign: String, asOf: String, bySeverity: [String: Int])], severities: [String])
        -> String
    {
        guard !trend.isEmpty else { return "" }
        let colours = ["critical": "#8b1a1a", "high": "#d2691e", "medium": "#e0b020", "low": "#7a9cc6"]
        let width = 680.0, height = 200.0, left = 40.0, bottom = 30.0
        let totals = trend.map { $0.bySeverity.values.reduce(0, +) }
        let largest = Double(max(1, totals.max() ?? 1))
        let slot = (width - left) / Double(trend.count)
        let barWidth = min(60, slot * 0.6)
        var svg =
            "<svg id=\"chart-trend\" xmlns=\"http://www.w3.org/2000/svg\" width=\"\(Int(width))\" height=\"\(Int(height))\" viewBox=\"0 0 \(Int(width)) \(Int(height))\" role=\"img\">"
        svg +=
            "<line x1=\"\(left)\" y1=\"\(height - bottom)\" x2=\"\(width)\" y2=\"\(height - bottom)\" stroke=\"#999\"/>"
        svg += "<text x=\"\(left - 4)\" y=\"14\" font-size=\"10\" text-anchor=\"end\">\(Int(largest))</text>"
        for (index, campaign) in trend.enumerated() {
            let x = left + Double(index) * slot + (slot - barWidth) / 2
            var y = height - bottom
            for severity in severities.reversed() {
                let count = Double(campaign.bySeverity[severity] ?? 0)
                guard count > 0 else { continue }
                let h = count / largest * (height - bottom - 20)
                y -= h
                svg +=
                    "<rect x=\"\(x)\" y=\"\(y)\" width=\"\(barWidth)\" height=\"\(h)\" fill=\"\(colours[severity] ?? "#888")\"><title>\(severity) \(Int(count))</title></rect>"
            }
            svg +=
                "<text x=\"\(x + barWidth / 2)\" y=\"\(height - bottom + 14)\" font-size=\"10\" text-anchor=\"middle\">\(campaign.campaign.htmlEscaped)</text>"
            svg +=
                "<text x=\"\(x + barWidth / 2)\" y=\"\(y - 3)\" font-size=\"10\" text-anchor=\"middle\">\(totals[index])</text>"
        }
        return svg + "</svg>\n"
    }
}
