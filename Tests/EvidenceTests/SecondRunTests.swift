import Foundation
import Testing
import TestSupport

/// The README's second-run demo, run as written on a copy of the Samples: the first run,
/// the returned sheets in `Samples/returned/` imported, and the run three weeks later with
/// a new ESDH export. Then `report.html` opened in headless Chromium.
@Suite(.serialized, .processStarted) struct SecondRunTests {
    let samples = Repository.copyOfSamples()

    /// Runs the three commands of the README; returns the later run's standard output.
    func secondRun() throws -> String {
        let config = samples.file("Samples/accessreview.yaml")
        let first = try Tool.run(["run", "--config", config, "--quiet"])
        #expect(first.status == 0, "\(first.stderr)")
        let returned = try FileManager.default.contentsOfDirectory(atPath: samples.file("Samples/returned")).sorted()
        #expect(returned == ["mach.xlsx", "maso.xlsx", "meni.xlsx", "pila.csv"])
        let imported = try Tool.run(
            ["decisions", "import", "--config", config, "--as-of", "2026-12-04"]
                + returned.map { samples.file("Samples/returned/\($0)") })
        #expect(imported.status == 0, "\(imported.stdout)\(imported.stderr)")
        #expect(
            imported.stdout.contains("4 of 4 files accepted; 10 lines to remove in 3 systems"), "\(imported.stdout)")
        let later = try Tool.run(["run", "--config", samples.file("Samples/accessreview-later.yaml"), "--quiet"])
        #expect(later.status == 0, "\(later.stderr)")
        return later.stdout
    }

    @Test func theReturnedSheetsAndTheLaterExportShowAVerifiedRemovalALateOneAndTheLeavers() throws {
        let printed = try secondRun()
        #expect(printed.contains("4 removals decided earlier are verified"), "\(printed)")
        #expect(
            printed.contains(
                "1 removal is past the handbook's deadline and still there (REVOCATION_NOT_DONE): esdh/E10077 Basisbruger"
            ),
            "\(printed)")
        #expect(printed.contains("out/2026-H2/leavers.csv"), "\(printed)")
        // The worklist keeps only what is still to do in ESDH: bjjo's account.
        let esdh = try #require(samples.read("out/2026-H2/revocations/esdh.csv"))
        let rows = esdh.split(separator: "\r\n").dropFirst()
        #expect(rows.count == 1 && rows.first?.hasPrefix("bjjo,E10077,Basisbruger,mach,") == true, "\(esdh)")
        #expect(esdh.contains(",2026-12-04,2026-12-18,"), "decided_on and remove_by")
        // Leavers: rape's ESDH account removed 83 days after the end date; bjjo's still open.
        let leavers = try #require(samples.read("out/2026-H2/leavers.csv"))
        #expect(
            leavers.contains("rape,Rasmus Petersen,Hjemmeplejen,2026-09-30,")
                && leavers.contains(",esdh,E10770,2026-12-22,83,,removed late"))
        #expect(leavers.contains("bjjo,Bjørn Jørgensen") && leavers.contains(",esdh,E10077,,,37,\"open, overdue\""))
        let verify = try Tool.run(["verify", samples.file("out/2026-H2")])
        #expect(verify.status == 0, "\(verify.stdout)\(verify.stderr)")
    }

    /// The page as a browser shows it, probed from inside: a script placed before the
    /// report's own content (and before its Content-Security-Policy) records every error
    /// and every fetch and measures each chart once the page has loaded.
    @Test func theReportLoadsInHeadlessChromiumWithoutErrorsAndEveryChartHasASize() throws {
        let chromium = try #require(
            ["/usr/bin/chromium", "/usr/bin/chromium-browser"].first {
                FileManager.default.isExecutableFile(atPath: $0)
            },
            "Chromium is installed by make test (Debian package chromium)")
        _ = try secondRun()
        let report = try #require(samples.read("out/2026-H2/report.html"))
        let probe = """
            <script>
            window.__errors = [];
            window.addEventListener('error', function (e) {
              __errors.push(String(e.message || (e.target && (e.target.src || e.target.href)) || 'error'));
            }, true);
            window.addEventListener('load', function () {
              var charts = Array.prototype.map.call(document.querySelectorAll('svg[id^="chart-"]'), function (s) {
                var r = s.getBoundingClientRect(); return { id: s.id, width: r.width, height: r.height };
              });
              var fetched = performance.getEntriesByType('resource').map(function (r) { return r.name; });
              var out = document.createElement('pre'); out.id = 'probe';
              out.textContent = JSON.stringify({ charts: charts, fetched: fetched, errors: __errors });
              document.body.appendChild(out);
            });
            </script>
            """
        let page = samples.write("probe.html", report.replacingOccurrences(of: "<head>", with: "<head>" + probe))
        let loaded = try Tool.run(
            [
                chromium, "--headless", "--no-sandbox", "--disable-gpu", "--enable-logging=stderr", "--v=0",
                "--virtual-time-budget=5000", "--dump-dom", "file://\(page)",
            ], executable: chromium, limit: 90)
        #expect(loaded.status == 0, "\(loaded.stderr.suffix(800))")
        // Chromium logs what the page writes to its console, CSP violations included.
        let console = loaded.stderr.split(separator: "\n").filter { $0.contains(":CONSOLE") }
        #expect(console.isEmpty, "console messages: \(console)")
        let json = try #require(
            loaded.stdout.range(of: #"<pre id="probe">[^<]*"#, options: .regularExpression).map {
                String(loaded.stdout[$0].dropFirst(#"<pre id="probe">"#.count))
            }, "the probe ran: \(loaded.stdout.prefix(300))")
        struct Probe: Decodable {
            struct Chart: Decodable {
                var id: String
                var width: Double
                var height: Double
            }
            var charts: [Chart]
            var fetched: [String]
            var errors: [String]
        }
        let result = try JSONDecoder().decode(
            Probe.self, from: Data(json.replacingOccurrences(of: "&quot;", with: "\"").utf8))
        #expect(result.errors.isEmpty && result.fetched.isEmpty, "errors \(result.errors), fetched \(result.fetched)")
        #expect(
            Set(result.charts.map(\.id))
                == [
                    "chart-completion", "chart-severity", "chart-code", "chart-department", "chart-system",
                    "chart-trend",
                ])
        for chart in result.charts {
            #expect(chart.width > 100 && chart.height > 20, "\(chart.id) is \(chart.width)×\(chart.height)")
        }
        // What the auditor reads: the verified removal, the late one, the leavers.
        let text = loaded.stdout
        #expect(text.contains("verificeret 2026-12-22"))
        #expect(text.contains("REVOCATION_NOT_DONE: til stede 2026-12-21, 3 dage for sent"))
        #expect(text.contains("kan ikke afgøres"), "an export older than the deadline proves nothing")
        #expect(text.contains("Rasmus Petersen"))

        // Printed, it is A4.
        let pdf = samples.file("report.pdf")
        let printedPage = try Tool.run(
            [
                chromium, "--headless", "--no-sandbox", "--disable-gpu", "--no-pdf-header-footer",
                "--print-to-pdf=\(pdf)",
                "file://\(samples.file("out/2026-H2/report.html"))",
            ], executable: chromium, limit: 90)
        #expect(printedPage.status == 0)
        let info = try Tool.run(["/usr/bin/pdfinfo", pdf], executable: "/usr/bin/pdfinfo")
        #expect(info.stdout.contains("(A4)"), "\(info.stdout)")
    }

    @Test func theReportIsInTheConfigsLanguage() throws {
        try samples.replace(in: "Samples/accessreview.yaml", "language: da", with: "language: en")
        let run = try Tool.run(["run", "--config", samples.file("Samples/accessreview.yaml"), "--quiet"])
        #expect(run.status == 0, "\(run.stderr)")
        let report = try #require(samples.read("out/2026-H2/report.html"))
        #expect(report.contains("<html lang=\"en\">"))
        for heading in ["Completion", "Removals", "Findings", "Leavers: timely removal", "The population"] {
            #expect(report.contains("<h2>\(heading)</h2>"), "\(heading)")
        }
        for danish in ["Gennemførelse", "Fjernelser", "Fratrådte", "Populationen"] {
            #expect(!report.contains(danish), "\(danish) in an English report")
        }
    }
}
