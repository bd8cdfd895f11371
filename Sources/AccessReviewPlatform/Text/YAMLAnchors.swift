import CYaml

/// Finds YAML anchors (`&name`) and aliases (`*name`) with libyaml's scanner, which reads
/// tokens only: linear in the text, whatever the aliases would expand to. None of
/// accessreview's files needs them, and an alias bomb (nine levels of nine aliases) costs
/// gigabytes and minutes to compose — so they are refused before composing.
package enum YAMLAnchors {
    /// The first anchor or alias: its line (1-based) and name; nil when there is none, or when
    /// the scanner stops on a syntax error (which the parser then reports with its line).
    package static func first(in text: String) -> (line: Int, name: String)? {
        var parser = yaml_parser_t()
        guard yaml_parser_initialize(&parser) == 1 else { return nil }
        defer { yaml_parser_delete(&parser) }
        let bytes = Array(text.utf8)
        return bytes.withUnsafeBufferPointer { buffer -> (line: Int, name: String)? in
            guard let base = buffer.baseAddress else { return nil }
            yaml_parser_set_input_string(&parser, base, buffer.count)
            var token = yaml_token_t()
            while yaml_parser_scan(&parser, &token) == 1 {
                defer { yaml_token_delete(&token) }
                let line = Int(token.start_mark.line) + 1
                switch token.type {
                case YAML_ANCHOR_TOKEN:
                    return (line, token.data.anchor.value.map { String(cString: $0) } ?? "")
                case YAML_ALIAS_TOKEN:
                    return (line, token.data.alias.value.map { String(cString: $0) } ?? "")
                case YAML_STREAM_END_TOKEN:
                    return nil
                default:
                    continue
                }
            }
            return nil
        }
    }
}
