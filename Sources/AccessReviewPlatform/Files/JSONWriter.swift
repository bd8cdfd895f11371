import Foundation

/// A byte-level JSON writer for the large snapshots (`accounts.json`): one record a line,
/// keys in sorted order, no intermediate object tree. `JSONEncoder` builds the whole tree
/// first, which costs seconds and gigabytes on a 2.5-million-account export.
package struct JSONWriter {
    package private(set) var bytes: [UInt8] = []
    /// Where full buffers go; nil keeps everything in memory.
    private let sink: BackgroundWriter?
    private let flushAt: Int

    package init(capacity: Int = 1 << 16) {
        bytes.reserveCapacity(capacity)
        sink = nil
        flushAt = .max
    }

    /// Writes through to a file in blocks of about a megabyte.
    package init(sink: BackgroundWriter) {
        self.sink = sink
        flushAt = 1 << 20
        bytes.reserveCapacity(flushAt + 4096)
    }

    package mutating func flushIfFull() throws {
        if bytes.count >= flushAt { try flush() }
    }

    package mutating func flush() throws {
        guard let sink, !bytes.isEmpty else { return }
        try sink.write(bytes)
        bytes = []
        bytes.reserveCapacity(flushAt + 4096)
    }

    package mutating func raw(_ text: StaticString) {
        text.withUTF8Buffer { bytes.append(contentsOf: $0) }
    }

    package mutating func string(_ value: String) {
        var value = value
        value.withUTF8 { utf8 in
            bytes.append(0x22)
            if !utf8.contains(where: { $0 < 0x20 || $0 == 0x22 || $0 == 0x5C }) {
                bytes.append(contentsOf: utf8)
            } else {
                escape(utf8)
            }
            bytes.append(0x22)
        }
    }

    private mutating func escape(_ utf8: UnsafeBufferPointer<UInt8>) {
        for byte in utf8 {
            switch byte {
            case 0x22: bytes.append(0x5C); bytes.append(0x22)
            case 0x5C: bytes.append(0x5C); bytes.append(0x5C)
            case 0x0A: bytes.append(0x5C); bytes.append(0x6E)
            case 0x0D: bytes.append(0x5C); bytes.append(0x72)
            case 0x09: bytes.append(0x5C); bytes.append(0x74)
            case 0..<0x20:
                let hex: [UInt8] = Array("0123456789abcdef".utf8)
                bytes.append(contentsOf: [0x5C, 0x75, 0x30, 0x30, hex[Int(byte >> 4)], hex[Int(byte & 0xF)]])
            default: bytes.append(byte)
            }
        }
    }

    package mutating func optional(_ value: String?) {
        if let value { string(value) } else { raw("null") }
    }

    package mutating func strings(_ list: [String]) {
        raw("[")
        for (i, value) in list.enumerated() {
            if i > 0 { raw(",") }
            string(value)
        }
        raw("]")
    }

    /// Writes `items` one a line ("\n" before the first, ",\n" before the others), rendered
    /// on every core: pairs of chunks are rendered side by side, then written in order (to the
    /// sink as they are, without a copy), so memory holds two chunks whatever the number of items.
    package mutating func lines<T>(_ items: [T], chunk: Int = 8192, _ render: @escaping (T, inout JSONWriter) -> Void)
        throws
    {
        let parts = ResultSlots<[UInt8]>(count: 2)
        // Only read while the chunks are rendered.
        let items = UncheckedSendable(items), render = UncheckedSendable(render)
        var start = 0
        let count = items.value.count
        // Bytes an item took so far, so that a chunk's buffer is allocated once at its size.
        var bytesPerItem = 256
        while start < count {
            let ranges = (0..<2).map { k in min(count, start + k * chunk)..<min(count, start + (k + 1) * chunk) }
            let capacity = bytesPerItem + bytesPerItem / 8
            let work = { @Sendable (k: Int) in
                var part = JSONWriter(capacity: ranges[k].count * capacity)
                for index in ranges[k] {
                    part.raw(index == 0 ? "\n" : ",\n")
                    render.value(items.value[index], &part)
                }
                parts.set(k, .success(part.bytes))
            }
            if ranges[1].isEmpty { work(0) } else { DispatchQueue.concurrentPerform(iterations: 2, execute: work) }
            for k in 0..<2 {
                guard case .success(let rendered)? = parts.take(k) else { continue }
                bytesPerItem = max(bytesPerItem, rendered.count / max(1, ranges[k].count))
                try append(block: rendered)
            }
            start += 2 * chunk
        }
    }

    /// Adds a rendered block: a large one goes to the sink as it is.
    private mutating func append(block: [UInt8]) throws {
        if let sink, block.count >= flushAt / 4 {
            try flush()
            try sink.write(block)
        } else {
            bytes.append(contentsOf: block)
            try flushIfFull()
        }
    }

    package var data: Data { Data(bytes) }
}

/// Writes blocks to a file on another thread, so that the caller renders the next block
/// while the kernel copies this one. A write error is thrown by the next call.
package final class BackgroundWriter: @unchecked Sendable {
    private let handle: FileHandle
    private let queue = DispatchQueue(label: "accessreview.background-writer")
    private let slots = DispatchSemaphore(value: 4)
    private let failure = LockedValue<(any Error)?>(nil)
    /// SHA-256 of what was written, when asked for; touched by the writer thread only.
    private var hasher: Hashing.SHA256Stream?
    private var written = 0

    package init(_ handle: FileHandle, hashing: Bool = false) {
        self.handle = handle
        hasher = hashing ? Hashing.SHA256Stream() : nil
    }

    package func write(_ bytes: [UInt8]) throws {
        try check()
        slots.wait()
        let block = UncheckedSendable(bytes)
        queue.async {
            do {
                try self.handle.write(contentsOf: block.value)
                // Start writing the block out now, and keep it out of the page cache once it
                // is on disk: a file renamed over another on ext4 is otherwise written out
                // inside rename(2), 0.2 s for a 500 MB accounts.json.
                _ = posix_fadvise(
                    self.handle.fileDescriptor, off_t(self.written), off_t(block.value.count), POSIX_FADV_DONTNEED)
                self.hasher?.update(block.value)
                self.written += block.value.count
            } catch {
                self.failure.withLock { if $0 == nil { $0 = error } }
            }
            self.slots.signal()
        }
    }

    /// Waits for every block and throws the first write error; the SHA-256 (empty unless
    /// hashing) and size of what was written.
    package func finish() throws -> (sha256: String, bytes: Int) {
        drain()
        try check()
        return queue.sync { (hasher?.hex ?? "", written) }
    }

    /// Waits for every block.
    package func drain() { queue.sync {} }

    private func check() throws {
        if let failure = failure.withLock({ $0 }) { throw failure }
    }
}

extension JSONWriter {
    /// Renders into `handle` through a background writer; the SHA-256 and size when `hashing`.
    package static func stream(to handle: FileHandle, hashing: Bool, _ render: (inout JSONWriter) throws -> Void) throws
        -> (sha256: String, bytes: Int)
    {
        let sink = BackgroundWriter(handle, hashing: hashing)
        defer { sink.drain() }
        var w = JSONWriter(sink: sink)
        try render(&w)
        try w.flush()
        return try sink.finish()
    }
}
