import Synchronization

#if ACCESSREVIEW_PTHREAD_LOCK
    import Glibc
#endif

/// A value shared between threads, reached only under its lock: the one lock type of the
/// tool (Swift's `Mutex` in a class, so that it can be shared by reference).
///
/// `make test-sanitize` builds with `ACCESSREVIEW_PTHREAD_LOCK`: on Linux `Mutex` hands the
/// lock over inside the kernel (priority-inheritance futexes), where ThreadSanitizer cannot
/// see it, so every value it guards would be reported as raced; a pthread mutex, which
/// ThreadSanitizer intercepts, stands in for it there, with the same semantics.
package final class LockedValue<Value>: @unchecked Sendable {
    #if ACCESSREVIEW_PTHREAD_LOCK
        private let lock = UnsafeMutablePointer<pthread_mutex_t>.allocate(capacity: 1)
        private var value: Value

        package init(_ value: sending Value) {
            self.value = value
            pthread_mutex_init(lock, nil)
        }

        deinit {
            pthread_mutex_destroy(lock)
            lock.deallocate()
        }

        package func withLock<Result>(_ body: (inout sending Value) throws -> sending Result) rethrows -> sending Result
        {
            pthread_mutex_lock(lock)
            defer { pthread_mutex_unlock(lock) }
            return try body(&value)
        }
    #else
        private let mutex: Mutex<Value>

        package init(_ value: sending Value) { mutex = Mutex(value) }

        /// Runs `body` with the value, no other thread touching it meanwhile.
        package func withLock<Result>(_ body: (inout sending Value) throws -> sending Result) rethrows -> sending Result
        {
            try mutex.withLock(body)
        }
    #endif
}
