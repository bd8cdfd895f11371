import Synchronization

/// A value shared between threads, reached only under its lock: the one lock type of the
/// tool (Swift's `Mutex` in a class, so that it can be shared by reference).
package final class LockedValue<Value>: Sendable {
    private let mutex: Mutex<Value>

    package init(_ value: sending Value) { mutex = Mutex(value) }

    /// Runs `body` with the value, no other thread touching it meanwhile.
    package func withLock<Result>(_ body: (inout sending Value) throws -> sending Result) rethrows -> sending Result {
        try mutex.withLock(body)
    }
}
