// swift-tools-version:6.1
// The cache service's Swift peer for Benchmarks/run-cache.sh: the same API on Hummingbird 2 +
// valkey-swift's cluster client — what a Swift server engineer would build today. A separate
// package, so neither Hummingbird, SwiftNIO nor valkey-swift is ever a dependency of SwiftEV.
// valkey-swift is not in the machine's package set: run-cache.sh copies this package to
// CACHE_PEERS_HOME (outside the worktree, kept between runs) and clones valkey-swift into .deps/ there.
// Builds as is against hummingbird 2.28.1 and valkey-swift 1.4.0 (a first release build took
// 123 min of wall time, 25 min of CPU, on the shared 2-core machine); run-cache.sh skips it when
// it does not build.
import PackageDescription

let package = Package(
    name: "CachePeers",
    platforms: [.macOS(.v15)],
    dependencies: [
        .package(url: "https://github.com/hummingbird-project/hummingbird", from: "2.28.1"),
        .package(path: ".deps/valkey-swift"),
    ],
    targets: [
        .executableTarget(
            name: "HummingbirdValkeyCache",
            dependencies: [
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "Valkey", package: "valkey-swift"),
            ],
            swiftSettings: [.swiftLanguageMode(.v6)]
        ),
    ]
)
