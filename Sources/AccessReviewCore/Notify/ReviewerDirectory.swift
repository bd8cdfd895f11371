import Foundation

/// Who the reviewers are, for `notify`: name, `mail` and manager of each identity, from the
/// `directory.json` the campaign's run wrote (what the sheets were made from).
public struct ReviewerDirectory: Sendable {
    public struct Person: Sendable, Decodable, Equatable {
        public var id: String
        public var name: String?
        public var email: String?
        public var manager: String?

        public init(id: String, name: String? = nil, email: String? = nil, manager: String? = nil) {
            self.id = id
            self.name = name
            self.email = email
            self.manager = manager
        }
    }

    public var people: [String: Person]

    public init(people: [Person]) {
        self.people = Dictionary(people.map { ($0.id, $0) }, uniquingKeysWith: { first, _ in first })
    }

    /// `<folder>/directory.json`.
    public static func read(folder: String) throws -> ReviewerDirectory {
        let path = (folder as NSString).appendingPathComponent("directory.json")
        struct Snapshot: Decodable { var users: [Person] }
        guard let data = FileManager.default.contents(atPath: path) else {
            throw ToolError(
                .input, "\(path): error: the campaign's directory snapshot is missing; run accessreview run first")
        }
        do {
            return ReviewerDirectory(people: try JSONDecoder().decode(Snapshot.self, from: data).users)
        } catch {
            throw ToolError(
                .tampered,
                "\(path): error: the directory snapshot cannot be read (\(error)); run accessreview run again")
        }
    }

    public func name(of id: String) -> String { people[id]?.name ?? id }

    /// The person's address when the directory has a usable one.
    public func address(of id: String) -> String? {
        guard let mail = people[id]?.email?.trimmingCharacters(in: .whitespaces), MailAddress.isPlausible(mail) else {
            return nil
        }
        return mail
    }
}
