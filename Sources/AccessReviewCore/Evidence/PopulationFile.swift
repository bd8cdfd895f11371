import Foundation

/// `population.csv`: the directory reconciled to HR — every person in HR with no directory
/// user (`only_in: hr`) and every directory user with no HR record (`only_in: directory`).
/// `close` reads it back for the final report.
public enum PopulationFile {
    public typealias Lists = (
        hrNotInDirectory: [(employeeId: String, name: String, endDate: Day?)],
        directoryNotInHR: [(identity: String, name: String)]
    )

    public static let name = "population.csv"

    public static func csv(_ lists: Lists) -> Data {
        var csv = CSVWriter(separator: ",", byteOrderMark: true, neutraliseFormulas: true)
        csv.row(["only_in", "id", "name", "end_date"])
        for person in lists.hrNotInDirectory {
            csv.row(["hr", person.employeeId, person.name, person.endDate?.description ?? ""])
        }
        for user in lists.directoryNotInHR { csv.row(["directory", user.identity, user.name, ""]) }
        return csv.data
    }

    /// The lists written by the run into `folder`; empty when the run wrote none.
    public static func read(folder: String) throws -> Lists {
        let path = (folder as NSString).appendingPathComponent(name)
        guard let data = FileManager.default.contents(atPath: path) else { return ([], []) }
        var lists: Lists = ([], [])
        let text = String(decoding: data, as: UTF8.self).replacingOccurrences(of: "\u{FEFF}", with: "")
        for (number, row) in ReturnedSheetReader.parseCSV(text, separator: ",").enumerated()
        where number > 0 && !row.isEmpty {
            guard row.count >= 4, ["hr", "directory"].contains(row[0]) else {
                throw ToolError(.input, "\(path):\(number + 1): error: not a row of population.csv")
            }
            // Cells that began with = + - @ were written with a leading apostrophe.
            let cells = row.map { cell in
                cell.hasPrefix("'") && CSVWriter.neutralised(String(cell.dropFirst())) == cell
                    ? String(cell.dropFirst()) : cell
            }
            if cells[0] == "hr" {
                lists.hrNotInDirectory.append((cells[1], cells[2], Day(iso: cells[3])))
            } else {
                lists.directoryNotInHR.append((cells[1], cells[2]))
            }
        }
        return lists
    }
}
