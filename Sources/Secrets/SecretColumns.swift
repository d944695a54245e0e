/// The tables that hold secrets: their ciphertext columns (bytea, unreadable by client roles)
/// and the column naming the key version that sealed them. One version covers a row's
/// ciphertexts, so a row is re-encrypted whole.
public struct SecretTable: Sendable, Equatable {
    /// Schema-qualified, e.g. `public.plaid_items`.
    public let name: String
    public let columns: [String]
    public let versionColumn: String

    public init(_ name: String, columns: [String], versionColumn: String = "token_key_version") {
        self.name = name
        self.columns = columns
        self.versionColumn = versionColumn
    }

    /// Every table of the schema with ciphertext columns.
    public static let all = [
        SecretTable("public.plaid_items", columns: ["access_token_encrypted"]),
        SecretTable("public.slack_installations", columns: ["access_token_encrypted"]),
        SecretTable("public.teams_installations", columns: ["access_token_encrypted", "refresh_token_encrypted"]),
        SecretTable("internal.signing_keys", columns: ["private_key_encrypted"]),
    ]
}
