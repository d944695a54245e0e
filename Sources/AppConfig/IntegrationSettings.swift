/// The outside services users connect their accounts to, and the keys their tokens are sealed
/// with at rest. Each service is off until its credentials are set.
public struct IntegrationSettings: Sendable, Equatable {
    /// `VISIONARY_ENCRYPTION_KEYS`: `version:base64` entries of 256-bit keys (the newest version
    /// seals, every version opens); nil uses the key generated into the data folder.
    public var encryptionKeys: String?
    /// `VISIONARY_PLAID_*`: the Plaid account banks are linked through; nil when not configured.
    public var plaid: PlaidAccount?

    public init() {}

    mutating func read(_ value: (String) -> String?) throws(ConfigError) {
        if let keys = value("VISIONARY_ENCRYPTION_KEYS") {
            guard !Self.keyVersions(keys).isEmpty else {
                throw .invalid("VISIONARY_ENCRYPTION_KEYS", "(redacted)", "version:base64 entries separated by commas")
            }
            encryptionKeys = keys
        }
        let clientID = value("VISIONARY_PLAID_CLIENT_ID"), secret = value("VISIONARY_PLAID_SECRET")
        if clientID != nil || secret != nil {
            guard let clientID, let secret else {
                throw .invalid(clientID == nil ? "VISIONARY_PLAID_CLIENT_ID" : "VISIONARY_PLAID_SECRET", "(unset)",
                               "a value: Plaid needs a client id and a secret")
            }
            let baseURL = value("VISIONARY_PLAID_BASE_URL") ?? PlaidAccount.sandboxURL
            guard baseURL.lowercased().hasPrefix("https://") || baseURL.lowercased().hasPrefix("http://") else {
                throw .invalid("VISIONARY_PLAID_BASE_URL", baseURL, "an http:// or https:// URL")
            }
            plaid = PlaidAccount(baseURL: baseURL, clientID: clientID, secret: secret)
        }
    }

    /// The versions `version:…` entries name (for printing without the keys); empty when an
    /// entry has no version.
    static func keyVersions(_ text: String) -> [Int] {
        let versions = text.split(whereSeparator: { $0 == "," || $0.isWhitespace }).map { entry in
            entry.split(separator: ":", maxSplits: 1).first.flatMap { Int($0) }
        }
        return versions.contains(nil) ? [] : versions.compactMap { $0 }
    }

    /// The settings for `dump-config`, secrets redacted.
    var redacted: [(name: String, value: String)] {
        [
            ("VISIONARY_ENCRYPTION_KEYS", encryptionKeys.map {
                "(set, redacted: versions " + Self.keyVersions($0).map(String.init).joined(separator: ", ") + ")"
            } ?? "(generated, kept in the data folder)"),
            ("VISIONARY_PLAID_BASE_URL", plaid?.baseURL ?? "(Plaid not configured: bank linking answers 503)"),
            ("VISIONARY_PLAID_CLIENT_ID", plaid?.clientID ?? "(none)"),
            ("VISIONARY_PLAID_SECRET", plaid == nil ? "(none)" : "(set, redacted)"),
        ]
    }
}

/// The Plaid account banks are linked through (`VISIONARY_PLAID_*`).
public struct PlaidAccount: Sendable, Equatable {
    public static let sandboxURL = "https://sandbox.plaid.com"

    /// `VISIONARY_PLAID_BASE_URL` (default Plaid's sandbox).
    public var baseURL: String
    /// `VISIONARY_PLAID_CLIENT_ID`.
    public var clientID: String
    /// `VISIONARY_PLAID_SECRET` (redacted when printed).
    public var secret: String

    public init(baseURL: String = PlaidAccount.sandboxURL, clientID: String, secret: String) {
        self.baseURL = baseURL
        self.clientID = clientID
        self.secret = secret
    }
}
