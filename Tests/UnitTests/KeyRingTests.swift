import Foundation
import Secrets
import Testing

/// The key ring: AES-256-GCM bound to its table, column and row; versions; parsing that never
/// shows a key.
@Suite("Secrets: the key ring")
struct KeyRingTests {
    static let one = "1:" + Data(repeating: 1, count: 32).base64EncodedString()
    static let two = "2:" + Data(repeating: 2, count: 32).base64EncodedString()
    static let here = SecretLocation(table: "public.plaid_items", column: "access_token_encrypted", row: UUID())

    @Test("a secret opens where it was sealed, under the version that sealed it; the newest version seals")
    func roundTrip() throws {
        let old = try KeyRing(parsing: Self.one)
        let ring = try KeyRing(parsing: "\(Self.two), \(Self.one)")
        #expect(ring.newest == 2 && ring.versions == [1, 2])
        let sealed = try old.seal("access-sandbox-secret", at: Self.here)
        #expect(sealed.version == 1)
        #expect(sealed.ciphertext.count == 12 + "access-sandbox-secret".utf8.count + 16, "nonce, ciphertext, tag")
        #expect(!Data(sealed.ciphertext).contains(Data("access-sandbox".utf8)))
        #expect(try ring.open(sealed, at: Self.here) == "access-sandbox-secret")
        let fresh = try ring.seal("access-sandbox-secret", at: Self.here)
        #expect(fresh.version == 2 && fresh.ciphertext != sealed.ciphertext)
        #expect(try ring.seal("same", at: Self.here).ciphertext != ring.seal("same", at: Self.here).ciphertext, "a fresh nonce each time")
        #expect(SealedSecret(hex: fresh.hex, version: 2) == fresh)
        #expect(SealedSecret(hex: "abc", version: 1) == nil && SealedSecret(hex: "zz", version: 1) == nil)
    }

    @Test("a ciphertext moved to another row or column, altered, or of a version the ring lacks does not open")
    func refusals() throws {
        let ring = try KeyRing(parsing: Self.one)
        let sealed = try ring.seal("token", at: Self.here)
        let otherRow = SecretLocation(table: Self.here.table, column: Self.here.column, row: UUID())
        let otherColumn = SecretLocation(table: Self.here.table, column: "refresh_token_encrypted", row: Self.here.row)
        #expect(throws: SecretError.cannotOpen(otherRow)) { try ring.open(sealed, at: otherRow) }
        #expect(throws: SecretError.cannotOpen(otherColumn)) { try ring.open(sealed, at: otherColumn) }
        var altered = sealed.ciphertext
        altered[14] ^= 1
        #expect(throws: SecretError.cannotOpen(Self.here)) { try ring.open(SealedSecret(ciphertext: altered, version: 1), at: Self.here) }
        #expect(throws: SecretError.cannotOpen(Self.here)) { try ring.open(SealedSecret(ciphertext: [1, 2, 3], version: 1), at: Self.here) }
        #expect(throws: SecretError.unknownVersion(2)) { try ring.open(SealedSecret(ciphertext: sealed.ciphertext, version: 2), at: Self.here) }
        let wrongKey = try KeyRing(parsing: "1:" + Data(repeating: 9, count: 32).base64EncodedString())
        #expect(throws: SecretError.cannotOpen(Self.here)) { try wrongKey.open(sealed, at: Self.here) }
    }

    @Test("malformed rings are refused without showing a key", arguments: [
        "", "1", "x:AAAA", "0:" + Data(repeating: 1, count: 32).base64EncodedString(),
        "1:" + Data(repeating: 1, count: 16).base64EncodedString(), "1:not base64!",
        "1:" + Data(repeating: 1, count: 32).base64EncodedString() + ",1:" + Data(repeating: 2, count: 32).base64EncodedString(),
    ])
    func malformed(_ text: String) {
        do {
            _ = try KeyRing(parsing: text)
            Issue.record("accepted \(text)")
        } catch {
            let keys = text.split(separator: ",").compactMap { $0.split(separator: ":").last.map(String.init) }
            #expect(!keys.contains { $0.count > 8 && "\(error)".contains($0) }, "\(error)")
        }
    }

    @Test("new entries parse, and each is a different key")
    func newEntries() throws {
        let first = KeyRing.newEntry(version: 3), second = KeyRing.newEntry(version: 3)
        #expect(first != second && first.hasPrefix("3:"))
        #expect(try KeyRing(parsing: first).newest == 3)
    }
}
