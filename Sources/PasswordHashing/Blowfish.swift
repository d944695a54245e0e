/// The Blowfish cipher with bcrypt's expensive key schedule ("EksBlowfish").
///
/// The state is 18 P-array words followed by the four 256-word S-boxes, kept in one manually
/// allocated buffer: this loop is the whole cost of bcrypt, and pointer access keeps it fast
/// even in debug builds (no bounds checks, no copy-on-write checks).
enum Blowfish {
    /// How many key bytes the key schedule reads: 18 P-array words of 4 bytes.
    static let maximumKeyLength = 72
    static let pWords = 18
    static let stateWords = pWords + 4 * 256

    /// "OrpheanBeholderScryDoubt" as six big-endian words: the text bcrypt encrypts.
    static let magicText: [UInt32] = [0x4F72_7068, 0x6561_6E42, 0x6568_6F6C, 0x6465_7253, 0x6372_7944, 0x6F75_6274]

    /// bcrypt's 24-byte digest: the magic text encrypted 64 times under the state that
    /// `2^cost` rounds of key schedule leave; the encoded hash keeps the first 23 bytes.
    ///
    /// `key` holds the password bytes with their NUL terminator and `salt` 16 bytes; both are
    /// read as cyclic byte streams, as in the reference implementation.
    static func bcryptDigest(key: [UInt8], salt: [UInt8], cost: Int) -> [UInt8] {
        // The state, then the first 18 stream words of the key and of the salt.
        let initialWords = initialP + initialS + streamWords(key) + streamWords(salt)
        let words = UnsafeMutableBufferPointer<UInt32>.allocate(capacity: initialWords.count)
        defer { words.deallocate() }
        _ = words.initialize(from: initialWords)
        guard let state = words.baseAddress else { return [] }
        let keyWords = state + stateWords
        let saltWords = keyWords + pWords

        expandState(state, key: keyWords, salt: saltWords)
        let rounds = UInt64(1) << UInt64(cost)
        var round: UInt64 = 0
        while round < rounds {
            expandState(state, key: keyWords)
            expandState(state, key: saltWords)
            round += 1
        }

        // ECB: each of the three blocks is encrypted 64 times on its own.
        var text = magicText
        for block in stride(from: 0, to: text.count, by: 2) {
            var left = text[block]
            var right = text[block + 1]
            for _ in 0..<64 { encipher(&left, &right, state) }
            text[block] = left
            text[block + 1] = right
        }
        return text.flatMap { word in (0..<4).map { UInt8(truncatingIfNeeded: word >> (24 - 8 * $0)) } }
    }

    /// The first 18 big-endian words of `bytes` repeated endlessly (`bytes` is never empty).
    static func streamWords(_ bytes: [UInt8]) -> [UInt32] {
        var index = 0
        return (0..<pWords).map { _ in
            var word: UInt32 = 0
            for _ in 0..<4 {
                word = word << 8 | UInt32(bytes[index])
                index = (index + 1) % bytes.count
            }
            return word
        }
    }

    /// The salted key schedule bcrypt runs once: the key into the P-array, then the state
    /// re-encrypts itself from a chain that mixes in the salt stream.
    static func expandState(_ state: UnsafeMutablePointer<UInt32>, key: UnsafeMutablePointer<UInt32>, salt: UnsafeMutablePointer<UInt32>) {
        var index = 0
        while index < pWords {
            state[index] ^= key[index]
            index += 1
        }
        // 16 salt bytes are 4 stream words, so the salt stream repeats every 2 pairs.
        var left: UInt32 = 0
        var right: UInt32 = 0
        index = 0
        while index < stateWords {
            left ^= salt[index & 3]
            right ^= salt[(index + 1) & 3]
            encipher(&left, &right, state)
            state[index] = left
            state[index + 1] = right
            index += 2
        }
    }

    /// The unsalted key schedule of the expensive loop: `key` (18 words) into the P-array,
    /// then the state re-encrypts itself from an all-zero chain.
    @inline(__always)
    static func expandState(_ state: UnsafeMutablePointer<UInt32>, key: UnsafeMutablePointer<UInt32>) {
        var index = 0
        while index < pWords {
            state[index] ^= key[index]
            index += 1
        }
        var left: UInt32 = 0
        var right: UInt32 = 0
        index = 0
        while index < stateWords {
            encipher(&left, &right, state)
            state[index] = left
            state[index + 1] = right
            index += 2
        }
    }

    /// Encrypts one 64-bit block in place: 16 Feistel rounds.
    @inline(__always)
    static func encipher(_ left: inout UInt32, _ right: inout UInt32, _ state: UnsafeMutablePointer<UInt32>) {
        let sBoxes = state + pWords
        var l = left ^ state[0]
        var r = right
        var round = 1
        while round < 17 {
            r ^= feistel(l, sBoxes) ^ state[round]
            l ^= feistel(r, sBoxes) ^ state[round + 1]
            round += 2
        }
        left = r ^ state[17]
        right = l
    }

    /// Blowfish's F: ((S0[a] + S1[b]) ^ S2[c]) + S3[d] for the four bytes of `x`.
    @inline(__always)
    static func feistel(_ x: UInt32, _ sBoxes: UnsafeMutablePointer<UInt32>) -> UInt32 {
        let a = sBoxes[Int(x >> 24)]
        let b = sBoxes[256 + Int((x >> 16) & 0xFF)]
        let c = sBoxes[512 + Int((x >> 8) & 0xFF)]
        let d = sBoxes[768 + Int(x & 0xFF)]
        return ((a &+ b) ^ c) &+ d
    }
}
