// swift-tools-version:6.1
import PackageDescription

// A package of its own, so `swift test` in the main package stays lean.
//   swift run -c release --package-path Benchmarks chat-benchmarks all     (event store)
//   swift run -c release --package-path Benchmarks chat-bench --help       (load generator)
//   swift run -c release --package-path Benchmarks chat-echo-server        (the framing ceiling)
let package = Package(
    name: "chat-benchmarks",
    platforms: [.macOS(.v15)],
    dependencies: [
        .package(name: "chat-backend", path: "../"),
        .package(url: "https://github.com/apple/swift-argument-parser.git", from: "1.5.0"),
        .package(url: "https://github.com/apple/swift-nio.git", from: "2.80.0"),
        .package(url: "https://github.com/apple/swift-nio-extras.git", from: "1.24.0"),
        .package(url: "https://github.com/HdrHistogram/hdrhistogram-swift.git", from: "0.1.0"),
        .package(url: "https://github.com/vapor/postgres-nio.git", from: "1.33.0"),
        .package(url: "https://github.com/apple/swift-log.git", from: "1.6.0"),
    ],
    targets: [
        .executableTarget(
            name: "chat-benchmarks",
            dependencies: [
                .product(name: "ChatDomain", package: "chat-backend"),
                .product(name: "EventStore", package: "chat-backend"),
                .product(name: "Projections", package: "chat-backend"),
                .product(name: "Keyring", package: "chat-backend"),
                .product(name: "Gateway", package: "chat-backend"),
                .product(name: "CSQLite", package: "chat-backend"),
                .product(name: "PostgresBackend", package: "chat-backend"),
                .product(name: "PostgresNIO", package: "postgres-nio"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ]
        ),
        .executableTarget(
            name: "chat-bench",
            dependencies: [
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
                .product(name: "NIOWebSocket", package: "swift-nio"),
                .product(name: "NIOExtras", package: "swift-nio-extras"),
                .product(name: "Histogram", package: "hdrhistogram-swift"),
            ]
        ),
        .executableTarget(
            name: "chat-echo-server",
            dependencies: [
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
                .product(name: "NIOWebSocket", package: "swift-nio"),
            ]
        ),
    ]
)
