import Foundation
import Yams

/// A YAML document as a tree of values that remember their line and column, so that every
/// configuration error can name the place it comes from.
public struct YAMLNode: Sendable {
    public enum Value: Sendable {
        case scalar(String, plain: Bool)
        case list([YAMLNode])
        case map([(key: YAMLNode, value: YAMLNode)])
    }

    public var value: Value
    public var line: Int
    public var column: Int

    /// A plain `null`, `~` or empty scalar.
    public var isNull: Bool {
        if case .scalar(let text, let plain) = value, plain, ["", "~", "null", "Null", "NULL"].contains(text) {
            return true
        }
        return false
    }

    var kindName: String {
        switch value {
        case .scalar: return "a scalar"
        case .list: return "a list"
        case .map: return "a mapping"
        }
    }

    /// The most a configuration, mapping or handbook file may hold: the largest real one is a
    /// few hundred kilobytes.
    public static let maximumFileBytes = 8 << 20

    /// A YAML file's text: readable, at most `maximumFileBytes`, UTF-8; else a diagnostic
    /// naming the file and what it is (`what`: "configuration file", "mapping file", …).
    public static func text(ofFile path: String, what: String) throws -> String {
        let size = (try? FileManager.default.attributesOfItem(atPath: path)[.size] as? Int) ?? 0
        guard size <= maximumFileBytes else {
            throw DiagnosticList([
                Diagnostic(
                    file: path, "the \(what) has \(size >> 20) MB; refused (more than \(maximumFileBytes >> 20) MB)")
            ])
        }
        guard let data = FileManager.default.contents(atPath: path) else {
            throw DiagnosticList([Diagnostic(file: path, "cannot read the \(what) (does it exist?)")])
        }
        guard let text = String(data: data, encoding: .utf8) else {
            throw DiagnosticList([Diagnostic(file: path, "the \(what) is not UTF-8")])
        }
        return text
    }

    /// Parses YAML text. Syntax errors come back as a diagnostic naming file and line.
    public static func parse(_ text: String, file: String) throws -> YAMLNode {
        if let anchor = YAMLAnchors.first(in: text) {
            throw Diagnostic(
                file: file, line: anchor.line,
                "YAML anchors (&\(anchor.name)) and aliases (*\(anchor.name)) are not allowed in accessreview's files; write the value out"
            )
        }
        let node: Node?
        do {
            node = try Yams.compose(yaml: text)
        } catch let error as YamlError {
            throw YAMLNode.diagnostic(for: error, file: file)
        }
        guard let node else { return YAMLNode(value: .map([]), line: 1, column: 1) }
        return try convert(node, file: file, depth: 0)
    }

    private static func convert(_ node: Node, file: String, depth: Int) throws -> YAMLNode {
        guard depth < 64 else { throw Diagnostic(file: file, line: node.mark?.line, "nesting deeper than 64 levels") }
        let line = node.mark?.line ?? 0
        let column = node.mark?.column ?? 0
        // No file of accessreview needs anchors; refusing the first one refuses every alias
        // bomb before its aliases are walked.
        if let anchor = node.anchor {
            throw Diagnostic(
                file: file, line: line, column: column,
                "YAML anchors (&\(anchor.rawValue)) and aliases are not allowed in accessreview's files; write the value out"
            )
        }
        switch node {
        case .scalar(let scalar):
            return YAMLNode(value: .scalar(scalar.string, plain: scalar.style == .plain), line: line, column: column)
        case .sequence(let sequence):
            return YAMLNode(
                value: .list(try sequence.map { try convert($0, file: file, depth: depth + 1) }), line: line,
                column: column)
        case .mapping(let mapping):
            var pairs: [(key: YAMLNode, value: YAMLNode)] = []
            for (key, value) in mapping {
                pairs.append(
                    (try convert(key, file: file, depth: depth + 1), try convert(value, file: file, depth: depth + 1)))
            }
            return YAMLNode(value: .map(pairs), line: line, column: column)
        case .alias:
            throw Diagnostic(
                file: file, line: line, column: column, "YAML aliases are not supported in configuration files")
        }
    }

    private static func diagnostic(for error: YamlError, file: String) -> Diagnostic {
        switch error {
        case .scanner(let context, let problem, let mark, _), .parser(let context, let problem, let mark, _):
            let prefix = context.map { "\($0.text) " } ?? ""
            return Diagnostic(file: file, line: mark.line, column: mark.column, "YAML syntax: \(prefix)\(problem)")
        case .composer(let context, let problem, let mark, _):
            let prefix = context.map { "\($0.text) " } ?? ""
            return Diagnostic(file: file, line: mark.line, column: mark.column, "YAML: \(prefix)\(problem)")
        default:
            return Diagnostic(file: file, "YAML: \(error)")
        }
    }
}

/// Reads one YAML mapping into typed values. Each accessor records a diagnostic (file, line)
/// for a wrong type or a missing required key and returns nil; `close()` reports every key
/// that no accessor asked for as unknown. Nothing stops at the first error.
public final class YAMLMap {
    public let node: YAMLNode
    public let file: String
    public let path: String
    let diagnostics: DiagnosticCollector
    private var pairs: [(key: YAMLNode, value: YAMLNode)] = []
    private var used: Set<String> = []
    /// The line of the key this mapping is the value of: where a missing key is reported.
    var keyLine: Int?

    init?(_ node: YAMLNode, file: String, path: String, diagnostics: DiagnosticCollector) {
        self.node = node
        self.file = file
        self.path = path
        self.diagnostics = diagnostics
        guard case .map(let pairs) = node.value else {
            if !node.isNull {
                diagnostics.add(
                    Diagnostic(
                        file: file, line: node.line, column: node.column,
                        "\(path.isEmpty ? "the document" : "'\(path)'") must be a mapping, not \(node.kindName)"))
            }
            return nil
        }
        var seen: Set<String> = []
        for pair in pairs {
            guard case .scalar(let key, _) = pair.key.value else {
                diagnostics.add(Diagnostic(file: file, line: pair.key.line, "keys must be plain names"))
                continue
            }
            if !seen.insert(key).inserted {
                diagnostics.add(
                    Diagnostic(
                        file: file, line: pair.key.line, column: pair.key.column,
                        "key '\(qualified(key))' appears twice"))
            }
            self.pairs.append(pair)
        }
    }

    /// Reads the top-level mapping of a document.
    public convenience init?(document: YAMLNode, file: String, diagnostics: DiagnosticCollector) {
        self.init(document, file: file, path: "", diagnostics: diagnostics)
    }

    func qualified(_ key: String) -> String { path.isEmpty ? key : "\(path).\(key)" }

    public var keys: [String] {
        pairs.compactMap { if case .scalar(let key, _) = $0.key.value { return key } else { return nil } }
    }

    /// Whether `key` is present, even with a null value.
    public func has(_ key: String) -> Bool {
        pairs.contains { pair in
            if case .scalar(let k, _) = pair.key.value { return k == key }
            return false
        }
    }

    /// The node under `key`, nil when absent or null.
    public func raw(_ key: String, markUsed: Bool = true) -> YAMLNode? {
        for pair in pairs {
            if case .scalar(let k, _) = pair.key.value, k == key {
                if markUsed { used.insert(key) }
                return pair.value.isNull ? nil : pair.value
            }
        }
        return nil
    }

    public func error(_ node: YAMLNode?, _ message: String) {
        diagnostics.add(Diagnostic(file: file, line: node?.line ?? self.node.line, column: node?.column, message))
    }

    public func warning(_ node: YAMLNode?, _ message: String) {
        diagnostics.add(
            Diagnostic(.warning, file: file, line: node?.line ?? self.node.line, column: node?.column, message))
    }

    private func missing(_ key: String) {
        diagnostics.add(
            Diagnostic(
                file: file, line: keyLine ?? node.line, column: keyLine == nil ? node.column : nil,
                "missing required key '\(qualified(key))'"))
    }

    public func string(_ key: String, required: Bool = false) -> String? {
        guard let value = raw(key) else {
            if required { missing(key) }
            return nil
        }
        return YAMLMap.scalarString(value, name: qualified(key), file: file, diagnostics: diagnostics)
    }

    static func scalarString(_ node: YAMLNode, name: String, file: String, diagnostics: DiagnosticCollector) -> String?
    {
        guard case .scalar(let text, _) = node.value else {
            diagnostics.add(
                Diagnostic(
                    file: file, line: node.line, column: node.column,
                    "'\(name)' must be a text value, not \(node.kindName)"))
            return nil
        }
        return text
    }

    public func int(_ key: String, required: Bool = false, range: ClosedRange<Int>? = nil) -> Int? {
        guard let value = raw(key) else {
            if required { missing(key) }
            return nil
        }
        guard case .scalar(let text, let plain) = value.value, plain, let number = Int(text) else {
            error(value, "'\(qualified(key))' must be a whole number")
            return nil
        }
        if let range, !range.contains(number) {
            error(
                value, "'\(qualified(key))' must be between \(range.lowerBound) and \(range.upperBound), not \(number)")
            return nil
        }
        return number
    }

    public func double(_ key: String, required: Bool = false, range: ClosedRange<Double>? = nil) -> Double? {
        guard let value = raw(key) else {
            if required { missing(key) }
            return nil
        }
        guard case .scalar(let text, let plain) = value.value, plain, let number = Double(text) else {
            error(value, "'\(qualified(key))' must be a number")
            return nil
        }
        if let range, !range.contains(number) {
            error(value, "'\(qualified(key))' must be between \(range.lowerBound) and \(range.upperBound)")
            return nil
        }
        return number
    }

    public func bool(_ key: String) -> Bool? {
        guard let value = raw(key) else { return nil }
        guard case .scalar(let text, let plain) = value.value, plain else {
            error(value, "'\(qualified(key))' must be true or false")
            return nil
        }
        switch text.lowercased() {
        case "true", "yes": return true
        case "false", "no": return false
        default:
            error(value, "'\(qualified(key))' must be true or false, not '\(text)'")
            return nil
        }
    }

    public func day(_ key: String, required: Bool = false) -> Day? {
        guard let text = string(key, required: required) else { return nil }
        guard let day = Day(iso: text) else {
            error(raw(key), "'\(qualified(key))' must be a date YYYY-MM-DD, not '\(text)'")
            return nil
        }
        return day
    }

    public func oneOf(_ key: String, _ allowed: [String], required: Bool = false) -> String? {
        guard let text = string(key, required: required) else { return nil }
        guard allowed.contains(text) else {
            error(raw(key), "'\(qualified(key))' must be one of \(allowed.joined(separator: ", ")), not '\(text)'")
            return nil
        }
        return text
    }

    /// A list of text values; a single text value is taken as a list of one.
    public func strings(_ key: String, required: Bool = false) -> [String]? {
        guard let value = raw(key) else {
            if required { missing(key) }
            return nil
        }
        switch value.value {
        case .scalar(let text, _): return [text]
        case .list(let items):
            return items.compactMap {
                YAMLMap.scalarString($0, name: qualified(key), file: file, diagnostics: diagnostics)
            }
        case .map:
            error(value, "'\(qualified(key))' must be a list of text values")
            return nil
        }
    }

    public func map(_ key: String, required: Bool = false) -> YAMLMap? {
        guard let value = raw(key) else {
            if required { missing(key) }
            return nil
        }
        let map = YAMLMap(value, file: file, path: qualified(key), diagnostics: diagnostics)
        map?.keyLine = keyNode(key)?.line
        return map
    }

    private func keyNode(_ key: String) -> YAMLNode? {
        pairs.first { pair in
            if case .scalar(let k, _) = pair.key.value { return k == key }
            return false
        }?.key
    }

    /// A list whose items are mappings.
    public func maps(_ key: String, required: Bool = false) -> [YAMLMap] {
        guard let value = raw(key) else {
            if required { missing(key) }
            return []
        }
        guard case .list(let items) = value.value else {
            error(value, "'\(qualified(key))' must be a list")
            return []
        }
        return items.enumerated().compactMap { index, item in
            YAMLMap(item, file: file, path: "\(qualified(key))[\(index)]", diagnostics: diagnostics)
        }
    }

    /// A list whose items are nodes of any kind.
    public func list(_ key: String, required: Bool = false) -> [YAMLNode] {
        guard let value = raw(key) else {
            if required { missing(key) }
            return []
        }
        guard case .list(let items) = value.value else {
            error(value, "'\(qualified(key))' must be a list")
            return []
        }
        return items
    }

    /// Every key of this mapping with its node, for mappings keyed by user data.
    public func entries() -> [(key: String, node: YAMLNode, keyNode: YAMLNode)] {
        pairs.compactMap { pair in
            guard case .scalar(let key, _) = pair.key.value else { return nil }
            used.insert(key)
            return (key, pair.value, pair.key)
        }
    }

    /// Reports every key that no accessor read: a typo must not be silently ignored.
    public func close() {
        for pair in pairs {
            guard case .scalar(let key, _) = pair.key.value, !used.contains(key) else { continue }
            diagnostics.add(
                Diagnostic(file: file, line: pair.key.line, column: pair.key.column, "unknown key '\(qualified(key))'"))
        }
    }
}

/// Where each key of a YAML file was written (`directory.url` → line 12), so that a problem
/// found after loading — an unset password variable, an unencrypted server — still names
/// the line to change.
public struct ConfigPlaces: Sendable {
    public var file: String
    private var lines: [String: Int] = [:]

    public init(file: String) { self.file = file }

    init(file: String, document: YAMLNode) {
        self.file = file
        func walk(_ node: YAMLNode, _ prefix: String) {
            guard case .map(let entries) = node.value else { return }
            for entry in entries {
                guard case .scalar(let key, _) = entry.key.value else { continue }
                let path = prefix.isEmpty ? key : "\(prefix).\(key)"
                lines[path] = entry.key.line
                walk(entry.value, path)
            }
        }
        walk(document, "")
    }

    /// "file:line" of the key, else of its nearest enclosing key that is written, else the file.
    public func at(_ key: String) -> String {
        var path = Substring(key)
        while !path.isEmpty {
            if let line = lines[String(path)] { return "\(file):\(line)" }
            path = path.lastIndex(of: ".").map { path[..<$0] } ?? ""
        }
        return file
    }
}
