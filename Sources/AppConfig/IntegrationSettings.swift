/// The outside services users connect their accounts to, and the keys their tokens are sealed
/// with at rest. Each service is off until its credentials are set.
public struct IntegrationSettings: Sendable, Equatable {
    /// `VISIONARY_ENCRYPTION_KEYS`: `version:base64` entries of 256-bit keys (the newest version
    /// seals, every version opens); nil uses the key generated into the data folder.
    public var encryptionKeys: String?
    /// `VISIONARY_PLAID_*`: the Plaid account banks are linked through; nil when not configured.
    public var plaid: PlaidAccount?
    /// `VISIONARY_SLACK_*`: the Slack app the reminder bot runs as; nil when not configured.
    public var slack: SlackApp?
    /// `VISIONARY_TEAMS_*`, `VISIONARY_MICROSOFT_LOGIN_BASE_URL`, `VISIONARY_GRAPH_BASE_URL`: the
    /// Bot Framework app the Teams bot runs as; nil when not configured.
    public var teams: TeamsApp?
    /// `VISIONARY_STRIPE_*`: the Stripe account payments go to; nil when not configured.
    public var stripe: StripeAccount?
    /// `VISIONARY_PRODIGI_CALLBACK_SECRET`: the secret Prodigi's status callbacks carry (in the
    /// callback URL's `secret` or the `X-Callback-Secret` header); nil refuses callbacks.
    public var prodigiCallbackSecret: String?
    /// `VISIONARY_PRODIGI_API_KEY`, `VISIONARY_PRODIGI_BASE_URL`: the Prodigi account paid orders
    /// are printed by; nil keeps paid orders queued (their fulfilment waits, visible, until set).
    public var prodigi: ProdigiAccount?
    /// `VISIONARY_WORKBOOK_FONTS`: the folder with DejaVuSans.ttf and DejaVuSans-Bold.ttf that
    /// workbook PDFs embed (`scripts/install-fonts.sh` installs it; `make run` sets it).
    public var workbookFonts: String?

    public init() {}

    mutating func read(_ value: (String) -> String?) throws(ConfigError) {
        if let keys = value("VISIONARY_ENCRYPTION_KEYS") {
            guard !Self.keyVersions(keys).isEmpty else {
                throw .invalid("VISIONARY_ENCRYPTION_KEYS", "(redacted)", "version:base64 entries separated by commas")
            }
            encryptionKeys = keys
        }
        if let credentials = try Self.allOrNone(["VISIONARY_PLAID_CLIENT_ID", "VISIONARY_PLAID_SECRET"], value, service: "Plaid") {
            plaid = PlaidAccount(baseURL: try Self.url("VISIONARY_PLAID_BASE_URL", value, default: PlaidAccount.sandboxURL),
                                 clientID: credentials[0], secret: credentials[1])
        }
        if let credentials = try Self.allOrNone(
            ["VISIONARY_SLACK_CLIENT_ID", "VISIONARY_SLACK_CLIENT_SECRET", "VISIONARY_SLACK_SIGNING_SECRET"], value, service: "Slack") {
            slack = SlackApp(baseURL: try Self.url("VISIONARY_SLACK_BASE_URL", value, default: SlackApp.defaultURL),
                             clientID: credentials[0], clientSecret: credentials[1], signingSecret: credentials[2])
        }
        try readStripe(value)
        if let secret = value("VISIONARY_PRODIGI_CALLBACK_SECRET") {
            guard secret.utf8.count >= 16 else { throw .invalid("VISIONARY_PRODIGI_CALLBACK_SECRET", "(redacted)", "at least 16 characters") }
            prodigiCallbackSecret = secret
        }
        if let key = value("VISIONARY_PRODIGI_API_KEY") {
            prodigi = ProdigiAccount(baseURL: try Self.url("VISIONARY_PRODIGI_BASE_URL", value, default: ProdigiAccount.sandboxURL), apiKey: key)
        }
        workbookFonts = value("VISIONARY_WORKBOOK_FONTS")
        if let credentials = try Self.allOrNone(["VISIONARY_TEAMS_APP_ID", "VISIONARY_TEAMS_APP_PASSWORD"], value, service: "Teams") {
            teams = TeamsApp(
                appID: credentials[0], appPassword: credentials[1],
                openIDMetadataURL: try Self.url("VISIONARY_TEAMS_OPENID_METADATA_URL", value, default: TeamsApp.botFrameworkMetadataURL),
                loginBaseURL: try Self.url("VISIONARY_MICROSOFT_LOGIN_BASE_URL", value, default: TeamsApp.microsoftLoginURL),
                graphBaseURL: try Self.url("VISIONARY_GRAPH_BASE_URL", value, default: TeamsApp.graphURL))
        }
    }

    mutating func readStripe(_ value: (String) -> String?) throws(ConfigError) {
        guard let credentials = try Self.allOrNone(["VISIONARY_STRIPE_SECRET_KEY", "VISIONARY_STRIPE_WEBHOOK_SECRET"], value, service: "Stripe") else { return }
        var packs: [String: Int] = [:]
        for entry in (value("VISIONARY_STRIPE_CREDIT_PACKS") ?? "").split(separator: ",") {
            let parts = entry.split(separator: ":").map { String($0).trimmingWhitespace() }
            guard parts.count == 2, !parts[0].isEmpty, let credits = Int(parts[1]), (1...100_000).contains(credits) else {
                throw .invalid("VISIONARY_STRIPE_CREDIT_PACKS", String(entry), "price_id:credits entries separated by commas (1-100000 credits)")
            }
            packs[parts[0]] = credits
        }
        let secrets = credentials[1].split(separator: ",").map { String($0).trimmingWhitespace() }.filter { !$0.isEmpty }
        guard !secrets.isEmpty else { throw .invalid("VISIONARY_STRIPE_WEBHOOK_SECRET", "(redacted)", "one or more endpoint secrets, comma-separated") }
        stripe = StripeAccount(
            baseURL: try Self.url("VISIONARY_STRIPE_BASE_URL", value, default: StripeAccount.defaultURL), secretKey: credentials[0],
            webhookSecrets: secrets, proPrice: value("VISIONARY_STRIPE_PRICE_PRO"), elitePrice: value("VISIONARY_STRIPE_PRICE_ELITE"),
            creditPacks: packs)
    }

    /// The values of settings that come together (a service's credentials): all of them, or nil
    /// when none is set; some but not all is an error naming the first one missing.
    static func allOrNone(_ names: [String], _ value: (String) -> String?, service: String) throws(ConfigError) -> [String]? {
        let values = names.map(value)
        guard values.contains(where: { $0 != nil }) else { return nil }
        if let missing = zip(names, values).first(where: { $0.1 == nil })?.0 {
            throw .invalid(missing, "(unset)", "a value: \(service) needs " + names.joined(separator: ", "))
        }
        return values.compactMap { $0 }
    }

    /// An http(s) URL setting, without trailing slashes.
    static func url(_ name: String, _ value: (String) -> String?, default fallback: String) throws(ConfigError) -> String {
        var url = value(name) ?? fallback
        guard url.lowercased().hasPrefix("https://") || url.lowercased().hasPrefix("http://") else {
            throw .invalid(name, url, "an http:// or https:// URL")
        }
        while url.hasSuffix("/") { url.removeLast() }
        return url
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
            ("VISIONARY_SLACK_BASE_URL", slack?.baseURL ?? "(Slack not configured: slack-bot answers 503)"),
            ("VISIONARY_SLACK_CLIENT_ID", slack?.clientID ?? "(none)"),
            ("VISIONARY_SLACK_CLIENT_SECRET", slack == nil ? "(none)" : "(set, redacted)"),
            ("VISIONARY_SLACK_SIGNING_SECRET", slack == nil ? "(none)" : "(set, redacted)"),
            ("VISIONARY_TEAMS_APP_ID", teams?.appID ?? "(Teams not configured: teams-bot answers 503)"),
            ("VISIONARY_TEAMS_APP_PASSWORD", teams == nil ? "(none)" : "(set, redacted)"),
            ("VISIONARY_TEAMS_OPENID_METADATA_URL", teams?.openIDMetadataURL ?? "(none)"),
            ("VISIONARY_MICROSOFT_LOGIN_BASE_URL", teams?.loginBaseURL ?? "(none)"),
            ("VISIONARY_GRAPH_BASE_URL", teams?.graphBaseURL ?? "(none)"),
            ("VISIONARY_STRIPE_BASE_URL", stripe?.baseURL ?? "(Stripe not configured: payments answer 503)"),
            ("VISIONARY_STRIPE_SECRET_KEY", stripe == nil ? "(none)" : "(set, redacted)"),
            ("VISIONARY_STRIPE_WEBHOOK_SECRET", stripe.map { "(\($0.webhookSecrets.count) set, redacted)" } ?? "(none)"),
            ("VISIONARY_STRIPE_PRICE_PRO", stripe?.proPrice ?? "(none)"),
            ("VISIONARY_STRIPE_PRICE_ELITE", stripe?.elitePrice ?? "(none)"),
            ("VISIONARY_PRODIGI_CALLBACK_SECRET", prodigiCallbackSecret == nil ? "(none: Prodigi callbacks answer 503)" : "(set, redacted)"),
            ("VISIONARY_PRODIGI_BASE_URL", prodigi?.baseURL ?? "(Prodigi not configured: paid orders' print.fulfil jobs retry, then wait as dead letters)"),
            ("VISIONARY_PRODIGI_API_KEY", prodigi == nil ? "(none)" : "(set, redacted)"),
            ("VISIONARY_WORKBOOK_FONTS", workbookFonts ?? "(none: workbooks cannot be rendered)"),
            ("VISIONARY_STRIPE_CREDIT_PACKS", stripe.map { $0.creditPacks.sorted { $0.key < $1.key }.map { "\($0.key):\($0.value)" }.joined(separator: ",") } ?? "(none)"),
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

/// The Slack app the reminder bot runs as (`VISIONARY_SLACK_*`).
public struct SlackApp: Sendable, Equatable {
    public static let defaultURL = "https://slack.com"

    /// `VISIONARY_SLACK_BASE_URL`: where `/api/<method>` and `/oauth/v2/authorize` live.
    public var baseURL: String
    public var clientID: String
    /// `VISIONARY_SLACK_CLIENT_SECRET` (redacted when printed).
    public var clientSecret: String
    /// `VISIONARY_SLACK_SIGNING_SECRET`: what Slack signs its requests with (redacted when printed).
    public var signingSecret: String

    public init(baseURL: String = SlackApp.defaultURL, clientID: String, clientSecret: String, signingSecret: String) {
        self.baseURL = baseURL
        self.clientID = clientID
        self.clientSecret = clientSecret
        self.signingSecret = signingSecret
    }
}

/// The Bot Framework app the Teams bot runs as, and the Microsoft services it uses.
public struct TeamsApp: Sendable, Equatable {
    public static let botFrameworkMetadataURL = "https://login.botframework.com/v1/.well-known/openidconfiguration"
    public static let microsoftLoginURL = "https://login.microsoftonline.com"
    public static let graphURL = "https://graph.microsoft.com"

    /// `VISIONARY_TEAMS_APP_ID`: the bot's Microsoft app id (the audience of Bot Framework's tokens).
    public var appID: String
    /// `VISIONARY_TEAMS_APP_PASSWORD`: its client secret (redacted when printed).
    public var appPassword: String
    /// `VISIONARY_TEAMS_OPENID_METADATA_URL`: the OpenID metadata naming the keys Bot Framework signs with.
    public var openIDMetadataURL: String
    /// `VISIONARY_MICROSOFT_LOGIN_BASE_URL`: the Microsoft identity platform (authorize and token endpoints).
    public var loginBaseURL: String
    /// `VISIONARY_GRAPH_BASE_URL`: Microsoft Graph, which names the user who signed in.
    public var graphBaseURL: String

    public init(
        appID: String, appPassword: String, openIDMetadataURL: String = TeamsApp.botFrameworkMetadataURL,
        loginBaseURL: String = TeamsApp.microsoftLoginURL, graphBaseURL: String = TeamsApp.graphURL
    ) {
        self.appID = appID
        self.appPassword = appPassword
        self.openIDMetadataURL = openIDMetadataURL
        self.loginBaseURL = loginBaseURL
        self.graphBaseURL = graphBaseURL
    }
}

/// The Prodigi account paid orders are printed by (`VISIONARY_PRODIGI_*`).
public struct ProdigiAccount: Sendable, Equatable {
    /// Prodigi's sandbox, where orders are never printed; production is `https://api.prodigi.com`.
    public static let sandboxURL = "https://api.sandbox.prodigi.com"

    /// `VISIONARY_PRODIGI_BASE_URL` (default the sandbox).
    public var baseURL: String
    /// `VISIONARY_PRODIGI_API_KEY` (redacted when printed).
    public var apiKey: String

    public init(baseURL: String = ProdigiAccount.sandboxURL, apiKey: String) {
        self.baseURL = baseURL
        self.apiKey = apiKey
    }
}

/// The Stripe account payments go to (`VISIONARY_STRIPE_*`), and what may be bought: the two
/// subscription prices and the credit packs, each by its Stripe price id.
public struct StripeAccount: Sendable, Equatable {
    public static let defaultURL = "https://api.stripe.com"

    /// `VISIONARY_STRIPE_BASE_URL`.
    public var baseURL: String
    /// `VISIONARY_STRIPE_SECRET_KEY` (redacted when printed).
    public var secretKey: String
    /// `VISIONARY_STRIPE_WEBHOOK_SECRET`: one or more endpoint secrets, comma-separated (several
    /// while rolling one over); redacted when printed.
    public var webhookSecrets: [String]
    /// `VISIONARY_STRIPE_PRICE_PRO`, `VISIONARY_STRIPE_PRICE_ELITE`: the subscriptions' price ids.
    public var proPrice: String?
    public var elitePrice: String?
    /// `VISIONARY_STRIPE_CREDIT_PACKS`: `price_id:credits` entries.
    public var creditPacks: [String: Int]
    /// The currency orders are charged in: the catalogue's prices are US dollars.
    public let currency = "usd"

    public init(
        baseURL: String = StripeAccount.defaultURL, secretKey: String, webhookSecrets: [String], proPrice: String? = nil,
        elitePrice: String? = nil, creditPacks: [String: Int] = [:]
    ) {
        self.baseURL = baseURL
        self.secretKey = secretKey
        self.webhookSecrets = webhookSecrets
        self.proPrice = proPrice
        self.elitePrice = elitePrice
        self.creditPacks = creditPacks
    }

    /// The tier a subscription price buys, or nil.
    public func tier(ofPrice price: String) -> String? {
        if price == proPrice { return "PRO" }
        if price == elitePrice { return "ELITE" }
        return nil
    }
}
