// swift-tools-version:6.0
import PackageDescription

let strict: [SwiftSetting] = [
    .swiftLanguageMode(.v6),
    .enableUpcomingFeature("ExistentialAny"),
]

let package = Package(
    name: "SwiftEV",
    products: [
        .library(name: "SwiftEV", targets: ["SwiftEV"]),
        .library(name: "SwiftEVTesting", targets: ["SwiftEVTesting"]),
        .library(name: "RESP", targets: ["RESP"]),
        .library(name: "Redis", targets: ["Redis"]),
        .library(name: "RedisCluster", targets: ["RedisCluster"]),
        .library(name: "SwiftEVHTTP", targets: ["SwiftEVHTTP"]),
        .library(name: "SwiftEVTLS", targets: ["SwiftEVTLS"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-collections", from: "1.1.0"),
        .package(url: "https://github.com/apple/swift-log", from: "1.6.0"),
        // swift-metrics: the cluster client's metrics (CoreMetrics only). The example cache
        // service only: a Prometheus exporter, command-line flags.
        .package(url: "https://github.com/apple/swift-metrics", from: "2.13.0"),
        .package(url: "https://github.com/swift-server/swift-prometheus", from: "2.4.1"),
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.8.2"),
    ],
    targets: [
        // C shim over libev: the watcher set-up macros become callable functions.
        .target(
            name: "CLibev",
            linkerSettings: [.linkedLibrary("ev")]
        ),
        // The framework: reactor, futures, ByteBuffer, typed pipeline, TCP channels.
        .target(
            name: "SwiftEV",
            dependencies: [
                "CLibev",
                .product(name: "DequeModule", package: "swift-collections"),
                .product(name: "Logging", package: "swift-log"),
            ],
            swiftSettings: strict
        ),
        // Test harness: in-memory channel and a loop with a manual clock.
        .target(
            name: "SwiftEVTesting",
            dependencies: ["SwiftEV", .product(name: "DequeModule", package: "swift-collections")],
            swiftSettings: strict
        ),
        .executableTarget(name: "EchoServer", dependencies: ["SwiftEV"], path: "Examples/EchoServer", swiftSettings: strict),
        // Counts heap allocations for the allocation regression tests (interposes malloc; tests only).
        .target(name: "CAllocationCounter", path: "Tests/CAllocationCounter"),
        .testTarget(name: "SwiftEVTests", dependencies: ["SwiftEV", "SwiftEVTesting", "CAllocationCounter"], swiftSettings: strict),
        // Redis protocol: RESP2/RESP3 values, incremental decoder, command encoder, Swift conversions.
        .target(name: "RESP", dependencies: ["SwiftEV"], swiftSettings: strict),
        // Redis node channel (decoding, handshake, redirects, correlation) and connections.
        .target(
            name: "Redis",
            dependencies: ["SwiftEV", "SwiftEVTLS", "RESP", .product(name: "DequeModule", package: "swift-collections")],
            swiftSettings: strict
        ),
        // Redis Cluster client: topology, routing, the coordinator over node channels.
        .target(
            name: "RedisCluster",
            dependencies: [
                "SwiftEV", "RESP", "Redis", "SwiftEVTLS",
                .product(name: "DequeModule", package: "swift-collections"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "CoreMetrics", package: "swift-metrics"),
            ],
            swiftSettings: strict
        ),
        .testTarget(
            name: "RedisClusterTests",
            dependencies: ["RedisCluster", "Redis", "RESP", "SwiftEV", "SwiftEVTesting", "CAllocationCounter",
                           .product(name: "MetricsTestKit", package: "swift-metrics")],
            // Raw replies captured from a real cluster (scripts/capture-reply.py).
            resources: [.copy("Fixtures")],
            swiftSettings: strict
        ),
        // The command table generator: CommandData/*.json (a server's own COMMAND / COMMAND DOCS,
        // dumped by scripts/dump-command-table.py) → Sources/Redis/Commands/Generated/.
        // Regenerate with `swift run RedisCommandGenerator`.
        .target(name: "CommandTableGenerator", swiftSettings: strict),
        .executableTarget(name: "RedisCommandGenerator", dependencies: ["CommandTableGenerator"], swiftSettings: strict),
        .testTarget(name: "CommandTableGeneratorTests", dependencies: ["CommandTableGenerator"], swiftSettings: strict),
        // ns per CommandRouter.route + slot-table lookup. Not a test.
        .executableTarget(
            name: "RoutingBench",
            dependencies: ["RedisCluster", "Redis", "SwiftEV"],
            path: "Benchmarks/RoutingBench",
            swiftSettings: strict
        ),
        // Single-connection Redis benchmark against a real node, compared with redis-benchmark
        // (Benchmarks/run-redis.sh). Not a test.
        .target(name: "BenchmarkSupport", dependencies: ["RESP", "SwiftEV", "SwiftEVTLS"], path: "Benchmarks/BenchmarkSupport", swiftSettings: strict),
        .executableTarget(
            name: "RedisBenchmark",
            dependencies: ["Redis", "RESP", "SwiftEV", "BenchmarkSupport", "SwiftEVTLS"],
            path: "Benchmarks/RedisBenchmark",
            swiftSettings: strict
        ),
        // Cluster GET/SET benchmark against the local cluster (Benchmarks/run-cluster.sh runs it
        // beside redis-benchmark --cluster and the C reference client). Not a test.
        .executableTarget(
            name: "ClusterBenchmark",
            dependencies: ["RedisCluster", "Redis", "RESP", "SwiftEV", "SwiftEVTLS", "BenchmarkSupport"],
            path: "Benchmarks/ClusterBenchmark",
            swiftSettings: strict
        ),
        .testTarget(name: "RedisTests", dependencies: ["Redis", "RESP", "SwiftEV", "SwiftEVTesting", "CAllocationCounter"], swiftSettings: strict),
        .testTarget(name: "RESPTests", dependencies: ["RESP", "SwiftEV", "CAllocationCounter"], swiftSettings: strict),
        // libFuzzer target; a plain build yields a corpus replayer (see scripts/fuzz-resp.sh).
        .target(name: "CRESPFuzzSupport", path: "Fuzz/CRESPFuzzSupport"),
        .executableTarget(name: "RESPFuzz", dependencies: ["RESP", "CRESPFuzzSupport"], path: "Fuzz/RESPFuzz", swiftSettings: strict),
        .executableTarget(name: "RESPDecodeBench", dependencies: ["RESP"], path: "Benchmarks/RESPDecodeBench", swiftSettings: strict),
        // HTTP/1.1 as framework stages: request parser, decoder/encoder stages, ordered server stage.
        .target(
            name: "SwiftEVHTTP",
            dependencies: ["SwiftEV", .product(name: "DequeModule", package: "swift-collections")],
            swiftSettings: strict
        ),
        .testTarget(name: "SwiftEVHTTPTests", dependencies: ["SwiftEVHTTP", "SwiftEV", "SwiftEVTesting", "CAllocationCounter"], swiftSettings: strict),
        // libFuzzer target for the HTTP request parser; a plain build replays a corpus (scripts/fuzz-http.sh).
        .executableTarget(name: "HTTPFuzz", dependencies: ["SwiftEVHTTP", "SwiftEV", "SwiftEVTesting", "CRESPFuzzSupport"], path: "Fuzz/HTTPFuzz", swiftSettings: strict),
        // Hello-world HTTP server over the stages, driven by wrk (Benchmarks/run-http.sh). Not a test.
        .executableTarget(name: "HTTPBench", dependencies: ["SwiftEVHTTP", "SwiftEV"], path: "Benchmarks/HTTPBench", swiftSettings: strict),
        // The example cache service: per loop, one HTTP listener and one cluster client. Its
        // logic (routes, keys, reply mapping, configuration) and runtime in CacheServiceCore;
        // the executable only parses flags and waits for a signal.
        .target(
            name: "CacheServiceCore",
            dependencies: [
                "SwiftEV", "SwiftEVHTTP", "RESP", "Redis", "RedisCluster",
                "SwiftEVTLS",
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Metrics", package: "swift-metrics"),
                .product(name: "Prometheus", package: "swift-prometheus"),
            ],
            path: "Examples/CacheService/Core",
            swiftSettings: strict
        ),
        .executableTarget(
            name: "CacheService",
            dependencies: [
                "CacheServiceCore", "SwiftEV",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "Logging", package: "swift-log"),
            ],
            path: "Examples/CacheService/Main",
            swiftSettings: strict
        ),
        // Unit tests of the service's plain values, and the built executable against the real
        // cluster through real TCP clients.
        .testTarget(name: "CacheServiceTests", dependencies: ["CacheServiceCore", "RESP", "Redis", "RedisCluster", "SwiftEV", "SwiftEVTLS", "CAllocationCounter"], swiftSettings: strict),
        // ns and allocations per command: typed encoders vs the raw send forms. Not a test.
        .executableTarget(
            name: "CommandEncodeBench",
            dependencies: ["Redis", "RESP", "SwiftEV", "BenchmarkSupport"],
            path: "Benchmarks/CommandEncodeBench",
            swiftSettings: strict
        ),
        // Split multi-key commands and cluster pipelines, per key (Benchmarks/run-cluster-batch.sh
        // runs it beside lvbench and redis-benchmark --cluster). Not a test.
        .executableTarget(
            name: "ClusterBatchBenchmark",
            dependencies: ["RedisCluster", "Redis", "RESP", "SwiftEV", "BenchmarkSupport"],
            path: "Benchmarks/ClusterBatchBenchmark",
            swiftSettings: strict
        ),
        // Sharded pub/sub messages/s and cluster-wide SCAN keys/s (Benchmarks/run-pubsub-scan.sh
        // runs it beside redis-benchmark and redis-cli). Not a test.
        .executableTarget(
            name: "PubSubScanBenchmark",
            dependencies: ["RedisCluster", "Redis", "RESP", "SwiftEV", "BenchmarkSupport"],
            path: "Benchmarks/PubSubScanBenchmark",
            swiftSettings: strict
        ),
        // Typed loop-local commands beside raw submit, pooled WATCH beside a connect per
        // transaction (issue 9). Not a test.
        .executableTarget(
            name: "ClusterFeaturesBench",
            dependencies: ["RedisCluster", "Redis", "RESP", "SwiftEV", "BenchmarkSupport"],
            path: "Benchmarks/ClusterFeaturesBench",
            swiftSettings: strict
        ),
        // Live topology changes under load (issue 11): the load, its accounting and the scenario
        // runner, shared by the ClusterChaos executable and the chaos tests. Not timed by tests.
        .target(
            name: "ClusterChaosKit",
            dependencies: [
                "RedisCluster", "Redis", "RESP", "SwiftEV",
                // The same load through the example cache service, started in-process.
                "CacheServiceCore", .product(name: "Prometheus", package: "swift-prometheus"),
                .product(name: "Logging", package: "swift-log"),
            ],
            path: "Benchmarks/ClusterChaosKit",
            swiftSettings: strict
        ),
        .executableTarget(name: "ClusterChaos", dependencies: ["ClusterChaosKit", "SwiftEV"], path: "Benchmarks/ClusterChaos", swiftSettings: strict),
        .testTarget(name: "ClusterChaosTests", dependencies: ["ClusterChaosKit", "RedisCluster", "Redis", "RESP", "SwiftEV"], swiftSettings: strict),
        // C shim over OpenSSL (Debian libssl-dev): the SSL_ctrl macros as functions.
        .target(
            name: "COpenSSL",
            linkerSettings: [.linkedLibrary("ssl"), .linkedLibrary("crypto")]
        ),
        // TLS for any pipeline: an OpenSSL stage on memory BIOs (client and server), its
        // configuration, context and typed errors.
        .target(name: "SwiftEVTLS", dependencies: ["SwiftEV", "COpenSSL"], swiftSettings: strict),
        .testTarget(name: "SwiftEVTLSTests", dependencies: ["SwiftEVTLS", "SwiftEV", "SwiftEVTesting", "COpenSSL"], swiftSettings: strict),
        // Redis and Redis Cluster over TLS against the TLS nodes scripts/redis-cluster.sh --tls starts.
        .testTarget(name: "RedisTLSTests", dependencies: ["Redis", "RedisCluster", "RESP", "SwiftEV", "SwiftEVTLS"], swiftSettings: strict),
    ]
)
