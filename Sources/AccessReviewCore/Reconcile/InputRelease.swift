import Foundation

/// Memory mechanics, kept apart from the rules: at scale the reconciler holds the only copy of
/// its inputs (the snapshots are written already) and lets each go as soon as it is used —
/// the directory's users and the HR records once the identities are made of them, each
/// export's accounts once correlated — and asks the application to hand the freed pages back
/// to the system (the library changes no process-wide state itself).
public struct InputRelease: Sendable {
    /// Called after each large release; the application passes `ProcessSetup.releaseFreeMemory`.
    public var returnFreedMemory: @Sendable () -> Void

    public init(returnFreedMemory: @escaping @Sendable () -> Void = {}) {
        self.returnFreedMemory = returnFreedMemory
    }
}

extension ReconcileState {
    /// The users and HR records, once the identities hold what the rules need of them.
    mutating func releaseUsersAndRecords() {
        guard let release = input.release else { return }
        input.directory.users = []
        input.hr?.records = []
        release.returnFreedMemory()
    }

    /// Every export's accounts, once handed to the tasks that correlate them.
    mutating func releaseExportAccounts() {
        guard input.release != nil else { return }
        for index in input.exports.indices { input.exports[index].accounts = [] }
    }

    func returnFreedMemory() {
        input.release?.returnFreedMemory()
    }
}
