import Foundation

/// `findings.csv` and `findings.json`.
public enum FindingsRenderer {
    public static let header = [
        "code", "severity", "identity", "system", "account", "role", "rule", "reviewer", "detail",
    ]

    public static func csv(_ findings: [Finding]) -> Data {
        var csv = CSVWriter(separator: ",", neutraliseFormulas: true)
        csv.row(header)
        for f in findings {
            csv.row([
                f.code.rawValue, f.severity.rawValue, f.identity ?? "", f.system ?? "", f.account ?? "", f.role ?? "",
                f.rule,
                f.reviewer ?? "", f.detail,
            ])
        }
        return csv.data
    }

    public static func json(_ findings: [Finding]) throws -> Data {
        try JSONOutput.encode(["findings": findings])
    }
}

/// Deterministic JSON: sorted keys, two-space indentation, a final newline.
public enum JSONOutput {
    public static func encode<T: Encodable>(_ value: T) throws -> Data {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .prettyPrinted, .withoutEscapingSlashes]
        var data = try encoder.encode(value)
        data.append(0x0A)
        return data
    }
}
