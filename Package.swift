// swift-tools-version:6.1
import PackageDescription

/// Settings shared by every target, so the whole package builds the same way.
let swiftSettings: [SwiftSetting] = [
    .enableUpcomingFeature("ExistentialAny"),
    .enableUpcomingFeature("InternalImportsByDefault"),
]

let package = Package(
    name: "chat-backend",
    platforms: [.macOS(.v15)],
    products: [
        .library(name: "ChatDomain", targets: ["ChatDomain"]),
        .library(name: "CSQLite", targets: ["CSQLite"]),
        .library(name: "EventStore", targets: ["EventStore"]),
        .library(name: "Projections", targets: ["Projections"]),
        .library(name: "Gateway", targets: ["Gateway"]),
        .executable(name: "replay", targets: ["replay"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-crypto.git", from: "4.0.0"),
        .package(url: "https://github.com/apple/swift-argument-parser.git", from: "1.5.0"),
    ],
    targets: [
        .systemLibrary(
            name: "CSQLite",
            providers: [.apt(["libsqlite3-dev"])]
        ),
        .target(
            name: "ChatDomain",
            dependencies: [
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "_CryptoExtras", package: "swift-crypto"),
            ],
            swiftSettings: swiftSettings
        ),
        .target(
            name: "EventStore",
            dependencies: [
                "CSQLite",
                .product(name: "Crypto", package: "swift-crypto"),
            ],
            swiftSettings: swiftSettings
        ),
        .target(
            name: "Projections",
            dependencies: ["ChatDomain", "EventStore", "CSQLite"],
            swiftSettings: swiftSettings
        ),
        .target(
            name: "Gateway",
            dependencies: ["ChatDomain", "EventStore", "Projections"],
            swiftSettings: swiftSettings
        ),
        .executableTarget(
            name: "replay",
            dependencies: [
                "ChatDomain", "EventStore", "Projections",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ],
            swiftSettings: swiftSettings
        ),
        .target(
            name: "ChatTestSupport",
            path: "Tests/ChatTestSupport",
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "ChatDomainTests",
            dependencies: ["ChatDomain"],
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "EventStoreTests",
            dependencies: ["EventStore", "ChatTestSupport"],
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "ProjectionsTests",
            dependencies: ["ChatDomain", "EventStore", "Projections", "ChatTestSupport"],
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "GatewayTests",
            dependencies: ["ChatDomain", "EventStore", "Projections", "Gateway", "ChatTestSupport"],
            swiftSettings: swiftSettings
        ),
    ]
)
