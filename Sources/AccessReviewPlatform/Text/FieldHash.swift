/// A hash of text fields by their UTF-8 bytes, with the process's seed: the same for the
/// fields as `String`s and as bytes read back from a file, so that stored text is matched
/// against a run's strings without making strings of it. Three fields (a line: system,
/// account, role), two (a line within its system) or one (an identity); not variadic,
/// since a line history hashes millions.
package enum FieldHash {
    package static func hash(salt: UInt8, _ a: String, _ b: String, _ c: String) -> Int {
        var hasher = Hasher()
        hasher.combine(salt)
        add(a, to: &hasher)
        add(b, to: &hasher)
        add(c, to: &hasher)
        return hasher.finalize()
    }

    package static func hash(salt: UInt8, _ a: ArraySlice<UInt8>, _ b: ArraySlice<UInt8>, _ c: ArraySlice<UInt8>)
        -> Int
    {
        var hasher = Hasher()
        hasher.combine(salt)
        add(a, to: &hasher)
        add(b, to: &hasher)
        add(c, to: &hasher)
        return hasher.finalize()
    }

    package static func hash(_ a: String, _ b: String) -> Int {
        var hasher = Hasher()
        add(a, to: &hasher)
        add(b, to: &hasher)
        return hasher.finalize()
    }

    package static func hash(_ a: ArraySlice<UInt8>, _ b: ArraySlice<UInt8>) -> Int {
        var hasher = Hasher()
        add(a, to: &hasher)
        add(b, to: &hasher)
        return hasher.finalize()
    }

    package static func hash(_ field: String) -> Int {
        var hasher = Hasher()
        add(field, to: &hasher)
        return hasher.finalize()
    }

    package static func hash(_ field: ArraySlice<UInt8>) -> Int {
        var hasher = Hasher()
        add(field, to: &hasher)
        return hasher.finalize()
    }

    private static func add(_ field: String, to hasher: inout Hasher) {
        var field = field
        field.withUTF8 { bytes in
            hasher.combine(bytes.count)
            hasher.combine(bytes: UnsafeRawBufferPointer(bytes))
        }
    }

    private static func add(_ field: ArraySlice<UInt8>, to hasher: inout Hasher) {
        field.withUnsafeBytes { bytes in
            hasher.combine(bytes.count)
            hasher.combine(bytes: bytes)
        }
    }
}
