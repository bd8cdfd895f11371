import Foundation

/// Account id → its position among the accounts read so far, for joining an account's
/// records (a relational export's grants to their principal). An open-addressing table of
/// 8-byte slots, each 32 bits of the id's hash and the position + 1, kept at most three
/// quarters full: 11–21 bytes an account, where a `[String: Int]` took about 95 at 2.5 M
/// accounts. A slot whose hash bits match is confirmed against the account's own id, so ids
/// are never stored twice.
struct AccountIndex {
    private var slots = [UInt64](repeating: 0, count: 1024)
    private var count = 0

    private var mask: Int { slots.count - 1 }

    private static func hash(_ id: String) -> (start: Int, tag: UInt64) {
        var hasher = Hasher()
        hasher.combine(id)
        let value = UInt64(bitPattern: Int64(hasher.finalize()))
        return (Int(truncatingIfNeeded: value & 0xFFFF_FFFF), value >> 32)
    }

    /// The position of the account with this id; when there is none yet, `next` is recorded
    /// as its position (the caller appends the account there) and `added` is true. One hash
    /// and one probe sequence either way.
    mutating func position(of id: String, in accounts: [Account], addingAt next: Int) -> (position: Int, added: Bool) {
        precondition(next < Int(UInt32.max), "more than 4 billion accounts in one export")
        if (count + 1) * 4 > slots.count * 3 {
            // Twice the size: every id placed again, its hash taken from the account itself.
            let old = slots
            slots = [UInt64](repeating: 0, count: old.count * 2)
            for slot in old where slot != 0 {
                place(slot, start: Self.hash(accounts[Int(slot & 0xFFFF_FFFF) - 1].account).start)
            }
        }
        let (start, tag) = Self.hash(id)
        var index = start & mask
        while slots[index] != 0 {
            let slot = slots[index]
            if slot >> 32 == tag {
                let position = Int(slot & 0xFFFF_FFFF) - 1
                if accounts[position].account == id { return (position, false) }
            }
            index = (index + 1) & mask
        }
        slots[index] = tag << 32 | UInt64(next + 1)
        count += 1
        return (next, true)
    }

    private mutating func place(_ slot: UInt64, start: Int) {
        var index = start & mask
        while slots[index] != 0 { index = (index + 1) & mask }
        slots[index] = slot
    }
}
