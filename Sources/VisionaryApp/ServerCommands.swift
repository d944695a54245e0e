import AppConfig
import Database
import Foundation
import Logging
import Tokens

/// The work behind `visionary serve`, `keys` and `dump-config`, and the line a failed command
/// prints.
public enum ServerCommands {
    /// `visionary serve`: serves until SIGINT/SIGTERM (see `VisionaryServer`).
    public static func serve(config: AppConfig) async throws {
        try await VisionaryServer.run(config: config, logger: makeLogger(config))
    }

    /// `visionary keys`: the anon and service_role API keys, one line each.
    public static func keys(config: AppConfig) throws -> String {
        let keys = APIKeys(secret: try ProjectSecrets.load(config: config).jwtSecret)
        return "anon key:         \(keys.anon)\nservice_role key: \(keys.serviceRole)"
    }

    /// `visionary dump-config`: the effective configuration, one line per setting, names
    /// aligned, secrets redacted.
    public static func settings(config: AppConfig) -> String {
        let width = config.redactedSettings.map(\.name.count).max() ?? 0
        return config.redactedSettings
            .map { name, value in name.padding(toLength: width, withPad: " ", startingAt: 0) + "  " + value }
            .joined(separator: "\n")
    }

    /// What a failed command says about `error`: for a database error, the server's message,
    /// detail and hint.
    public static func describe(_ error: any Error) -> String {
        DatabaseErrorText.describe(error)
    }
}

/// The process's logger, at the configured level (info when the level is not one it knows).
func makeLogger(_ config: AppConfig) -> Logger {
    var logger = switch config.logFormat {
    case .text: Logger(label: "visionary", factory: { TextLogHandler(label: $0) })
    case .json: Logger(label: "visionary", factory: { JSONLogHandler(label: $0) })
    }
    logger.logLevel = Logger.Level(rawValue: config.logLevel) ?? .info
    return logger
}
