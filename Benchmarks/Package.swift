// swift-tools-version:6.0
// The echo benchmark: SwiftEV (../) side by side with SwiftNIO and plain C on libev.
// A separate package so that only the benchmarks depend on swift-nio. See README.md.
import PackageDescription

let package = Package(
    name: "SwiftEVBenchmarks",
    dependencies: [
        .package(url: "https://github.com/apple/swift-nio", from: "2.101.0"),
        // The framework under test. The main package itself never depends on swift-nio.
        .package(name: "SwiftEV", path: ".."),
    ],
    targets: [
        // SwiftEV's side, same contract.
        .executableTarget(
            name: "SwiftEVEcho",
            dependencies: [.product(name: "SwiftEV", package: "SwiftEV")],
            swiftSettings: [.swiftLanguageMode(.v6)]
        ),
        // One binary, two subcommands (`server`, `client`), following the
        // command-line contract in README.md.
        .executableTarget(
            name: "NIOEcho",
            dependencies: [
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
            ],
            swiftSettings: [.swiftLanguageMode(.v6)]
        ),
        // The SwiftNIO peer of the main package's HTTPBench, for run-http.sh.
        .executableTarget(
            name: "NIOHTTPHello",
            dependencies: [
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
            ],
            swiftSettings: [.swiftLanguageMode(.v6)]
        ),
    ]
)
