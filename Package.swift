// swift-tools-version:6.2
import PackageDescription

/// Settings shared by every target, so the whole package builds the same way. CI sets
/// `CHAT_WARNINGS_AS_ERRORS=1`, so that no warning lands.
let swiftSettings: [SwiftSetting] =
    [
        .enableUpcomingFeature("ExistentialAny"),
        .enableUpcomingFeature("InternalImportsByDefault"),
    ] + (Context.environment["CHAT_WARNINGS_AS_ERRORS"] == "1" ? [.treatAllWarnings(as: .error)] : [])

let package = Package(
    name: "chat-backend",
    platforms: [.macOS(.v15)],
    products: [
        .library(name: "ChatDomain", targets: ["ChatDomain"]),
        .library(name: "CSQLite", targets: ["CSQLite"]),
        .library(name: "EventStore", targets: ["EventStore"]),
        .library(name: "Keyring", targets: ["Keyring"]),
        .library(name: "Projections", targets: ["Projections"]),
        .library(name: "PostgresBackend", targets: ["PostgresBackend"]),
        .library(name: "Gateway", targets: ["Gateway"]),
        .executable(name: "replay", targets: ["replay"]),
        .executable(name: "chat-gateway", targets: ["chat-gateway"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-crypto.git", from: "4.0.0"),
        .package(url: "https://github.com/apple/swift-argument-parser.git", from: "1.5.0"),
        .package(url: "https://github.com/apple/swift-nio.git", from: "2.80.0"),
        .package(url: "https://github.com/apple/swift-log.git", from: "1.6.0"),
        .package(url: "https://github.com/swift-server/swift-service-lifecycle.git", from: "2.6.0"),
        .package(url: "https://github.com/apple/swift-metrics.git", from: "2.5.0"),
        .package(url: "https://github.com/swift-server/swift-prometheus.git", from: "2.0.0"),
        .package(url: "https://github.com/vapor/postgres-nio.git", from: "1.33.0"),
        .package(url: "https://github.com/apple/swift-nio-ssl.git", from: "2.30.0"),
    ],
    targets: [
        .systemLibrary(
            name: "CSQLite",
            providers: [.apt(["libsqlite3-dev"])]
        ),
        .target(
            name: "JSON",
            swiftSettings: swiftSettings
        ),
        .target(
            name: "ChatDomain",
            dependencies: [
                "JSON",
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "_CryptoExtras", package: "swift-crypto"),
            ],
            swiftSettings: swiftSettings
        ),
        .target(
            name: "EventStore",
            dependencies: [
                "CSQLite", "JSON",
                .product(name: "Crypto", package: "swift-crypto"),
            ],
            swiftSettings: swiftSettings
        ),
        .target(
            name: "Keyring",
            dependencies: [
                "ChatDomain", "EventStore",
                .product(name: "Crypto", package: "swift-crypto"),
            ],
            swiftSettings: swiftSettings
        ),
        .target(
            name: "Projections",
            dependencies: ["ChatDomain", "EventStore", "Keyring", "CSQLite", "JSON"],
            swiftSettings: swiftSettings
        ),
        .target(
            name: "PostgresBackend",
            dependencies: [
                "ChatDomain", "EventStore", "Keyring", "Projections", "JSON",
                .product(name: "PostgresNIO", package: "postgres-nio"),
                .product(name: "NIOSSL", package: "swift-nio-ssl"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "Logging", package: "swift-log"),
            ],
            swiftSettings: swiftSettings
        ),
        .target(
            name: "Gateway",
            dependencies: [
                "ChatDomain", "EventStore", "Keyring", "Projections", "JSON",
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
                .product(name: "NIOWebSocket", package: "swift-nio"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "Metrics", package: "swift-metrics"),
                .product(name: "Prometheus", package: "swift-prometheus"),
            ],
            swiftSettings: swiftSettings
        ),
        .executableTarget(
            name: "chat-gateway",
            dependencies: [
                "Gateway", "EventStore", "Keyring", "Projections", "PostgresBackend",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ],
            swiftSettings: swiftSettings
        ),
        .executableTarget(
            name: "replay",
            dependencies: [
                "ChatDomain", "EventStore", "Keyring", "Projections", "PostgresBackend",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ],
            swiftSettings: swiftSettings
        ),
        .target(
            name: "ChatTestSupport",
            path: "Tests/ChatTestSupport",
            swiftSettings: swiftSettings
        ),
        .target(
            name: "BackendTestSupport",
            dependencies: [
                "ChatTestSupport", "EventStore", "Keyring", "Projections", "PostgresBackend",
                .product(name: "Logging", package: "swift-log"),
            ],
            path: "Tests/BackendTestSupport",
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "BackendConformanceTests",
            dependencies: [
                "BackendTestSupport", "ChatTestSupport", "ChatDomain", "EventStore", "Keyring", "Projections",
                "PostgresBackend",
            ],
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "JSONTests",
            dependencies: ["JSON"],
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "ChatDomainTests",
            dependencies: ["ChatDomain", "JSON"],
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "EventStoreTests",
            dependencies: ["EventStore", "ChatTestSupport"],
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "ProjectionsTests",
            dependencies: ["ChatDomain", "EventStore", "Keyring", "Projections", "ChatTestSupport"],
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "GatewayTests",
            dependencies: [
                "ChatDomain", "EventStore", "Keyring", "Projections", "Gateway", "ChatTestSupport", "JSON",
                "BackendTestSupport",
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOEmbedded", package: "swift-nio"),
                .product(name: "NIOWebSocket", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
                .product(name: "Logging", package: "swift-log"),
            ],
            swiftSettings: swiftSettings
        ),
    ]
)
