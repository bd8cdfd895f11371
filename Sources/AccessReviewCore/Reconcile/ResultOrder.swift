import Foundation

/// The result in its fixed order: lines by identity, system, role and account; findings
/// by severity and code; every line's worst severity.
extension ReconcileState {
    /// Groups the lines by identity (a counting sort of `lineOwners`).
    mutating func indexLineOwners() {
        var start = [Int32](repeating: 0, count: identities.count + 1)
        for owner in lineOwners where owner >= 0 { start[Int(owner) + 1] += 1 }
        for index in identities.indices { start[index + 1] += start[index] }
        var next = start
        var owned = [Int32](repeating: 0, count: Int(start[identities.count]))
        for (line, owner) in lineOwners.enumerated() where owner >= 0 {
            owned[Int(next[Int(owner)])] = Int32(line)
            next[Int(owner)] += 1
        }
        ownedStart = start
        ownedLines = owned
        lineOwners = []
    }

    func linesOf(_ identity: Int) -> ArraySlice<Int32> {
        ownedLines[Int(ownedStart[identity])..<Int(ownedStart[identity + 1])]
    }

    // MARK: Result

    mutating func finish() -> ReconcileResult {
        // Only lines with codes change; they are few.
        for index in lines.indices where !lines[index].codes.isEmpty {
            let sensitivity = lines[index].sensitivity
            lines[index].worstSeverity = lines[index].codes.map { $0.severity(on: sensitivity) }.max()
            if lines[index].codes.count > 1 {
                let codes = lines[index].codes.sorted { $0.rawValue < $1.rawValue }
                var unique: [FindingCode] = []
                for code in codes where unique.last != code { unique.append(code) }
                lines[index].codes = unique
            }
        }
        // The lines are put in order in place, one cycle of the permutation at a time, so
        // that a million lines never exist twice.
        var order = lineOrder()
        lines.permute(by: &order)
        findings.sort(by: Finding.ordered)
        var reviewers = Set<String>()
        var previous = ""
        for line in lines {
            // Lines of one identity share a reviewer: hash each run of them once.
            if line.reviewer != previous {
                reviewers.insert(line.reviewer)
                previous = line.reviewer
            }
            if let second = line.secondReviewer { reviewers.insert(second) }
        }
        var result = ReconcileResult(
            asOf: asOf, identities: identities, lines: lines, findings: findings, reviewers: reviewers.sorted())
        for export in input.exports {
            result.owners[export.system] = (export.owner, export.deputyOwner)
            if let day = export.exportedOn { result.exportedOn[export.system] = day }
        }
        return result
    }

    /// The lines in (identity, system, role, account) order, lines of no identity sorting as
    /// "~" among the ids. The identities are in id order already and each knows its lines, so
    /// only each identity's handful of lines is sorted, on every core.
    func lineOrder() -> [Int32] {
        @Sendable func sorted(_ indices: [Int32], lines: [AccessLine]) -> [Int32] {
            guard indices.count > 1 else { return indices }
            let keys = indices.map { (lines[Int($0)].system, lines[Int($0)].role.matchKey, lines[Int($0)].account) }
            return keys.indices.sorted { keys[$0] < keys[$1] }.map { indices[$0] }
        }
        let (lines, ownedStart, ownedLines) = (self.lines, self.ownedStart, self.ownedLines)
        let ownerless = lines.indices.filter { lines[$0].identity == nil }.map { Int32($0) }
        // Where the ownerless lines ("~") go among the identities, in id order.
        let tilde = identities.firstIndex { $0.user.id >= "~" } ?? identities.count
        let sameAsTilde = tilde < identities.count && identities[tilde].user.id == "~"
        @Sendable func linesOf(_ identity: Int) -> [Int32] {
            Array(ownedLines[Int(ownedStart[identity])..<Int(ownedStart[identity + 1])])
        }
        var order: [Int32] = []
        order.reserveCapacity(lines.count)
        order += Parallel.flatMap(tilde) { range in range.flatMap { sorted(linesOf($0), lines: lines) } }
        order += sorted(sameAsTilde ? ownerless + linesOf(tilde) : ownerless, lines: lines)
        let start = sameAsTilde ? tilde + 1 : tilde
        order += Parallel.flatMap(identities.count - start) { range in
            range.flatMap { sorted(linesOf(start + $0), lines: lines) }
        }
        return order
    }
}
