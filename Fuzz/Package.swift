// swift-tools-version:6.1
import PackageDescription

// libFuzzer targets that need NIO, built only by scripts/fuzz.sh (in debug, so that
// `@testable import Gateway` reaches the internal pipeline):
//   swift build --package-path Fuzz -Xswiftc -sanitize=fuzzer,address
// The JSON command fuzzer needs no package: see scripts/fuzz.sh.
let package = Package(
    name: "chat-fuzz",
    platforms: [.macOS(.v15)],
    dependencies: [
        .package(name: "chat-backend", path: "../"),
        .package(url: "https://github.com/apple/swift-nio.git", from: "2.80.0"),
    ],
    targets: [
        .target(name: "CLibFuzzer"),
        .target(
            name: "FuzzSupport",
            dependencies: [
                "CLibFuzzer",
                .product(name: "Gateway", package: "chat-backend"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOEmbedded", package: "swift-nio"),
            ]
        ),
        .executableTarget(name: "framing-fuzzer", dependencies: ["FuzzSupport"]),
        .executableTarget(name: "websocket-fuzzer", dependencies: ["FuzzSupport"]),
    ]
)
