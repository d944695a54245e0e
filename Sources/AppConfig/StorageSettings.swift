/// The Storage API's settings: where object bytes live and the limits of uploads and signed URLs.
public struct StorageSettings: Sendable, Equatable {
    /// Where object bytes are kept.
    public enum Backend: String, Sendable, Equatable {
        /// Files under `localDirectory` (default: `<data dir>/storage`).
        case local
        /// An S3-compatible service, path-style.
        case s3
    }

    /// `VISIONARY_STORAGE_BACKEND`: `local` (default) or `s3`.
    public var backend = Backend.local
    /// `VISIONARY_STORAGE_DIR`: folder of the local store; nil for `<data dir>/storage`.
    public var localDirectory: String?
    /// `VISIONARY_STORAGE_MAX_UPLOAD_SIZE`: largest object accepted, in bytes, whatever a bucket allows.
    public var maxUploadSize: Int64 = 50 * 1024 * 1024
    /// `VISIONARY_STORAGE_S3_ENDPOINT`, e.g. `https://s3.eu-central-1.amazonaws.com`.
    public var s3Endpoint: String?
    /// `VISIONARY_STORAGE_S3_BUCKET`.
    public var s3Bucket: String?
    /// `VISIONARY_STORAGE_S3_REGION` (default `us-east-1`).
    public var s3Region = "us-east-1"
    /// `VISIONARY_STORAGE_S3_ACCESS_KEY_ID`.
    public var s3AccessKeyID: String?
    /// `VISIONARY_STORAGE_S3_SECRET_ACCESS_KEY` (a secret: redacted when printed).
    public var s3SecretAccessKey: String?
    /// `VISIONARY_STORAGE_S3_PREFIX`: prefix of every key in the S3 bucket (default empty).
    public var s3KeyPrefix = ""
    /// `VISIONARY_STORAGE_SIGNED_URL_MAX_EXPIRY`: the longest `expiresIn` a signed URL may ask, in seconds.
    public var signedURLMaxExpiry = 60 * 60 * 24 * 365
    /// `VISIONARY_STORAGE_SIGNED_UPLOAD_EXPIRY`: lifetime of signed upload URLs, in seconds.
    public var signedUploadExpiry = 2 * 60 * 60

    public init() {}

    /// Reads the `VISIONARY_STORAGE_*` variables through `value` (trimmed, nil when unset or empty).
    mutating func read(_ value: (String) -> String?) throws(ConfigError) {
        if let raw = value("VISIONARY_STORAGE_BACKEND") {
            guard let backend = Backend(rawValue: raw.lowercased()) else {
                throw .invalid("VISIONARY_STORAGE_BACKEND", raw, "local or s3")
            }
            self.backend = backend
        }
        localDirectory = value("VISIONARY_STORAGE_DIR") ?? localDirectory
        if let raw = value("VISIONARY_STORAGE_MAX_UPLOAD_SIZE") {
            guard let size = Int64(raw), size > 0 else { throw .invalid("VISIONARY_STORAGE_MAX_UPLOAD_SIZE", raw, "a number of bytes > 0") }
            maxUploadSize = size
        }
        s3Endpoint = value("VISIONARY_STORAGE_S3_ENDPOINT") ?? s3Endpoint
        s3Bucket = value("VISIONARY_STORAGE_S3_BUCKET") ?? s3Bucket
        s3Region = value("VISIONARY_STORAGE_S3_REGION") ?? s3Region
        s3AccessKeyID = value("VISIONARY_STORAGE_S3_ACCESS_KEY_ID") ?? s3AccessKeyID
        s3SecretAccessKey = value("VISIONARY_STORAGE_S3_SECRET_ACCESS_KEY") ?? s3SecretAccessKey
        s3KeyPrefix = value("VISIONARY_STORAGE_S3_PREFIX") ?? s3KeyPrefix
        for (name, range, target) in [
            ("VISIONARY_STORAGE_SIGNED_URL_MAX_EXPIRY", 1...(60 * 60 * 24 * 3650), \StorageSettings.signedURLMaxExpiry),
            ("VISIONARY_STORAGE_SIGNED_UPLOAD_EXPIRY", 60...(60 * 60 * 24 * 7), \StorageSettings.signedUploadExpiry),
        ] {
            guard let raw = value(name) else { continue }
            guard let number = Int(raw), range.contains(number) else {
                throw .invalid(name, raw, "a whole number \(range.lowerBound)-\(range.upperBound)")
            }
            self[keyPath: target] = number
        }
    }

    /// An S3 store needs its endpoint, bucket and keys.
    func validate() throws(ConfigError) {
        guard backend == .s3 else { return }
        for (name, setting) in [
            ("VISIONARY_STORAGE_S3_ENDPOINT", s3Endpoint), ("VISIONARY_STORAGE_S3_BUCKET", s3Bucket),
            ("VISIONARY_STORAGE_S3_ACCESS_KEY_ID", s3AccessKeyID), ("VISIONARY_STORAGE_S3_SECRET_ACCESS_KEY", s3SecretAccessKey),
        ] where setting == nil {
            throw .invalid(name, "(unset)", "a value when VISIONARY_STORAGE_BACKEND is s3")
        }
    }

    /// The settings for `dump-config`, the secret key redacted.
    var redacted: [(name: String, value: String)] {
        [
            ("VISIONARY_STORAGE_BACKEND", backend.rawValue),
            ("VISIONARY_STORAGE_DIR", localDirectory ?? "(<data dir>/storage)"),
            ("VISIONARY_STORAGE_MAX_UPLOAD_SIZE", String(maxUploadSize)),
            ("VISIONARY_STORAGE_S3_ENDPOINT", s3Endpoint ?? "(unset)"),
            ("VISIONARY_STORAGE_S3_BUCKET", s3Bucket ?? "(unset)"),
            ("VISIONARY_STORAGE_S3_REGION", s3Region),
            ("VISIONARY_STORAGE_S3_ACCESS_KEY_ID", s3AccessKeyID ?? "(unset)"),
            ("VISIONARY_STORAGE_S3_SECRET_ACCESS_KEY", s3SecretAccessKey == nil ? "(unset)" : "(set, redacted)"),
            ("VISIONARY_STORAGE_S3_PREFIX", s3KeyPrefix),
            ("VISIONARY_STORAGE_SIGNED_URL_MAX_EXPIRY", String(signedURLMaxExpiry)),
            ("VISIONARY_STORAGE_SIGNED_UPLOAD_EXPIRY", String(signedUploadExpiry)),
        ]
    }
}
