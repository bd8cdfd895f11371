import Foundation

/// The kinds of message `notify` and `delegate` send, each with a template of its own.
public enum MessageKind: String, Sendable, CaseIterable {
    /// The sheet, to its reviewer.
    case sheet
    /// Before the deadline, to a reviewer with undecided lines.
    case reminder
    /// After the deadline, to the reviewer's own manager.
    case escalation
    /// With the escalation, to the reviewer.
    case escalationNotice = "escalation-notice"
    /// Lines moved to another reviewer: to the new reviewer, and a notice to the old one.
    case delegation
    case delegationNotice = "delegation-notice"
}

/// A message template (`Mappings/mail/<language>/<kind>.txt`): a `Subject:` line, an empty
/// line, the body; `{placeholders}` filled in per message.
public struct MailTemplate: Sendable {
    public var file: String
    public var subject: String
    public var body: String

    public static let placeholders: Set<String> = [
        "name", "reviewer", "reviewer_name", "organisation", "campaign", "deadline", "lines", "undecided",
        "findings", "days_left", "days_overdue", "delegate", "delegate_name", "reason", "files", "reply_to",
    ]

    /// Every template of `language` under `folder`; every problem is named with its file and line.
    public static func load(folder: String, language: Language) throws -> [MessageKind: MailTemplate] {
        var templates: [MessageKind: MailTemplate] = [:]
        var problems: [Diagnostic] = []
        for kind in MessageKind.allCases {
            let file = ((folder as NSString).appendingPathComponent(language.rawValue) as NSString)
                .appendingPathComponent("\(kind.rawValue).txt")
            guard let data = FileManager.default.contents(atPath: file) else {
                problems.append(
                    Diagnostic(
                        file: file, "the \(kind.rawValue) message template is missing (mail.templates: \(folder))"))
                continue
            }
            guard let text = String(data: data, encoding: .utf8) else {
                problems.append(Diagnostic(file: file, line: 1, "the template is not UTF-8 text"))
                continue
            }
            do {
                templates[kind] = try parse(text, file: file)
            } catch let list as DiagnosticList {
                problems += list.diagnostics
            }
        }
        if !problems.isEmpty { throw DiagnosticList(problems) }
        return templates
    }

    static func parse(_ text: String, file: String) throws -> MailTemplate {
        let lines = text.replacingOccurrences(of: "\r\n", with: "\n").components(separatedBy: "\n")
        var problems: [Diagnostic] = []
        guard let first = lines.first, first.hasPrefix("Subject:") else {
            throw DiagnosticList([
                Diagnostic(file: file, line: 1, "the first line must be the subject: 'Subject: …'")
            ])
        }
        if lines.count < 3 || !lines[1].trimmingCharacters(in: .whitespaces).isEmpty {
            problems.append(Diagnostic(file: file, line: 2, "an empty line must follow the subject"))
        }
        for (index, line) in lines.enumerated() {
            for name in placeholderNames(in: line) where !placeholders.contains(name) {
                problems.append(
                    Diagnostic(
                        file: file, line: index + 1,
                        "unknown placeholder {\(name)}; known: \(placeholders.sorted().map { "{\($0)}" }.joined(separator: ", "))"
                    ))
            }
        }
        if !problems.isEmpty { throw DiagnosticList(problems) }
        let body = lines.dropFirst(2).joined(separator: "\n").trimmingCharacters(in: .newlines) + "\n"
        return MailTemplate(
            file: file, subject: String(first.dropFirst("Subject:".count)).trimmingCharacters(in: .whitespaces),
            body: body)
    }

    static func placeholderNames(in line: String) -> [String] {
        var names: [String] = []
        var rest = Substring(line)
        while let open = rest.firstIndex(of: "{") {
            guard let close = rest[open...].firstIndex(of: "}") else { break }
            names.append(String(rest[rest.index(after: open)..<close]))
            rest = rest[rest.index(after: close)...]
        }
        return names
    }

    /// The subject and body with every placeholder filled in. A value never adds a line to
    /// the subject: line breaks in it become spaces.
    public func fill(_ values: [String: String]) -> (subject: String, body: String) {
        func fill(_ text: String, singleLine: Bool) -> String {
            var result = text
            for (name, value) in values {
                let clean =
                    singleLine
                    ? value.components(separatedBy: .newlines).joined(separator: " ") : value
                result = result.replacingOccurrences(of: "{\(name)}", with: clean)
            }
            return result
        }
        return (fill(subject, singleLine: true), fill(body, singleLine: false))
    }
}
