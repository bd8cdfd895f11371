import Foundation

/// Hands elements from the calling thread to one consumer thread in batches, so that
/// producing them (parsing XML, decoding LDAP) and consuming them (building accounts,
/// users) run on two cores. At most `depth` batches wait; beyond that the producer waits,
/// so memory stays bounded whatever the input's size.
package final class BatchPipe<Element>: @unchecked Sendable {
    private struct Batch: @unchecked Sendable { var elements: [Element] }

    private let queue = DispatchQueue(label: "accessreview.batch-pipe")
    private let slots: DispatchSemaphore
    private let batchSize: Int
    private let consume: ([Element]) -> Void
    private var pending: [Element] = []

    /// `consume` runs on the consumer thread, one batch at a time, in the order sent.
    package init(batchSize: Int = 512, depth: Int = 8, consume: @escaping ([Element]) -> Void) {
        self.batchSize = batchSize
        self.slots = DispatchSemaphore(value: depth)
        self.consume = consume
        pending.reserveCapacity(batchSize)
    }

    /// Called by the producer only.
    package func send(_ element: Element) {
        pending.append(element)
        if pending.count >= batchSize { flush() }
    }

    /// Sends what is left and returns when the consumer has handled everything sent;
    /// what the consumer wrote is visible to the caller afterwards.
    package func finish() {
        flush()
        queue.sync {}
    }

    /// Runs `produce` on the calling thread while another thread folds what it sends into
    /// `state`, one element at a time; what `produce` returned and the state at the end.
    package static func overlap<State, Produced>(
        _ state: State, batchSize: Int = 512, depth: Int = 8,
        consume: @escaping (inout State, Element) -> Void,
        produce: ((Element) -> Void) throws -> Produced
    ) throws -> (Produced, State) {
        let box = Box(state)
        let pipe = BatchPipe(batchSize: batchSize, depth: depth) { batch in
            for element in batch { consume(&box.value, element) }
        }
        let produced: Produced
        do {
            defer { pipe.finish() }
            produced = try produce { pipe.send($0) }
        }
        return (produced, box.value)
    }

    private func flush() {
        guard !pending.isEmpty else { return }
        let batch = Batch(elements: pending)
        pending = []
        pending.reserveCapacity(batchSize)
        slots.wait()
        queue.async {
            self.consume(batch.elements)
            self.slots.signal()
        }
    }
}

/// State that a `BatchPipe`'s consumer changes and its producer reads after `finish()`.
package final class Box<Value>: @unchecked Sendable {
    package var value: Value
    package init(_ value: Value) { self.value = value }
}

/// A value handed to other threads that only read it while the sender waits for them.
package struct UncheckedSendable<Value>: @unchecked Sendable {
    package let value: Value
    package init(_ value: Value) { self.value = value }
}

/// Work over `0..<count` cut into chunks that run on every core, results in index order.
package enum Parallel {
    /// One element per index, each chunk initialising its own part of the result in place:
    /// no element is ever copied, so a million large elements never exist twice.
    package static func map<T>(_ count: Int, chunks: Int = 16, _ element: @Sendable (Int) -> T) -> [T] {
        guard count > 0 else { return [] }
        let parts = min(chunks, count)
        return Array(unsafeUninitializedCapacity: count) { buffer, initialized in
            let base = UncheckedSendable(buffer.baseAddress!)
            DispatchQueue.concurrentPerform(iterations: parts) { part in
                for index in (count * part / parts)..<(count * (part + 1) / parts) {
                    (base.value + index).initialize(to: element(index))
                }
            }
            initialized = count
        }
    }

    /// Any number of elements per chunk of indices, concatenated in index order.
    package static func flatMap<T>(_ count: Int, chunks: Int = 16, _ body: @Sendable (Range<Int>) -> [T]) -> [T] {
        guard count > 0 else { return [] }
        let parts = min(chunks, count)
        let slots = ResultSlots<[T]>(count: parts)
        DispatchQueue.concurrentPerform(iterations: parts) { part in
            slots.set(part, .success(body((count * part / parts)..<(count * (part + 1) / parts))))
        }
        var all: [T] = []
        for part in 0..<parts {
            if case .success(let elements)? = slots.take(part) { all.append(contentsOf: elements) }
        }
        return all
    }
}

/// Results written by concurrent workers, one slot each.
package final class ResultSlots<T>: Sendable {
    package enum Slot {
        case success(T)
        case failure([Diagnostic])
    }

    private let slots: LockedValue<[UncheckedSendable<Slot>?]>

    package init(count: Int) { slots = LockedValue(Array(repeating: nil, count: count)) }

    package func set(_ index: Int, _ slot: Slot) {
        let slot = UncheckedSendable(slot)
        slots.withLock { $0[index] = slot }
    }

    /// The slot's value, leaving the slot empty (so that it is freed once used).
    package func take(_ index: Int) -> Slot? {
        let taken: UncheckedSendable<Slot>? = slots.withLock { slots in
            defer { slots[index] = nil }
            return slots[index]
        }
        return taken?.value
    }

    package var values: [Slot?] { slots.withLock { $0 }.map { $0?.value } }
}

/// A count shared by threads.
package final class Counter: Sendable {
    private let value = LockedValue(0)

    package init() {}

    package func increment() -> Int {
        value.withLock { value in
            value += 1
            return value
        }
    }

    package var count: Int { value.withLock { $0 } }
}

/// glibc's `malloc_trim`, looked up at run time (it is in no module Swift imports): hands
/// the free pages of every malloc arena back to the system.
package enum MemoryRelease {
    private typealias Trim = @convention(c) (Int) -> Int32
    private static let function: Trim? = dlsym(UnsafeMutableRawPointer(bitPattern: 0), "malloc_trim")
        .map { unsafeBitCast($0, to: Trim.self) }

    package static func trim() { _ = function?(0) }
}

/// SHA-256 of a file computed on a background thread.
package final class BackgroundHash: @unchecked Sendable {
    private let group = DispatchGroup()
    private var value: Result<(hex: String, bytes: Int), Error> = .failure(CancellationError())

    package init(path: String) {
        group.enter()
        DispatchQueue.global().async {
            self.value = Result { try Hashing.sha256Hex(fileAt: path) }
            self.group.leave()
        }
    }

    package func result() throws -> (hex: String, bytes: Int) {
        group.wait()
        return try value.get()
    }
}
