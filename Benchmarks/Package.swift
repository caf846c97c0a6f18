// swift-tools-version:6.1
import PackageDescription

// A package of its own, so `swift test` in the main package stays lean.
// Run: swift run -c release --package-path Benchmarks chat-benchmarks all
let package = Package(
    name: "chat-benchmarks",
    platforms: [.macOS(.v15)],
    dependencies: [
        .package(name: "chat-backend", path: "../"),
        .package(url: "https://github.com/apple/swift-argument-parser.git", from: "1.5.0"),
    ],
    targets: [
        .executableTarget(
            name: "chat-benchmarks",
            dependencies: [
                .product(name: "ChatDomain", package: "chat-backend"),
                .product(name: "EventStore", package: "chat-backend"),
                .product(name: "Projections", package: "chat-backend"),
                .product(name: "CSQLite", package: "chat-backend"),
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ]
        )
    ]
)
