import AppConfig
import Testing

@Suite("Storage settings")
struct StorageSettingsTests {
    @Test("local files under the data folder by default")
    func defaults() throws {
        let config = try AppConfig(environment: [:], workingDirectory: "/srv/app")
        #expect(config.storage.backend == .local)
        #expect(config.resolvedStorageDirectory == "/srv/app/.visionary/storage")
        #expect(config.storage.maxUploadSize == 50 * 1024 * 1024)
    }

    @Test("reads the documented variables; the S3 secret is never printed")
    func environment() throws {
        let config = try AppConfig(environment: [
            "VISIONARY_STORAGE_BACKEND": "S3", "VISIONARY_STORAGE_DIR": "staging",
            "VISIONARY_STORAGE_MAX_UPLOAD_SIZE": "1048576", "VISIONARY_STORAGE_S3_ENDPOINT": "https://s3.example.test",
            "VISIONARY_STORAGE_S3_BUCKET": "objects", "VISIONARY_STORAGE_S3_REGION": "eu-central-1",
            "VISIONARY_STORAGE_S3_ACCESS_KEY_ID": "AKIA", "VISIONARY_STORAGE_S3_SECRET_ACCESS_KEY": "very-secret-key",
            "VISIONARY_STORAGE_S3_PREFIX": "app/", "VISIONARY_STORAGE_SIGNED_URL_MAX_EXPIRY": "600",
            "VISIONARY_STORAGE_SIGNED_UPLOAD_EXPIRY": "120",
        ], workingDirectory: "/srv/app")
        #expect(config.storage.backend == .s3)
        #expect(config.resolvedStorageDirectory == "/srv/app/staging")
        #expect(config.storage.maxUploadSize == 1_048_576)
        #expect(config.storage.s3Region == "eu-central-1")
        #expect(config.storage.s3KeyPrefix == "app/")
        #expect(config.storage.signedURLMaxExpiry == 600)
        #expect(config.storage.signedUploadExpiry == 120)
        let printed = config.redactedSettings.map { "\($0.name)=\($0.value)" }.joined(separator: "\n")
        #expect(!printed.contains("very-secret-key"))
        #expect(printed.contains("VISIONARY_STORAGE_S3_BUCKET=objects"))
    }

    @Test("malformed or incomplete storage settings are refused", arguments: [
        ["VISIONARY_STORAGE_BACKEND": "ftp"], ["VISIONARY_STORAGE_MAX_UPLOAD_SIZE": "big"],
        ["VISIONARY_STORAGE_MAX_UPLOAD_SIZE": "0"], ["VISIONARY_STORAGE_SIGNED_UPLOAD_EXPIRY": "5"],
        ["VISIONARY_STORAGE_BACKEND": "s3", "VISIONARY_STORAGE_S3_BUCKET": "b"],
    ])
    func refusesMalformed(environment: [String: String]) {
        #expect(throws: ConfigError.self) { try AppConfig(environment: environment, workingDirectory: "/") }
    }
}
