// swift-tools-version: 6.1
// `make check`: the pure test suites alone (no database, Python or S3 server), built against the
// root package's pure modules without building the database suites. The test folders under
// Tests/ are symbolic links to the root's Tests/ (SwiftPM takes no target outside a package).
import PackageDescription

let swiftSettings: [SwiftSetting] = [
    .enableUpcomingFeature("ExistentialAny"),
    .enableUpcomingFeature("MemberImportVisibility"),
]

// A path dependency is named after its folder, which is the checkout's (any name).
let root = Context.packageDirectory.split(separator: "/").dropLast().last.map(String.init) ?? "visionary-server"

func pure(_ name: String) -> Target.Dependency { .product(name: name, package: root) }

let package = Package(
    name: "visionary-checks",
    platforms: [.macOS(.v15)],
    dependencies: [
        .package(path: ".."),
    ],
    targets: [
        .testTarget(name: "AIModelsTests", dependencies: [pure("AIModels"), pure("AppConfig"), pure("Core")], swiftSettings: swiftSettings),
        .testTarget(name: "RESTQueryTests", dependencies: [pure("RESTQuery")], swiftSettings: swiftSettings),
        .testTarget(
            name: "RESTEngineTests", dependencies: [pure("Core"), pure("RESTEngine"), pure("RESTErrors"), pure("RESTQuery"), pure("SchemaCache")],
            swiftSettings: swiftSettings),
        .testTarget(name: "RESTErrorsTests", dependencies: [pure("RESTErrors")], swiftSettings: swiftSettings),
        .testTarget(name: "MultipartFormTests", dependencies: [pure("MultipartForm")], swiftSettings: swiftSettings),
    ]
)
