import Foundation

/// Where a password comes from: an environment variable or a file only the tool's user can
/// read. Never the config itself, never argv; the value goes to the library that needs it
/// and into no message.
enum PasswordSource {
    /// Reads `<section>.password_env` or `<section>.password_file` (each given with the place
    /// of its key in the config); nil when neither is set.
    static func read(
        env: (name: String, place: String)?, file: (path: String, place: String)?, section: String,
        environment: [String: String] = ProcessInfo.processInfo.environment
    ) throws -> String? {
        if let env {
            guard let value = environment[env.name], !value.isEmpty else {
                throw ToolError(
                    .configuration,
                    "\(env.place): error: \(section).password_env names \(env.name), but that environment variable is not set"
                )
            }
            return value
        }
        guard let file else { return nil }
        let path = file.path
        var info = stat()
        guard stat(path, &info) == 0 else {
            throw ToolError(
                .configuration,
                "\(file.place): error: the password file \(path) (\(section).password_file) cannot be read")
        }
        if info.st_mode & 0o077 != 0 {
            throw ToolError(
                .configuration,
                "\(path): error: the password file is readable by group or others (mode \(String(info.st_mode & 0o777, radix: 8))); run chmod 600 \(path)"
            )
        }
        guard let data = FileManager.default.contents(atPath: path), let text = String(data: data, encoding: .utf8)
        else {
            throw ToolError(.configuration, "\(path): error: the password file cannot be read as UTF-8 text")
        }
        let password =
            text.hasSuffix("\r\n") ? String(text.dropLast(2)) : text.hasSuffix("\n") ? String(text.dropLast()) : text
        guard !password.isEmpty else {
            throw ToolError(.configuration, "\(path): error: the password file is empty")
        }
        return password
    }
}
