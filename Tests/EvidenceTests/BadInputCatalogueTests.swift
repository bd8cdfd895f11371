import Foundation
import Testing
import TestSupport
import ZIPFoundation

@testable import AccessReviewCore

/// The catalogue of bad input: every case is a hostile or broken file put in place of one of
/// the Samples' files, given to the tool as a person would run it. Each must be answered
/// within 10 s with its exit status and a message naming the file, without a crash, with no
/// output folder written and the state store as it was.
@Suite(.processStarted) struct BadInputCatalogueTests {
    /// One case: which Samples file is replaced by what, and the answer it must get.
    struct Case: Sendable, CustomTestStringConvertible {
        var name: String
        /// The file replaced, relative to the copy's root (`Samples/…` or `Mappings/…`).
        var file: String
        var content: @Sendable (Data) -> Data
        var status: Int32 = 2
        /// Text the error output must contain (besides the file's name).
        var message: String
        var testDescription: String { name }
    }

    static func text(_ string: String) -> @Sendable (Data) -> Data { { _ in Data(string.utf8) } }
    static func edit(_ change: @escaping @Sendable (String) -> String) -> @Sendable (Data) -> Data {
        { Data(change(String(decoding: $0, as: UTF8.self)).utf8) }
    }

    static let export = "Samples/exports/esdh.xml"
    static let ldif = "Samples/directory.ldif"
    static let config = "Samples/accessreview.yaml"
    static let handbook = "Mappings/handbook.yaml"
    static let mapping = "Mappings/systems/esdh.yaml"

    /// An ESDH export with a prologue before its root element.
    static func withPrologue(_ prologue: String) -> @Sendable (Data) -> Data {
        edit { $0.replacingOccurrences(of: "<Export system", with: prologue + "\n<Export system") }
    }

    static let laughs = (1...9).map { level in
        "<!ENTITY l\(level) \"" + String(repeating: "&l\(level - 1);", count: 10) + "\">"
    }.joined(separator: "\n")

    static let xmlCases: [Case] = [
        Case(
            name: "XML: external entity (file)", file: export,
            content: withPrologue("<!DOCTYPE Export [<!ENTITY x SYSTEM \"file:///etc/passwd\">]>"),
            message: "entities"),
        Case(
            name: "XML: external entity (http)", file: export,
            content: withPrologue("<!DOCTYPE Export [<!ENTITY x SYSTEM \"http://127.0.0.1:9/x\">]>"),
            message: "entities"),
        Case(
            name: "XML: parameter entity", file: export,
            content: withPrologue("<!DOCTYPE Export [<!ENTITY % p SYSTEM \"file:///etc/passwd\"> %p;]>"),
            message: "esdh.xml"),
        Case(
            name: "XML: billion laughs", file: export,
            content: withPrologue("<!DOCTYPE Export [<!ENTITY l0 \"ha\">\n\(laughs)]>"), message: "entities"),
        Case(
            name: "XML: quadratic blow-up", file: export,
            content: withPrologue(
                "<!DOCTYPE Export [<!ENTITY a \"" + String(repeating: "x", count: 100_000) + "\">]>"),
            message: "entities"),
        Case(
            name: "XML: 100,000-deep nesting", file: export,
            content: text(
                "<?xml version=\"1.0\"?>\n<Export>" + String(repeating: "<a>", count: 100_000)
                    + String(repeating: "</a>", count: 100_000) + "</Export>"), message: "nested deeper than 100 levels"
        ),
        Case(
            name: "XML: a 50 MB attribute", file: export,
            content: edit {
                $0.replacingOccurrences(
                    of: "<User id=\"E10000\"",
                    with: "<User junk=\"" + String(repeating: "y", count: 50 << 20) + "\" id=\"E10000\"")
            }, message: "malformed XML"),
        Case(
            name: "XML: invalid UTF-8", file: export,
            content: { data in
                var bytes = [UInt8](data)
                bytes.insert(contentsOf: [0xC3, 0x28, 0xFF], at: bytes.count / 2)
                return Data(bytes)
            }, message: "malformed XML"),
        Case(
            name: "XML: an encoding that lies", file: export,
            content: edit { $0.replacingOccurrences(of: "encoding=\"UTF-8\"", with: "encoding=\"UTF-16\"") },
            message: "malformed XML"),
        Case(name: "XML: truncated", file: export, content: { $0.prefix($0.count / 2) }, message: "malformed XML"),
        Case(name: "XML: empty file", file: export, content: text(""), message: "esdh.xml"),
        Case(
            name: "XML: a NUL byte", file: export,
            content: { data in
                var bytes = [UInt8](data)
                bytes.insert(0, at: bytes.count / 3)
                return Data(bytes)
            }, message: "malformed XML"),
        Case(
            name: "XML: DOCTYPE with an external subset whose entity is used", file: export,
            content: edit {
                $0.replacingOccurrences(
                    of: "<Export system",
                    with: "<!DOCTYPE Export SYSTEM \"http://127.0.0.1:9/export.dtd\">\n<Export system"
                ).replacingOccurrences(of: "login=\"vist\"", with: "login=\"&who;\"")
            }, message: "esdh.xml"),
        Case(
            name: "XML: a record path that matches nothing", file: mapping,
            content: edit {
                $0.replacingOccurrences(of: "path: /Export/Users/User", with: "path: /Export/Users/Person")
            },
            message: "matches nothing"),
        Case(
            name: "XML: a field that is an element with children", file: mapping,
            content: edit { $0.replacingOccurrences(of: "user: \"@login\"", with: "user: \"Role/..\"") },
            message: "selects an element with child elements"),
    ]

    static let ldifCases: [Case] = [
        Case(
            name: "LDIF: bad base64", file: ldif,
            content: edit { $0.replacingOccurrences(of: "o: Eksempel Kommune", with: "o:: ***not base64***") },
            message: "directory.ldif"),
        Case(
            name: "LDIF: a broken continuation line", file: ldif,
            content: edit {
                $0.replacingOccurrences(
                    of: "ou: Medarbejdere\n", with: "ou: Medarbejdere\n\n continued after a blank line\n")
            }, message: "directory.ldif"),
        Case(
            name: "LDIF: a record without dn:", file: ldif,
            content: edit {
                $0.replacingOccurrences(of: "dn: ou=Eksterne,dc=eksempel,dc=dk\n", with: "")
            }, message: "does not start with a 'dn:' line"),
        Case(
            name: "LDIF: a duplicate DN", file: ldif,
            content: edit {
                $0
                    + "\ndn: uid=joni,ou=Medarbejdere,dc=eksempel,dc=dk\nobjectClass: inetOrgPerson\nuid: joni2\ncn: J\nsn: J\n"
            }, message: "is given twice"),
        Case(
            name: "LDIF: binary junk", file: ldif,
            content: { data in data + Data((0..<4096).map { UInt8(truncatingIfNeeded: $0 &* 151 &+ 7) }) },
            message: "directory.ldif"),
        Case(
            name: "LDIF: a changetype record", file: ldif,
            content: edit { $0 + "\ndn: uid=x,ou=Medarbejdere,dc=eksempel,dc=dk\nchangetype: delete\n" },
            message: "changetype"),
        Case(
            name: "LDIF: a :< URL value", file: ldif,
            content: edit { $0.replacingOccurrences(of: "o: Eksempel Kommune", with: "o:< file:///etc/passwd") },
            message: "URL or file"),
        Case(
            name: "LDIF: a line without an attribute name (crashed libldap; found by fuzzing)", file: ldif,
            content: edit { $0.replacingOccurrences(of: "ou: Medarbejdere\n", with: "ou: Medarbejdere\n:i\n") },
            message: "is not 'name: value'"),
        Case(
            name: "LDIF: a '-' line in an entry (crashed libldap; found by fuzzing)", file: ldif,
            content: edit { $0.replacingOccurrences(of: "ou: Medarbejdere\n", with: "ou: Medarbejdere\n-\n-\n") },
            message: "is not 'name: value'"),
        Case(
            name: "LDIF: a NUL byte", file: ldif,
            content: edit { $0.replacingOccurrences(of: "ou: Medarbejdere\n", with: "ou: Medar\u{0}bejdere\n") },
            message: "NUL byte"),
        Case(
            name: "LDIF: ten million blank lines", file: ldif,
            content: text(String(repeating: "\n", count: 10_000_000)), message: "no user"),
    ]

    static func aliasBomb(_ key: String) -> String {
        var lines = ["a0: &a0 [x, x, x, x, x, x, x, x, x]"]
        for level in 1...8 {
            lines.append(
                "a\(level): &a\(level) [" + Array(repeating: "*a\(level - 1)", count: 9).joined(separator: ", ") + "]")
        }
        return lines.joined(separator: "\n") + "\n\(key): *a8\n"
    }

    static let yamlCases: [Case] = [
        Case(
            name: "YAML: alias bomb in the config", file: config, content: edit { aliasBomb("bomb") + $0 },
            message: "anchors"),
        Case(
            name: "YAML: alias bomb in the handbook", file: handbook, content: edit { aliasBomb("bomb") + $0 },
            message: "anchors"),
        Case(
            name: "YAML: alias bomb in a mapping", file: mapping, content: edit { aliasBomb("bomb") + $0 },
            message: "anchors"),
        Case(
            name: "YAML: an anchor at all", file: config,
            content: edit { $0.replacingOccurrences(of: "language: da", with: "language: &l da") }, message: "anchors"),
        Case(
            name: "YAML: a duplicate key", file: mapping,
            content: edit { $0.replacingOccurrences(of: "system: esdh\n", with: "system: esdh\nsystem: esdh\n") },
            message: "esdh.yaml"),
        Case(
            name: "YAML: a wrong type", file: handbook,
            content: edit { $0.replacingOccurrences(of: "dormant_after_days: 90", with: "dormant_after_days: ninety") },
            message: "handbook.yaml"),
        Case(
            name: "YAML: tab indentation", file: config,
            content: edit { $0.replacingOccurrences(of: "  source: ldif", with: "\tsource: ldif") },
            message: "accessreview.yaml"),
        Case(
            name: "YAML: a 50 MB file", file: handbook,
            content: edit { $0 + "\n# " + String(repeating: "z", count: 50 << 20) + "\n" }, message: "refused"),
        Case(
            name: "YAML: a string where a list belongs", file: mapping,
            content: edit { $0.replacingOccurrences(of: "dates: [\"yyyy-MM-dd\"]", with: "dates: yyyy-MM-dd") },
            message: "esdh.yaml"),
        Case(
            name: "YAML: a date that does not exist", file: config,
            content: edit { $0.replacingOccurrences(of: "as_of: 2026-11-29", with: "as_of: 2026-02-30") },
            message: "accessreview.yaml"),
    ]

    @Test(arguments: xmlCases + ldifCases + yamlCases)
    func aRunIsRefused(_ bad: Case) throws {
        let samples = Repository.copyOfSamples()
        let target = samples.file(bad.file)
        let original = try Data(contentsOf: URL(fileURLWithPath: target))
        try bad.content(original).write(to: URL(fileURLWithPath: target))
        let outcome = try Tool.run(["run", "--config", samples.file(Self.config), "--quiet"])
        try outcome.expect(status: bad.status, naming: (bad.file as NSString).lastPathComponent, message: bad.message)
        #expect(!samples.exists("out/2026-H2"), "no output folder")
        let leftovers = (try? FileManager.default.contentsOfDirectory(atPath: samples.file("out"))) ?? []
        #expect(leftovers.allSatisfy { !$0.contains(".partial") && $0 != "state.sqlite" }, "\(leftovers)")
    }
}

/// Returned sheets: each bad file refused within 10 s with the file (and row) named, and the
/// state store as the run left it. One run of the Samples serves every case.
@Suite(.serialized, .processStarted) struct BadSheetCatalogueTests {
    static let prepared: TemporaryFolder = {
        let samples = Repository.copyOfSamples()
        let outcome = try! Tool.run(["run", "--config", samples.file("Samples/accessreview.yaml"), "--quiet"])
        precondition(outcome.status == 0, outcome.stderr)
        return samples
    }()

    static var sheets: String { prepared.file("out/2026-H2/sheets") }

    struct Case: Sendable, CustomTestStringConvertible {
        var name: String
        /// Writes the bad file into the folder and returns its path.
        var make: @Sendable (String) throws -> String
        var status: Int32 = 2
        var message: String
        var testDescription: String { name }
    }

    struct StateView: Equatable {
        var imports: Int
        var decisions: [StateStore.Decision]
        var issued: Int
    }

    static func state() throws -> StateView {
        let store = try StateStore(path: prepared.file("out/state.sqlite"))
        return StateView(
            imports: try store.importCount(campaign: "2026-H2"),
            decisions: try store.currentDecisions(campaign: "2026-H2"),
            issued: try store.issuedRows(campaign: "2026-H2").count)
    }

    /// The reviewer's workbook with each part passed through `change`, and `extra` parts added.
    static func workbook(
        _ folder: String, _ name: String, reviewer: String = "maso", extra: [String: Data] = [:],
        _ change: @escaping @Sendable (String, Data) -> Data? = { $1 }
    ) throws -> String {
        let source = (sheets as NSString).appendingPathComponent("\(reviewer).xlsx")
        let target = (folder as NSString).appendingPathComponent(name)
        let input = try Archive(url: URL(fileURLWithPath: source), accessMode: .read)
        let output = try Archive(url: URL(fileURLWithPath: target), accessMode: .create)
        var parts: [(String, Data)] = []
        for entry in input {
            var data = Data()
            _ = try input.extract(entry) { data.append($0) }
            if let changed = change(entry.path, data) { parts.append((entry.path, changed)) }
        }
        parts += extra.sorted { $0.key < $1.key }.map { ($0.key, $0.value) }
        for (part, data) in parts {
            try output.addEntry(
                with: part, type: .file, uncompressedSize: Int64(data.count), compressionMethod: .deflate
            ) {
                position, size in data.subdata(in: Int(position)..<Int(position) + size)
            }
        }
        return target
    }

    /// The attestation sheet part (sheet2.xml) edited as text.
    static func sheetXML(_ folder: String, _ name: String, _ change: @escaping @Sendable (String) -> String) throws
        -> String
    {
        try workbook(folder, name) { part, data in
            part == "xl/worksheets/sheet2.xml" ? Data(change(String(decoding: data, as: UTF8.self)).utf8) : data
        }
    }

    /// The reviewer's CSV with its text changed.
    static func csv(_ folder: String, _ name: String, _ change: @escaping @Sendable (String) -> String) throws -> String
    {
        let text = try String(contentsOfFile: (sheets as NSString).appendingPathComponent("maso.csv"), encoding: .utf8)
        let target = (folder as NSString).appendingPathComponent(name)
        try change(text).write(toFile: target, atomically: true, encoding: .utf8)
        return target
    }

    static let cases: [Case] = [
        Case(
            name: "sheet: a cell reference past XFD",
            make: { try sheetXML($0, "xfd.xlsx") { $0.replacingOccurrences(of: "r=\"B10\"", with: "r=\"ZZZZZZ10\"") } },
            message: "cell reference 'ZZZZZZ10'"),
        Case(
            name: "sheet: a negative shared-string index",
            make: { try sharedStrings($0, "negative.xlsx", index: "-1") }, message: "shared string '-1'"),
        Case(
            name: "sheet: a shared-string index past the table",
            make: { try sharedStrings($0, "past.xlsx", index: "999999") }, message: "shared string '999999'"),
        Case(
            name: "sheet: cut off mid-row",
            make: { try sheetXML($0, "cut.xlsx") { String($0.prefix($0.count * 2 / 3)) } },
            message: "not well-formed"),
        Case(
            name: "sheet: a text over libxml2's 10 MB limit",
            make: {
                try sharedStrings($0, "huge-text.xlsx", index: "0", text: String(repeating: "w", count: 11 << 20))
            },
            message: "xl/sharedStrings.xml"),
        Case(
            name: "sheet: a DTD in the sheet part",
            make: {
                try sheetXML($0, "dtd.xlsx") {
                    $0.replacingOccurrences(
                        of: "<worksheet ", with: "<!DOCTYPE worksheet [<!ENTITY e \"x\">]>\n<worksheet ")
                }
            }, message: "DTD"),
        Case(
            name: "sheet: an entity in sharedStrings.xml",
            make: {
                try sharedStrings(
                    $0, "entity.xlsx", index: "0", text: "&e;",
                    doctype: "<!DOCTYPE sst [<!ENTITY e SYSTEM \"file:///etc/passwd\">]>")
            }, message: "DTD"),
        Case(
            name: "sheet: billion laughs in the sheet part",
            make: {
                try sheetXML($0, "laughs.xlsx") {
                    $0.replacingOccurrences(
                        of: "<worksheet ",
                        with:
                            "<!DOCTYPE worksheet [<!ENTITY l0 \"ha\">\n\(BadInputCatalogueTests.laughs)]>\n<worksheet ")
                }
            }, message: "DTD"),
        Case(
            name: "sheet: 100,000-deep nesting in the sheet part",
            make: {
                try sheetXML($0, "deep.xlsx") {
                    $0.replacingOccurrences(
                        of: "</sheetData>",
                        with: "</sheetData>" + String(repeating: "<x>", count: 100_000)
                            + String(repeating: "</x>", count: 100_000))
                }
            }, message: "not well-formed"),
        Case(
            name: "sheet: invalid UTF-8 in the sheet part",
            make: {
                try workbook($0, "utf8.xlsx") { part, data in
                    guard part == "xl/worksheets/sheet2.xml" else { return data }
                    var bytes = [UInt8](data)
                    bytes.insert(contentsOf: [0xC3, 0x28, 0xFF], at: bytes.count / 2)
                    return Data(bytes)
                }
            }, message: "not well-formed"),
        Case(
            name: "sheet: a NUL byte in the sheet part",
            make: {
                try workbook($0, "nul.xlsx") { part, data in
                    guard part == "xl/worksheets/sheet2.xml" else { return data }
                    var bytes = [UInt8](data)
                    bytes.insert(0, at: bytes.count / 2)
                    return Data(bytes)
                }
            }, message: "not well-formed"),
        Case(
            name: "sheet: an empty sheet part",
            make: {
                try workbook($0, "empty-part.xlsx") { part, data in part == "xl/worksheets/sheet2.xml" ? Data() : data }
            },
            message: "xl/worksheets/sheet2.xml"),
        Case(
            name: "sheet: external links in another case of name",
            make: { try workbook($0, "links.xlsx", extra: ["xl/ExternalLinks/externalLink1.xml": Data("<x/>".utf8)]) },
            message: "links to other files"),
        Case(
            name: "sheet: macros",
            make: { try workbook($0, "macro.xlsx", extra: ["xl/VBAProject.bin": Data("not really".utf8)]) },
            message: "macros"),
        Case(
            name: "sheet: formula injection in Decision",
            make: {
                try sheetXML($0, "formula.xlsx") {
                    replaceCell(
                        $0, "N10", with: "<c r=\"N10\" t=\"str\"><f>WEBSERVICE(\"http://x\")</f><v>Behold</v></c>")
                }
            }, message: "a formula in Decision"),
        Case(
            name: "sheet: from another campaign",
            make: {
                try csv($0, "other.csv") { $0.replacingOccurrences(of: "Kampagne;2026-H2", with: "Kampagne;2025-H2") }
            },
            message: "not 2026-H2"),
        Case(
            name: "sheet: a million added rows (CSV)",
            make: { try csv($0, "million.csv") { $0 + String(repeating: "x;y;z\n", count: 1_000_000) } },
            message: "rows with text"),
        Case(
            name: "sheet: a million added rows (workbook)",
            make: {
                try sheetXML($0, "million.xlsx") {
                    $0.replacingOccurrences(
                        of: "</sheetData>",
                        with: String(repeating: "<row><c t=\"inlineStr\"><is><t>x</t></is></c></row>", count: 1_000_000)
                            + "</sheetData>")
                }
            }, message: "rows with text"),
        Case(
            name: "sheet: not a workbook at all",
            make: { folder in
                let path = (folder as NSString).appendingPathComponent("text.xlsx")
                try Data("Behold, this is no workbook".utf8).write(to: URL(fileURLWithPath: path))
                return path
            }, message: "not a readable XLSX workbook"),
        Case(
            name: "sheet: a truncated file",
            make: { folder in
                let whole = try Data(
                    contentsOf: URL(fileURLWithPath: (sheets as NSString).appendingPathComponent("maso.xlsx")))
                let path = (folder as NSString).appendingPathComponent("truncated.xlsx")
                try whole.prefix(whole.count / 2).write(to: URL(fileURLWithPath: path))
                return path
            }, message: "truncated.xlsx"),
        Case(
            name: "sheet: rows deleted",
            make: {
                try csv($0, "deleted.csv") { text in
                    let newline = text.contains("\r\n") ? "\r\n" : "\n"
                    var lines = text.components(separatedBy: newline)
                    lines.removeSubrange(20..<30)
                    return lines.joined(separator: newline)
                }
            }, message: "rows issued to maso are missing"),
        Case(
            name: "sheet: duplicate row ids",
            make: {
                try csv($0, "duplicate.csv") { text in
                    let newline = text.contains("\r\n") ? "\r\n" : "\n"
                    var lines = text.components(separatedBy: newline)
                    lines.insert(lines[12], at: 13)
                    return lines.joined(separator: newline)
                }
            }, message: "repeats the row id"),
        Case(
            name: "sheet: a CSV that is not UTF-8",
            make: { folder in
                let path = (folder as NSString).appendingPathComponent("latin1.csv")
                try Data([0x52, 0xe6, 0x6b, 0x6b, 0x65, 0x3b, 0xff, 0xfe, 0x0a]).write(to: URL(fileURLWithPath: path))
                return path
            }, message: "not UTF-8"),
        Case(
            name: "sheet: a zip bomb",
            make: { folder in
                let bomb = (folder as NSString).appendingPathComponent("bomb.xlsx")
                let archive = try Archive(url: URL(fileURLWithPath: bomb), accessMode: .create)
                let chunk = Data(repeating: 0x20, count: 1 << 20)
                try archive.addEntry(
                    with: "xl/worksheets/sheet2.xml", type: .file, uncompressedSize: Int64(300 << 20),
                    compressionMethod: .deflate
                ) { _, size in chunk.prefix(size) }
                return bomb
            }, message: "zip bomb"),
        Case(
            name: "sheet: lying zip sizes",
            make: { folder in
                let path = try workbook(folder, "lying.xlsx")
                var bytes = [UInt8](try Data(contentsOf: URL(fileURLWithPath: path)))
                // Every central-directory record's uncompressed size set to 0xFFFFFFFE.
                var index = 0
                while index + 46 <= bytes.count {
                    if bytes[index] == 0x50, bytes[index + 1] == 0x4B, bytes[index + 2] == 0x01,
                        bytes[index + 3] == 0x02
                    {
                        for k in 24..<28 { bytes[index + k] = k == 24 ? 0xFE : 0xFF }
                        index += 46
                    } else {
                        index += 1
                    }
                }
                try Data(bytes).write(to: URL(fileURLWithPath: path))
                return path
            }, message: "lying.xlsx"),
    ]

    /// A cell element of the sheet XML (`<c r="N10" …/>` or `<c r="N10" …>…</c>`) replaced whole.
    static func replaceCell(_ xml: String, _ reference: String, with cell: String) -> String {
        guard let start = xml.range(of: "<c r=\"\(reference)\"") else { return xml }
        let rest = xml[start.upperBound...]
        guard let tagEnd = rest.firstIndex(of: ">") else { return xml }
        let end: String.Index
        if rest[rest.index(before: tagEnd)] == "/" {
            end = rest.index(after: tagEnd)
        } else {
            guard let close = rest.range(of: "</c>") else { return xml }
            end = close.upperBound
        }
        return xml.replacingCharacters(in: start.lowerBound..<end, with: cell)
    }

    /// The workbook with a shared-string table (`text` its one string) and the Decision cell
    /// of the first row referring to entry `index` of it.
    static func sharedStrings(
        _ folder: String, _ name: String, index: String, text: String = "Behold", doctype: String = ""
    )
        throws -> String
    {
        let table =
            "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n\(doctype)<sst xmlns=\"http://schemas.openxmlformats.org/spreadsheetml/2006/main\" count=\"1\" uniqueCount=\"1\"><si><t>\(text)</t></si></sst>"
        return try workbook(folder, name, extra: ["xl/sharedStrings.xml": Data(table.utf8)]) { part, data in
            guard part == "xl/worksheets/sheet2.xml" else { return part == "xl/sharedStrings.xml" ? nil : data }
            return Data(
                replaceCell(
                    String(decoding: data, as: UTF8.self), "N10", with: "<c r=\"N10\" t=\"s\"><v>\(index)</v></c>"
                ).utf8)
        }
    }

    @Test(arguments: cases)
    func aReturnedSheetIsRefused(_ bad: Case) throws {
        let before = try Self.state()
        let manifest = Self.prepared.read("out/2026-H2/manifest.json")
        let revocations = Self.prepared.exists("out/2026-H2/revocations")
        let folder = TemporaryFolder()
        let path = try bad.make(folder.path)
        let outcome = try Tool.run(
            ["decisions", "import", "--config", Self.prepared.file("Samples/accessreview.yaml"), "--quiet", path])
        try outcome.expect(status: bad.status, naming: (path as NSString).lastPathComponent, message: bad.message)
        #expect(try Self.state() == before, "the state store is as the run left it")
        #expect(Self.prepared.read("out/2026-H2/manifest.json") == manifest)
        #expect(Self.prepared.exists("out/2026-H2/revocations") == revocations, "nothing was written")
        #expect(!revocations, "no case before was accepted")
    }
}
