// swift-tools-version: 6.1
import PackageDescription

let swiftSettings: [SwiftSetting] = [
    .enableUpcomingFeature("ExistentialAny"),
    .enableUpcomingFeature("MemberImportVisibility"),
]

/// OpenBLAS, unpacked by scripts/install-openblas.sh (the Makefile runs it before building). The
/// run-time search path is written as DT_RPATH so it also finds the Fortran runtime OpenBLAS loads.
let openBLASLibrary = (Context.environment["VISIONARY_OPENBLAS_HOME"] ?? "\(Context.packageDirectory)/.tools/openblas") + "/lib"

let package = Package(
    name: "visionary-server",
    platforms: [.macOS(.v15)],
    products: [
        .executable(name: "visionary", targets: ["visionary"]),
        // The pure modules, for Checks/ (`make check`: their tests without the database suites).
        .library(name: "AIModels", targets: ["AIModels"]),
        .library(name: "AppConfig", targets: ["AppConfig"]),
        .library(name: "Core", targets: ["Core"]),
        .library(name: "MultipartForm", targets: ["MultipartForm"]),
        .library(name: "RESTEngine", targets: ["RESTEngine"]),
        .library(name: "RESTErrors", targets: ["RESTErrors"]),
        .library(name: "RESTQuery", targets: ["RESTQuery"]),
        .library(name: "SchemaCache", targets: ["SchemaCache"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser.git", from: "1.8.2"),
        .package(url: "https://github.com/apple/swift-crypto.git", from: "4.5.2"),
        .package(url: "https://github.com/apple/swift-http-types.git", from: "1.8.0"),
        .package(url: "https://github.com/apple/swift-log.git", from: "1.16.2"),
        .package(url: "https://github.com/apple/swift-metrics.git", from: "2.13.0"),
        .package(url: "https://github.com/swift-server/swift-prometheus.git", from: "2.4.1"),
        .package(url: "https://github.com/hummingbird-project/hummingbird.git", from: "2.28.1"),
        .package(url: "https://github.com/apple/swift-nio.git", from: "2.101.2"),
        .package(url: "https://github.com/apple/swift-nio-ssl.git", from: "2.37.6"),
        .package(url: "https://github.com/swift-server/async-http-client.git", from: "1.37.0"),
        .package(url: "https://github.com/swift-server/swift-service-lifecycle.git", from: "2.13.0"),
        .package(url: "https://github.com/vapor/postgres-nio.git", from: "1.33.2"),
    ],
    targets: [
        // Thin executable: parses the command line into an AppConfig and hands over.
        .executableTarget(
            name: "visionary",
            dependencies: [
                "AppConfig", "VisionaryApp",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ],
            swiftSettings: swiftSettings
        ),
        // Composition root: services, routes and start-up order.
        .target(
            name: "VisionaryApp",
            dependencies: [
                "AIModels", "AppConfig", "AuthAPI", "Database", "Doctor", "DomainFunctions", "Embedding", "Fulfilment", "FunctionsAPI", "HTTPSupport", "Jobs", "Knowledge",
                "Mail", "ObjectStore", "Phone",
                "Payments", "Plaid", "Secrets", "Slack", "Teams",
                "RESTAPI", "SchemaCache", "StorageAPI", "Tokens", "TypeGeneration",
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Metrics", package: "swift-metrics"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "Prometheus", package: "swift-prometheus"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "UnixSignals", package: "swift-service-lifecycle"),
            ],
            swiftSettings: swiftSettings
        ),
        // Phone: Twilio texts and calls, phone verification, and the phone check-ins job.
        .target(
            name: "Phone",
            dependencies: [
                "AppConfig", "Core", "Database", "Jobs",
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOFoundationCompat", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
            ],
            swiftSettings: swiftSettings
        ),
        // Secrets: the key ring that seals tokens at rest, and their re-encryption.
        .target(
            name: "Secrets",
            dependencies: [
                "Core", "Database",
                .product(name: "Crypto", package: "swift-crypto"),
            ],
            swiftSettings: swiftSettings
        ),
        // Plaid: its API client and bank links with sealed access tokens.
        .target(
            name: "Plaid",
            dependencies: [
                "AppConfig", "Core", "Database", "Secrets",
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOFoundationCompat", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
            ],
            swiftSettings: swiftSettings
        ),
        // Slack: its Web API client, request signatures, and links with sealed bot tokens.
        .target(
            name: "Slack",
            dependencies: [
                "AppConfig", "Core", "Database", "Secrets", "Tokens",
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOFoundationCompat", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
            ],
            swiftSettings: swiftSettings
        ),
        // Teams: Microsoft's sign-in, Graph and Bot Framework clients, Bot Framework token
        // verification, and Teams links with sealed tokens.
        .target(
            name: "Teams",
            dependencies: [
                "AppConfig", "Core", "Database", "Secrets", "Tokens",
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOFoundationCompat", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
            ],
            swiftSettings: swiftSettings
        ),
        // Payments: Stripe's API client, webhook signatures, checkout and the webhook's effects.
        .target(
            name: "Payments",
            dependencies: [
                "AppConfig", "Core", "Database",
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOFoundationCompat", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
            ],
            swiftSettings: swiftSettings
        ),
        // The system zlib, for the PDF writer's Flate streams.
        .systemLibrary(name: "CZlib", path: "Sources/CZlib"),
        // PDFWriting: a small PDF writer (embedded TrueType fonts, JPEG and PNG images, bleed boxes).
        .target(name: "PDFWriting", dependencies: ["CZlib"], swiftSettings: swiftSettings),
        // Fulfilment: workbook layout and rendering, Prodigi's API client, and the print.fulfil job.
        .target(
            name: "Fulfilment",
            dependencies: [
                "AppConfig", "Core", "Database", "Jobs", "PDFWriting", "StorageAPI",
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOFoundationCompat", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
            ],
            swiftSettings: swiftSettings
        ),
        // OpenBLAS's sgemm, for the built-in embedding model.
        .systemLibrary(name: "COpenBLAS", path: "Sources/COpenBLAS"),
        // Embedding: the EmbeddingModel protocol, the built-in all-MiniLM-L6-v2 (WordPiece, BERT on
        // OpenBLAS) and the OpenAI-compatible /v1/embeddings client.
        .target(
            name: "Embedding",
            dependencies: [
                "COpenBLAS", "Core",
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "NIOConcurrencyHelpers", package: "swift-nio"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOFoundationCompat", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
            ],
            swiftSettings: swiftSettings,
            linkerSettings: [
                .unsafeFlags(["-L\(openBLASLibrary)", "-Xlinker", "--disable-new-dtags", "-Xlinker", "-rpath", "-Xlinker", openBLASLibrary])
            ]
        ),
        .testTarget(name: "AIModelsTests", dependencies: ["AIModels", "AppConfig", "Core"], swiftSettings: swiftSettings),
        .testTarget(name: "EmbeddingTests", dependencies: ["Embedding"], exclude: ["Reference"], swiftSettings: swiftSettings),
        .testTarget(name: "KnowledgeTests", dependencies: ["Knowledge"], swiftSettings: swiftSettings),
        // AIModels: the chat and image models behind the AI features (Gemini, OpenAI-compatible).
        .target(
            name: "AIModels",
            dependencies: [
                "AppConfig", "Core",
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
            ],
            swiftSettings: swiftSettings
        ),
        // Knowledge: sources read (text, Markdown, HTML, PDF), cut into chunks, embedded and searched;
        // the knowledge.ingest job and re-embedding.
        .target(
            name: "Knowledge",
            dependencies: [
                "AppConfig", "Core", "Database", "Embedding", "Jobs", "Tokens",
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
            ],
            swiftSettings: swiftSettings
        ),
        // Mail: the outbox's templates, the SMTP client and the mail.send job.
        .target(
            name: "Mail",
            dependencies: [
                "AppConfig", "Core", "Database", "Jobs",
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOSSL", package: "swift-nio-ssl"),
            ],
            swiftSettings: swiftSettings
        ),
        // Background work: the job queue's operations and the worker that runs them.
        .target(
            name: "Jobs",
            dependencies: [
                "Core", "Database",
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Metrics", package: "swift-metrics"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ],
            swiftSettings: swiftSettings
        ),
        // Types for clients (TypeScript) from the schema cache and the catalog's CHECKs; pure.
        .target(name: "TypeGeneration", dependencies: ["Core", "SchemaCache"], swiftSettings: swiftSettings),
        // The live database report (`visionary doctor`): catalog facts, the rules that grade them, Markdown and JSON; pure.
        .target(name: "Doctor", dependencies: ["Core"], swiftSettings: swiftSettings),
        // The only importer of PostgresNIO: embedded cluster, migrations, connections.
        .target(
            name: "Database",
            dependencies: [
                "AppConfig", "Core", "Doctor", "SchemaCache",
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOSSL", package: "swift-nio-ssl"),
                .product(name: "PostgresNIO", package: "postgres-nio"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ],
            resources: [.copy("Migrations")],
            swiftSettings: swiftSettings
        ),
        // HS256 JWTs: the anon and service_role API keys and user access tokens.
        .target(
            name: "Tokens",
            dependencies: [
                "Core",
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "_CryptoExtras", package: "swift-crypto"),
            ],
            swiftSettings: swiftSettings
        ),
        // HTTP pieces every surface shares: request context, API-key gate, CORS, JSON responses.
        .target(
            name: "HTTPSupport",
            dependencies: [
                "Core", "Tokens",
                .product(name: "HTTPTypes", package: "swift-http-types"),
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Metrics", package: "swift-metrics"),
                .product(name: "NIOCore", package: "swift-nio"),
            ],
            swiftSettings: swiftSettings
        ),
        // /auth/v1: Supabase-compatible sign-up, sessions, refresh-token rotation, admin users.
        .target(
            name: "AuthAPI",
            dependencies: [
                "AppConfig", "Core", "Database", "HTTPSupport", "PasswordHashing", "Tokens",
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOFoundationCompat", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
                .product(name: "HTTPTypes", package: "swift-http-types"),
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Metrics", package: "swift-metrics"),
                .product(name: "NIOPosix", package: "swift-nio"),
            ],
            swiftSettings: swiftSettings
        ),
        // /functions/v1: the gateway — routing by name, JWT verification, error relay.
        .target(
            name: "FunctionsAPI",
            dependencies: [
                "Core", "Database", "HTTPSupport", "Tokens",
                .product(name: "HTTPTypes", package: "swift-http-types"),
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "NIOCore", package: "swift-nio"),
            ],
            swiftSettings: swiftSettings
        ),
        // The app's domain operations as functions: thin handlers over the SQL of the migrations.
        .target(
            name: "DomainFunctions",
            dependencies: ["AIModels", "AppConfig", "Core", "Database", "Embedding", "Fulfilment", "FunctionsAPI", "Knowledge", "Payments", "Phone", "Plaid", "Secrets", "Slack", "StorageAPI", "Teams", "Tokens"],
            swiftSettings: swiftSettings
        ),
        // Object bytes behind one protocol: local files (temp file, fsync, rename) or S3 (SigV4).
        .target(
            name: "ObjectStore",
            dependencies: [
                "Core",
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
            ],
            swiftSettings: swiftSettings
        ),
        // /storage/v1: Supabase-compatible buckets and objects, authorised by RLS on storage.*.
        .target(
            name: "StorageAPI",
            dependencies: [
                "AppConfig", "Core", "Database", "HTTPSupport", "MultipartForm", "ObjectStore", "Tokens",
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "HTTPTypes", package: "swift-http-types"),
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Metrics", package: "swift-metrics"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOFoundationEssentialsCompat", package: "swift-nio"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ],
            swiftSettings: swiftSettings
        ),
        // Pure: the streaming multipart/form-data parser Storage uploads go through.
        .target(name: "MultipartForm", swiftSettings: swiftSettings),
        .testTarget(name: "MultipartFormTests", dependencies: ["MultipartForm"], swiftSettings: swiftSettings),
        // Pure: what the REST planner knows of the exposed schemas.
        .target(name: "SchemaCache", swiftSettings: swiftSettings),
        // /rest/v1: identity, parse → plan → render → execute in the caller's role, response.
        .target(
            name: "RESTAPI",
            dependencies: [
                "Core", "Database", "HTTPSupport", "RESTEngine", "RESTErrors", "RESTQuery", "SchemaCache", "Tokens",
                .product(name: "HTTPTypes", package: "swift-http-types"),
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "NIOCore", package: "swift-nio"),
            ],
            swiftSettings: swiftSettings
        ),
        // Pure: an ApiRequest planned against the schema cache, rendered to one SQL statement.
        .target(name: "RESTEngine", dependencies: ["Core", "RESTErrors", "RESTQuery", "SchemaCache"], swiftSettings: swiftSettings),
        // Pure: the PostgREST query grammar → ApiRequest.
        .target(name: "RESTQuery", dependencies: ["Core"], swiftSettings: swiftSettings),
        .testTarget(name: "RESTQueryTests", dependencies: ["RESTQuery"], swiftSettings: swiftSettings),
        .testTarget(
            name: "RESTEngineTests", dependencies: ["Core", "RESTEngine", "RESTErrors", "RESTQuery", "SchemaCache"],
            swiftSettings: swiftSettings),
        // Pure: the PGRST error catalogue and the SQLSTATE → HTTP table.
        .target(name: "RESTErrors", dependencies: ["Core"], swiftSettings: swiftSettings),
        .testTarget(name: "RESTErrorsTests", dependencies: ["RESTErrors"], swiftSettings: swiftSettings),
        // Pure shared values: JSON values, SQL statements with bound values.
        .target(name: "Core", swiftSettings: swiftSettings),
        // Pure configuration values: defaults, environment, redaction.
        .target(name: "AppConfig", swiftSettings: swiftSettings),
        // Pure bcrypt password hashing (Blowfish constants generated from pi by scripts/).
        .target(name: "PasswordHashing", swiftSettings: swiftSettings),

        .executableTarget(name: "EmbeddingBench", dependencies: ["COpenBLAS", "Embedding"], path: "Benchmarks/EmbeddingBench"),
        .executableTarget(name: "RESTPipelineBench", dependencies: ["Core", "RESTQuery", "RESTEngine", "SchemaCache"], path: "Benchmarks/RESTPipelineBench"),
        // libFuzzer harnesses for the parsers (scripts/fuzz.sh builds them with -DVISIONARY_FUZZ and
        // -sanitize=fuzzer; without that condition this is a stub that says so). Not part of the product.
        .executableTarget(
            name: "VisionaryFuzz",
            dependencies: [
                "Core", "MultipartForm", "RESTEngine", "RESTErrors", "RESTQuery", "SchemaCache", "Tokens",
                .product(name: "Crypto", package: "swift-crypto"),
            ],
            path: "Fuzz/Sources",
            swiftSettings: swiftSettings
        ),
        // Test support: a throwaway embedded cluster shared by the whole test run.
        .target(
            name: "TestSupport",
            dependencies: [
                "AppConfig", "AuthAPI", "Core", "Database", "Secrets", "Tokens", "VisionaryApp",
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "_CryptoExtras", package: "swift-crypto"),
                .product(name: "HTTPTypes", package: "swift-http-types"),
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "HummingbirdTesting", package: "hummingbird"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "PostgresNIO", package: "postgres-nio"),
            ],
            path: "Tests/TestSupport",
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "UnitTests",
            dependencies: [
                "AppConfig", "AuthAPI", "Core", "Database", "FunctionsAPI", "HTTPSupport", "PasswordHashing", "RESTAPI", "RESTErrors",
                "Secrets", "Tokens",
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "HTTPTypes", package: "swift-http-types"),
                .product(name: "PostgresNIO", package: "postgres-nio"),
            ],
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "DatabaseTests",
            dependencies: [
                "Core", "Database", "SchemaCache", "Secrets", "TestSupport",
                .product(name: "Logging", package: "swift-log"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "PostgresNIO", package: "postgres-nio"),
            ],
            resources: [.copy("SQL")],
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "AuthTests",
            dependencies: [
                "AppConfig", "AuthAPI", "Core", "Database", "TestSupport", "Tokens", "VisionaryApp",
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "_CryptoExtras", package: "swift-crypto"),
                .product(name: "HTTPTypes", package: "swift-http-types"),
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "HummingbirdTesting", package: "hummingbird"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "PostgresNIO", package: "postgres-nio"),
            ],
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "MessagingTests",
            dependencies: [
                "AppConfig", "Core", "Database", "Jobs", "Mail", "Phone", "TestSupport", "Tokens", "VisionaryApp",
                .product(name: "HummingbirdTesting", package: "hummingbird"),
            ],
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "JobsTests",
            dependencies: ["AppConfig", "Core", "Database", "Jobs", "TestSupport", "VisionaryApp"],
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "TypeGenerationTests",
            dependencies: ["AppConfig", "Core", "Database", "SchemaCache", "TestSupport", "TypeGeneration", "VisionaryApp"],
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "DoctorTests",
            dependencies: ["AppConfig", "Core", "Database", "Doctor", "TestSupport", "VisionaryApp", "visionary"],
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "RESTTests",
            dependencies: [
                "AppConfig", "Database", "RESTAPI", "SchemaCache", "TestSupport", "Tokens", "VisionaryApp",
                .product(name: "HTTPTypes", package: "swift-http-types"),
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "HummingbirdTesting", package: "hummingbird"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "PostgresNIO", package: "postgres-nio"),
            ],
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "FunctionsTests",
            dependencies: [
                "AppConfig", "Core", "Database", "FunctionsAPI", "Jobs", "Knowledge", "Payments", "Slack", "Teams", "TestSupport", "Tokens", "VisionaryApp",
                .product(name: "_CryptoExtras", package: "swift-crypto"),
                .product(name: "HTTPTypes", package: "swift-http-types"),
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "HummingbirdTesting", package: "hummingbird"),
                .product(name: "NIOCore", package: "swift-nio"),
            ],
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "PrintTests",
            dependencies: [
                "AppConfig", "Core", "Database", "Fulfilment", "Jobs", "Payments", "PDFWriting", "TestSupport", "Tokens", "VisionaryApp",
                .product(name: "HTTPTypes", package: "swift-http-types"),
                .product(name: "HummingbirdTesting", package: "hummingbird"),
                .product(name: "NIOCore", package: "swift-nio"),
            ],
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "StorageTests",
            dependencies: [
                "AppConfig", "ObjectStore", "StorageAPI", "TestSupport", "Tokens",
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "HTTPTypes", package: "swift-http-types"),
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "HummingbirdTesting", package: "hummingbird"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "PostgresNIO", package: "postgres-nio"),
            ],
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "ServerTests",
            dependencies: [
                "AppConfig", "Core", "Database", "Tokens", "TestSupport", "VisionaryApp", "visionary",
                .product(name: "HTTPTypes", package: "swift-http-types"),
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "HummingbirdTesting", package: "hummingbird"),
                .product(name: "PostgresNIO", package: "postgres-nio"),
            ],
            swiftSettings: swiftSettings
        ),
    ]
)
