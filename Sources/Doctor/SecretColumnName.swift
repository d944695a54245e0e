/// Whether a column's name and type say it holds a credential in the clear (the rule
/// `secret-plaintext`). Names are read as words separated by `_`.
public enum SecretColumnName {
    /// Words that name a secret on their own.
    static let secretWords: Set<String> = ["token", "secret", "password", "passwd", "pwd", "apikey", "credential", "credentials"]
    /// Pairs of neighbouring words that name one.
    static let secretPairs: Set<[String]> = [
        ["api", "key"], ["access", "key"], ["private", "key"], ["secret", "key"], ["signing", "key"], ["client", "secret"],
    ]
    /// Words that say the column holds a hash or ciphertext of the secret, or a fact about it.
    static let harmlessWords: Set<String> = [
        "hash", "hashed", "digest", "encrypted", "ciphertext", "version", "count", "expires", "expiry", "at", "type", "hint",
        "id", "length",
    ]
    /// Types that can hold a secret's text.
    static let textTypes: Set<String> = ["text", "varchar", "bpchar", "char", "citext", "name", "json", "jsonb"]

    /// Whether the name alone looks like a secret's (hashes and ciphertexts included).
    public static func namesSecret(_ name: String) -> Bool {
        let words = name.lowercased().split(separator: "_").map(String.init)
        if words.contains(where: secretWords.contains) { return true }
        return zip(words, words.dropFirst()).contains { secretPairs.contains([$0, $1]) }
    }

    /// Whether a column holds a secret as plaintext: named like one, not named as a hash,
    /// ciphertext or fact about one, and of a text or JSON type.
    public static func isPlaintextSecret(_ column: DatabaseFacts.Column) -> Bool {
        guard namesSecret(column.name) else { return false }
        let words = column.name.lowercased().split(separator: "_").map(String.init)
        if words.contains(where: harmlessWords.contains) || column.name.lowercased().hasPrefix("encrypted") { return false }
        return textTypes.contains(column.baseType)
    }
}
