import PasswordHashing
import Testing

/// Known answers from an independent implementation: libxcrypt, the system's crypt(3), through
/// Python 3.11's `crypt` module, e.g.
/// `python3 -c "import crypt; print(crypt.crypt('password', '\$2b\$04\$bAAPjZyyNAgQg7B6HeIIiO'))"`
/// with the salt bytes below encoded in bcrypt's base64 (`bAAP…` is 74209195…). They are fixed
/// facts about bcrypt: regenerate them only from libxcrypt or another reference, never from
/// this implementation.
struct Vector: CustomTestStringConvertible, Sendable {
    let password: String
    let cost: Int
    let salt: String
    let hash: String

    var saltBytes: [UInt8] {
        var bytes: [UInt8] = []
        var characters = salt.makeIterator()
        while let high = characters.next(), let low = characters.next() {
            bytes.append(UInt8(String([high, low]), radix: 16) ?? 0)
        }
        return bytes
    }

    var testDescription: String { "\(password.utf8.count) bytes, \(hash.prefix(7))" }
}

@Suite("BCrypt")
struct BCryptTests {
    static let vectors: [Vector] = [
        Vector(password: "", cost: 4, salt: "bc330747d865114d0fed6311aa938174",
               hash: "$2b$04$tBKFP7fjCSyN5UKPonM/b.L9ec6ldCZwnHUDOEsmW6GE6wlgPbL4S"),
        Vector(password: "password", cost: 4, salt: "74209195bd343c28928bd0fc26028a91",
               hash: "$2b$04$bAAPjZyyNAgQg7B6HeIIiOnh/oSdyKY9UvdvcCpK1awc2sw6hiupW"),
        Vector(password: "password", cost: 5, salt: "5682578f7771434632638238d497bfdd",
               hash: "$2b$05$TmHVh1bvOyWwW2G2zHc91On7OISYXHP3upbN9l5DnHuzckT9oCaRC"),
        Vector(password: "correct horse battery staple", cost: 6, salt: "9c777346e1362d9fabacbcb848d2a81a",
               hash: "$2b$06$lFbxPsC0JX8ppJw2QLImEeeOyV/.mlWK3H8Pbk0xp/YWkE6ya9Z4m"),
        Vector(password: "password", cost: 10, salt: "de5d56a0a36b9c339eef352060b03feb",
               hash: "$2b$10$1jzUmILplBMc5xSeWJ.94umaQb4kOB6ZCNgsr6RduqFkkGof0nYVq"),
        // Unicode: 29 UTF-8 bytes.
        Vector(password: "pässwörd ✓ 日本語 🔑", cost: 4, salt: "4a0772efa7e962254523230a5bf55d48",
               hash: "$2b$04$Qebw54dnWgTDGwKIU9TbQ.u0FIEne1KatqMApLwmXtYzG3u5spfTa"),
        // 71 bytes: the last one that keeps its NUL terminator in the key.
        Vector(password: String(repeating: "é", count: 35) + "x", cost: 4, salt: "8f76921481657e0c9a1426b7120bce3d",
               hash: "$2b$04$h1YQDGDjdewYDAY1CetMNOHbErvxnABr/SjuDXJUv6HceEjTXKHdq"),
        // One salt for 71, 72, 73, 86 and 300 bytes: everything from byte 72 on is ignored, so
        // 72, 73 and 86 "a"s give one hash.
        Vector(password: String(repeating: "a", count: 71), cost: 4, salt: "465ea2d627431027a43f724f46412a89",
               hash: "$2b$04$Pj4gzgbBCAciN1HNPiCogOjlbIeceIBUjDRIzLMEgou0/gsawtBM."),
        Vector(password: String(repeating: "a", count: 72), cost: 4, salt: "465ea2d627431027a43f724f46412a89",
               hash: "$2b$04$Pj4gzgbBCAciN1HNPiCogOyGURS5HeoY4DmPOs657v1Ij5N3fsTx6"),
        Vector(password: String(repeating: "a", count: 73), cost: 4, salt: "465ea2d627431027a43f724f46412a89",
               hash: "$2b$04$Pj4gzgbBCAciN1HNPiCogOyGURS5HeoY4DmPOs657v1Ij5N3fsTx6"),
        Vector(password: String(repeating: "a", count: 72) + "different tail", cost: 4, salt: "465ea2d627431027a43f724f46412a89",
               hash: "$2b$04$Pj4gzgbBCAciN1HNPiCogOyGURS5HeoY4DmPOs657v1Ij5N3fsTx6"),
        // 73 bytes cut inside the last "é": byte 72 is its first half.
        Vector(password: "a" + String(repeating: "é", count: 36), cost: 4, salt: "465ea2d627431027a43f724f46412a89",
               hash: "$2b$04$Pj4gzgbBCAciN1HNPiCogOfT2pJwjKBP2q5SEyYbDBEFnlIEOMqdC"),
        Vector(password: String(repeating: "0123456789", count: 30), cost: 4, salt: "465ea2d627431027a43f724f46412a89",
               hash: "$2b$04$Pj4gzgbBCAciN1HNPiCogOio3daNfUA.qLv1PJ1jT0NwjPPVOfVT6"),
    ]

    /// Hashes libxcrypt made with the `$2a$` and `$2y$` prefixes (same settings otherwise).
    static let otherVersions: [Vector] = [
        Vector(password: "password", cost: 4, salt: "ae590560609e463e874e3f1eebb5d48c",
               hash: "$2a$04$pjiDWEAcPh4FRh6c45VSh.bF.7nAtTXY4KAy4uP2hxNHpMBFSNUwW"),
        Vector(password: "password", cost: 5, salt: "d082c8a20f6d926fdba08029ba7a15ea",
               hash: "$2y$05$yGJGme7rik9ZmG.nslmT4ecDSowtP0g5X9mhasAm0h5orEmiykePu"),
        Vector(password: "pässwörd ✓ 日本語 🔑", cost: 4, salt: "9b4c7d802f73e8763d705cc444461e9e",
               hash: "$2a$04$kyv7eA7x4FW7aDxCPCWcle1L/NbQ5oagkLsLNupsinW90eAtnX.Qu"),
        Vector(password: String(repeating: "a", count: 80), cost: 4, salt: "6665c6f16dae26a5837b6dc71920b3d5",
               hash: "$2y$04$XkVE6U0sHoUBc01FEQAxzODkvRxg1P4QLBMy/3q4NxS7XPQcRshFy"),
        Vector(password: "", cost: 4, salt: "0f0b408a872ed1566344da74011d26e7",
               hash: "$2y$04$Bur.gmasyTXhPLny.Pyk3ublc3f7qu70M3tOlUXEe69FozWBaqW4O"),
    ]

    @Test("hash gives libxcrypt's answer", arguments: vectors)
    func knownAnswer(_ vector: Vector) throws {
        #expect(try BCrypt.hash(vector.password, cost: vector.cost, salt: vector.saltBytes) == vector.hash)
    }

    @Test("verify accepts libxcrypt's $2b$ hashes and rejects other passwords", arguments: vectors)
    func verifyKnownAnswer(_ vector: Vector) {
        #expect(BCrypt.verify(vector.password, against: vector.hash))
        #expect(!BCrypt.verify(vector.password + "!", against: vector.hash) || vector.password.utf8.count >= 72)
        #expect(!BCrypt.verify("wrong", against: vector.hash))
    }

    @Test("verify accepts $2a$ and $2y$ hashes", arguments: otherVersions)
    func verifyOtherVersions(_ vector: Vector) {
        #expect(BCrypt.verify(vector.password, against: vector.hash))
        #expect(!BCrypt.verify(vector.password + "x", against: vector.hash) || vector.password.utf8.count >= 72)
        // The same settings under $2b$ hash identically.
        #expect((try? BCrypt.hash(vector.password, cost: vector.cost, salt: vector.saltBytes))
            == "$2b$" + vector.hash.dropFirst(4))
    }

    @Test("a random salt round-trips and differs between calls")
    func roundTrip() throws {
        let first = try BCrypt.hash("hunter2", cost: 4)
        let second = try BCrypt.hash("hunter2", cost: 4)
        #expect(first.count == 60)
        #expect(first.hasPrefix("$2b$04$"))
        #expect(first != second)
        #expect(BCrypt.verify("hunter2", against: first))
        #expect(BCrypt.verify("hunter2", against: second))
        #expect(!BCrypt.verify("hunter3", against: first))
        #expect(!BCrypt.verify("", against: first))
    }

    @Test("all bytes of the password count, including those after a NUL")
    func embeddedNul() throws {
        let hash = try BCrypt.hash("abc\0def", cost: 4)
        #expect(BCrypt.verify("abc\0def", against: hash))
        #expect(!BCrypt.verify("abc", against: hash))
        #expect(!BCrypt.verify("abc\0", against: hash))
    }

    static let valid = "$2b$04$bAAPjZyyNAgQg7B6HeIIiOnh/oSdyKY9UvdvcCpK1awc2sw6hiupW"

    @Test("malformed hashes never verify", arguments: [
        "",
        "$",
        "password",
        String(valid.dropLast()),                                  // 59 characters
        valid + "A",                                               // 61 characters
        "$2x$04$bAAPjZyyNAgQg7B6HeIIiOnh/oSdyKY9UvdvcCpK1awc2sw6hiupW", // unsupported version
        "$2$04$bAAPjZyyNAgQg7B6HeIIiOnh/oSdyKY9UvdvcCpK1awc2sw6hiupWx", // no version letter
        "$3b$04$bAAPjZyyNAgQg7B6HeIIiOnh/oSdyKY9UvdvcCpK1awc2sw6hiupW",
        "x2b$04$bAAPjZyyNAgQg7B6HeIIiOnh/oSdyKY9UvdvcCpK1awc2sw6hiupW",
        "$2b$03$bAAPjZyyNAgQg7B6HeIIiOnh/oSdyKY9UvdvcCpK1awc2sw6hiupW", // cost too low
        "$2b$32$bAAPjZyyNAgQg7B6HeIIiOnh/oSdyKY9UvdvcCpK1awc2sw6hiupW", // cost too high
        "$2b$4$bAAPjZyyNAgQg7B6HeIIiOnh/oSdyKY9UvdvcCpK1awc2sw6hiupWx",
        "$2b$-4$bAAPjZyyNAgQg7B6HeIIiOnh/oSdyKY9UvdvcCpK1awc2sw6hiupW",
        "$2b$a4$bAAPjZyyNAgQg7B6HeIIiOnh/oSdyKY9UvdvcCpK1awc2sw6hiupW",
        "$2b$04xbAAPjZyyNAgQg7B6HeIIiOnh/oSdyKY9UvdvcCpK1awc2sw6hiupW",
        "$2b$04$bAAPjZyyNAgQg7B6HeIIiOnh+oSdyKY9UvdvcCpK1awc2sw6hiupW", // "+" is not in the alphabet
        "$2b$04$bAAPjZyyNAgQg7B6HeIIi=nh/oSdyKY9UvdvcCpK1awc2sw6hiupW",
        "$2b$04$bAAPjZyyNAgQg7B6HeIIiOnh/oSdyKY9UvdvcCpK1awc2sw6hiup=",
        "$2b$04$bAAPjZyyNAgQg7B6HeIIiOnh/oSdyKY9UvdvcCpK1awc2sw6hiupé", // 61 bytes, 60 characters
        "$2b$04$bAAPjZyyNAgQg7B6HeIIiOnh/oSdyKY9UvdvcCpK1awc2sw6hiu\u{0}",
        "$2b$04$bAAPjZyyNAgQg7B6HeIIiOnh/oSdyKY9UvdvcCpK1awc2sw6hiupX", // right form, wrong checksum
        "$2b$04$bAAPjZyyNAgQg7B6HeIIiOnh/oSdyKY9UvdvcCpK1awc2sw6hiupW ",
    ])
    func malformed(_ hash: String) {
        #expect(!BCrypt.verify("password", against: hash))
    }

    @Test("the valid hash the malformed ones are made from does verify")
    func malformedBaseline() {
        #expect(BCrypt.verify("password", against: Self.valid))
    }

    @Test("costs outside 4...31 are refused", arguments: [Int.min, -1, 0, 3, 32, 100, Int.max])
    func invalidCost(_ cost: Int) {
        #expect(throws: BCryptError.invalidCost(cost)) {
            try BCrypt.hash("password", cost: cost, salt: [UInt8](repeating: 0, count: 16))
        }
        #expect(throws: BCryptError.invalidCost(cost)) { try BCrypt.hash("password", cost: cost) }
    }

    @Test("salts that are not 16 bytes are refused", arguments: [0, 1, 15, 17, 32])
    func invalidSalt(_ length: Int) {
        #expect(throws: BCryptError.invalidSaltLength(length)) {
            try BCrypt.hash("password", cost: 4, salt: [UInt8](repeating: 7, count: length))
        }
    }
}
