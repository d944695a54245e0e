import Core
import Database
import Foundation
import Secrets

/// Bank links for a user: Plaid's access token is sealed with the key ring into `plaid_items`
/// the moment Plaid hands it over, opened only to call Plaid, and never leaves the server. Works
/// as the owner for the user the caller's token named (client roles cannot read the
/// ciphertext, nor write the table).
public struct PlaidService: Sendable {
    let database: SQLRunner
    let ring: KeyRing
    let plaid: PlaidClient?

    public static let table = "public.plaid_items"
    public static let column = "access_token_encrypted"

    /// `plaid` nil: Plaid is not configured, and every call throws `PlaidNotConfigured`.
    public init(database: SQLRunner, ring: KeyRing, plaid: PlaidClient?) {
        self.database = database
        self.ring = ring
        self.plaid = plaid
    }

    func client() throws(PlaidNotConfigured) -> PlaidClient {
        guard let plaid else { throw PlaidNotConfigured() }
        return plaid
    }

    public func linkToken(user: UUID) async throws -> PlaidClient.LinkToken {
        try await client().createLinkToken(user: user)
    }

    /// A linked bank: the row's id and Plaid's item id.
    public struct Linked: Sendable, Equatable {
        public let id: UUID
        public let itemID: String
    }

    /// Exchanges Link's public token and keeps the access token sealed to its new row. Linking
    /// the same Plaid item again replaces the stored token.
    public func link(user: UUID, publicToken: String, institutionID: String?) async throws -> Linked {
        let exchanged = try await client().exchange(publicToken: publicToken)
        let id = UUID()
        let sealed = try ring.seal(exchanged.accessToken, at: SecretLocation(table: Self.table, column: Self.column, row: id))
        let stored = try await database.text(SQLStatement("""
            INSERT INTO public.plaid_items AS p (id, user_id, access_token_encrypted, token_key_version, institution_id, plaid_item_id, status)
            VALUES ($1::uuid, $2::uuid, decode($3, 'hex'), $4, $5, $6, 'ACTIVE')
            ON CONFLICT (plaid_item_id) DO NOTHING
            RETURNING id::text
            """, [.text(id.uuidString), .text(user.uuidString), .text(sealed.hex), .int(sealed.version),
                  institutionID.map(SQLValue.text) ?? .null, .text(exchanged.itemID)]))
        if stored == nil {
            // The item was linked before: seal the new token to the existing row, if it is this user's.
            guard let existing = try await database.text(SQLStatement(
                "SELECT id::text FROM public.plaid_items WHERE plaid_item_id = $1 AND user_id = $2::uuid", [.text(exchanged.itemID), .text(user.uuidString)])),
                let existingID = UUID(uuidString: existing)
            else { throw PlaidRefusal("this bank item is linked to another account") }
            let resealed = try ring.seal(exchanged.accessToken, at: SecretLocation(table: Self.table, column: Self.column, row: existingID))
            try await database.execute(SQLStatement("""
                UPDATE public.plaid_items SET access_token_encrypted = decode($2, 'hex'), token_key_version = $3, status = 'ACTIVE',
                  institution_id = coalesce($4, institution_id)
                WHERE id = $1::uuid
                """, [.text(existingID.uuidString), .text(resealed.hex), .int(resealed.version), institutionID.map(SQLValue.text) ?? .null]))
            return Linked(id: existingID, itemID: exchanged.itemID)
        }
        return Linked(id: id, itemID: exchanged.itemID)
    }

    /// One linked bank's accounts, or why they could not be read.
    public struct ItemBalances: Sendable {
        public let id: UUID
        public let institutionID: String?
        public let accounts: [PlaidClient.Account]
        public let error: String?
    }

    /// The balances of the user's linked banks (one, when `item` names it). A bank Plaid says
    /// needs the user to sign in again is marked `LOGIN_REQUIRED`.
    public func balances(user: UUID, item: UUID?) async throws -> [ItemBalances] {
        let plaid = try client()
        var results: [ItemBalances] = []
        for stored in try await items(user: user, only: item) {
            let token = try ring.open(stored.sealed, at: SecretLocation(table: Self.table, column: Self.column, row: stored.id))
            do {
                results.append(ItemBalances(id: stored.id, institutionID: stored.institutionID, accounts: try await plaid.balances(accessToken: token), error: nil))
            } catch let refused as PlaidClient.Refused {
                if refused.code == "ITEM_LOGIN_REQUIRED" {
                    try await database.execute(SQLStatement(
                        "UPDATE public.plaid_items SET status = 'LOGIN_REQUIRED' WHERE id = $1::uuid", [.text(stored.id.uuidString)]))
                }
                results.append(ItemBalances(id: stored.id, institutionID: stored.institutionID, accounts: [], error: refused.message))
            }
        }
        return results
    }

    /// Removes the item at Plaid (so the token stops working), then the row. False when the user
    /// has no such item.
    public func unlink(user: UUID, item: UUID) async throws -> Bool {
        let plaid = try client()
        guard let stored = try await items(user: user, only: item).first else { return false }
        let token = try ring.open(stored.sealed, at: SecretLocation(table: Self.table, column: Self.column, row: stored.id))
        do {
            try await plaid.removeItem(accessToken: token)
        } catch let refused as PlaidClient.Refused where ["ITEM_NOT_FOUND", "INVALID_ACCESS_TOKEN"].contains(refused.code) {
            // Already gone at Plaid: the row goes all the same.
        }
        try await database.execute(SQLStatement(
            "DELETE FROM public.plaid_items WHERE id = $1::uuid AND user_id = $2::uuid", [.text(item.uuidString), .text(user.uuidString)]))
        return true
    }

    struct StoredItem {
        let id: UUID
        let institutionID: String?
        let sealed: SealedSecret
    }

    func items(user: UUID, only item: UUID?) async throws -> [StoredItem] {
        struct Row: Decodable {
            let id: UUID
            let institution_id: String?
            let token: String
            let version: Int
        }
        let text = try await database.text(SQLStatement("""
            SELECT coalesce(jsonb_agg(jsonb_build_object('id', id, 'institution_id', institution_id,
                     'token', encode(access_token_encrypted, 'hex'), 'version', token_key_version) ORDER BY created_at), '[]')::text
            FROM public.plaid_items WHERE user_id = $1::uuid AND ($2::uuid IS NULL OR id = $2::uuid)
            """, [.text(user.uuidString), item.map { .text($0.uuidString) } ?? .null])) ?? "[]"
        return try JSONDecoder().decode([Row].self, from: Data(text.utf8)).map { row in
            guard let sealed = SealedSecret(hex: row.token, version: row.version) else {
                throw SecretError.cannotOpen(SecretLocation(table: Self.table, column: Self.column, row: row.id))
            }
            return StoredItem(id: row.id, institutionID: row.institution_id, sealed: sealed)
        }
    }
}

/// Plaid is not configured on this server.
public struct PlaidNotConfigured: Error, CustomStringConvertible {
    public var description: String { "bank linking is not configured on this server (VISIONARY_PLAID_*)" }
}

/// A request the bank-link rules refuse, with the reason to show.
public struct PlaidRefusal: Error, CustomStringConvertible {
    public let message: String
    init(_ message: String) { self.message = message }
    public var description: String { message }
}
