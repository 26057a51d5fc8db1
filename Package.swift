// swift-tools-version: 6.1
import PackageDescription

let strict: [SwiftSetting] = [
    .enableUpcomingFeature("ExistentialAny"),
    .enableUpcomingFeature("MemberImportVisibility"),
]

let package = Package(
    name: "JourneyLake",
    platforms: [.macOS(.v14)],
    products: [
        .executable(name: "journeylake", targets: ["journeylake"]),
    ],
    dependencies: [
        .package(url: "https://github.com/groue/GRDB.swift", from: "7.10.0"),
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.8.2"),
        .package(url: "https://github.com/apple/swift-log", from: "1.16.2"),
        .package(url: "https://github.com/apple/swift-metrics", from: "2.13.0"),
        .package(url: "https://github.com/swift-server/swift-service-lifecycle", from: "2.13.0"),
        .package(url: "https://github.com/jpsim/Yams", from: "6.2.2"),
        .package(url: "https://github.com/weichsel/ZIPFoundation", from: "0.9.20"),
        .package(url: "https://github.com/hummingbird-project/hummingbird", from: "2.28.1"),
        .package(url: "https://github.com/apple/swift-http-types", from: "1.8.0"),
        .package(url: "https://github.com/swift-server/swift-prometheus", from: "2.4.1"),
        .package(url: "https://github.com/apple/swift-crypto", "3.12.3"..<"5.0.0"),
    ],
    targets: [
        // Canonical value types and identifier normalization; depends on nothing.
        .target(name: "JourneyModel", swiftSettings: strict),
        // YAML loading with file/line/key errors and secret references.
        .target(name: "JourneyConfig", dependencies: ["JourneyModel", "Yams"], swiftSettings: strict),
        // SQLite schema, migrations, batch writes and read queries.
        .target(
            name: "JourneyStore",
            dependencies: [
                "JourneyModel", .product(name: "GRDB", package: "GRDB.swift"),
                .product(name: "GRDBSQLite", package: "GRDB.swift"),
                // SHA-256 for the forgotten persons' suppression list.
                .product(name: "Crypto", package: "swift-crypto"),
            ],
            swiftSettings: strict),
        // Identity resolution: persons and accounts from the identity graph, merge log and undo.
        // Runs inside the store's batch transaction through the store's identity hook.
        .target(
            name: "Identity",
            dependencies: ["JourneyModel", "JourneyStore", .product(name: "GRDB", package: "GRDB.swift")],
            swiftSettings: strict),
        // Sources: file drop, parsers, vendor presets and mappings.
        .target(
            name: "Connectors",
            dependencies: [
                "JourneyModel", "JourneyConfig", .product(name: "Logging", package: "swift-log"),
                .product(name: "Metrics", package: "swift-metrics"),
                .product(name: "ZIPFoundation", package: "ZIPFoundation"),
            ],
            swiftSettings: strict),
        // The shared definitions (stages, MQL, scoring, SLA), funnel, attribution and next best
        // action, fed by the store's derive hook.
        .target(
            name: "Insights",
            dependencies: [
                "JourneyModel", "JourneyConfig", "JourneyStore", "CMalloc", .product(name: "GRDB", package: "GRDB.swift"),
            ],
            swiftSettings: strict),
        // The analysts' HTTP API: the store's read API and the Insights reports behind bearer
        // tokens, plus /healthz, /readyz, /metrics and /openapi.yaml.
        .target(
            name: "QueryServer",
            dependencies: [
                "JourneyModel", "JourneyConfig", "JourneyStore", "Insights",
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "HTTPTypes", package: "swift-http-types"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Metrics", package: "swift-metrics"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "Crypto", package: "swift-crypto"),
            ],
            swiftSettings: strict),
        // The pipeline (source -> store, one transaction per batch), the scheduler, systemd
        // notification, reload, metrics, and the service group `serve` runs.
        .target(
            name: "Daemon",
            dependencies: [
                "JourneyModel", "JourneyConfig", "JourneyStore", "Identity", "Connectors", "Insights", "QueryServer",
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Metrics", package: "swift-metrics"),
                .product(name: "Prometheus", package: "swift-prometheus"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "UnixSignals", package: "swift-service-lifecycle"),
            ],
            swiftSettings: strict),
        // glibc's mallopt and malloc_trim, and SQLite's sqlite3_config: the executable's allocator
        // settings (MemoryTuning) and the full derive's release of free pages (Insights' FreeMemory).
        .systemLibrary(name: "CMalloc", path: "Sources/CMalloc"),
        .executableTarget(
            name: "journeylake",
            dependencies: [
                "JourneyModel", "JourneyConfig", "JourneyStore", "Identity", "Connectors", "Daemon", "Insights", "QueryServer", "CMalloc",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "Metrics", package: "swift-metrics"),
                .product(name: "Prometheus", package: "swift-prometheus"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "UnixSignals", package: "swift-service-lifecycle"),
            ],
            swiftSettings: strict),
        // Test support only: temporary workspaces with real stores, the CLI runner, store dumps.
        .target(
            name: "JourneyTesting",
            dependencies: [
                "JourneyModel", "JourneyConfig", "JourneyStore", "Identity", "Connectors", "Daemon", "Insights",
                .product(name: "GRDB", package: "GRDB.swift"),
                .product(name: "ZIPFoundation", package: "ZIPFoundation"),
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "HTTPTypes", package: "swift-http-types"),
                .product(name: "Logging", package: "swift-log"),
            ],
            swiftSettings: strict),
        .testTarget(name: "JourneyModelTests", dependencies: ["JourneyModel"], swiftSettings: strict),
        .testTarget(
            name: "InsightsTests",
            dependencies: ["JourneyModel", "JourneyConfig", "JourneyStore", "Insights", "Daemon", "Connectors", "JourneyTesting",
                           .product(name: "GRDB", package: "GRDB.swift")],
            swiftSettings: strict),
        .testTarget(
            name: "IdentityTests",
            dependencies: ["JourneyModel", "JourneyStore", "Identity", "Connectors", "Daemon", "JourneyTesting",
                           .product(name: "GRDB", package: "GRDB.swift")],
            swiftSettings: strict),
        .testTarget(
            name: "DaemonTests",
            dependencies: ["JourneyModel", "JourneyConfig", "JourneyStore", "Identity", "Connectors", "Daemon", "JourneyTesting",
                           .product(name: "GRDB", package: "GRDB.swift")],
            swiftSettings: strict),
        .testTarget(
            name: "JourneyStoreTests",
            dependencies: ["JourneyModel", "JourneyStore", "JourneyTesting", .product(name: "GRDB", package: "GRDB.swift")],
            swiftSettings: strict),
        .testTarget(name: "JourneyConfigTests", dependencies: ["JourneyConfig", "Connectors"], swiftSettings: strict),
        .testTarget(
            name: "IngestTests",
            dependencies: ["JourneyModel", "JourneyConfig", "JourneyStore", "Connectors", "Daemon", "JourneyTesting"],
            exclude: ["Fixtures"],
            swiftSettings: strict),
        .testTarget(
            name: "ConnectorsTests",
            dependencies: [
                "JourneyModel", "JourneyConfig", "JourneyStore", "Connectors", "Daemon", "JourneyTesting",
                .product(name: "MetricsTestKit", package: "swift-metrics"),
            ],
            exclude: ["Fixtures"],
            swiftSettings: strict),
        .testTarget(
            name: "CLITests",
            dependencies: ["journeylake", "JourneyModel", "JourneyTesting"],
            swiftSettings: strict),
        .testTarget(
            name: "QueryServerTests",
            dependencies: [
                "JourneyModel", "JourneyConfig", "JourneyStore", "Insights", "QueryServer", "Daemon", "Connectors", "JourneyTesting",
                .product(name: "Prometheus", package: "swift-prometheus"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "Logging", package: "swift-log"),
            ],
            swiftSettings: strict),
    ]
)
