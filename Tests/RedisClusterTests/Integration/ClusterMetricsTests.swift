import MetricsTestKit
import Redis
import RESP
import SwiftEV
import XCTest
@testable import RedisCluster

/// The client's own figures through swift-metrics (`ClusterMetricsOptions`), into a test
/// backend, against the real cluster.
final class ClusterMetricsTests: ClusterClientTestCase {
    func metricsConfiguration(ports: [Int], into metrics: TestMetrics) -> RedisClusterConfiguration {
        var config = configuration(ports: ports)
        // Sampled by the test itself (`sample()` on the loop), so the figures it reads are the
        // ones of that moment.
        config.metrics = ClusterMetricsOptions(dimensions: [("cluster", "main")], sampleInterval: .seconds(3600), factory: metrics)
        return config
    }

    func testCountersGaugesAndMetersFollowTheClient() async throws {
        let metrics = TestMetrics()
        let client = makeClient(metricsConfiguration(ports: try mainPorts(), into: metrics))
        try await client.connect()
        let cluster = [("cluster", "main")]
        XCTAssertGreaterThanOrEqual(try metrics.expectCounter("redis_cluster_topology_refreshes_total", cluster).totalValue, 1)

        // Commands written and not answered yet, seen from the loop in the same turn.
        let keys = (0..<40).map { "metrics:\($0)" }
        let sampled = try await loop.submit { () -> (Double?, Double?, Double?) in
            for key in keys { client.submit(RedisCommand("GET", key)) { _ in } }
            let recorder = client.coordinatorForTests.metrics!
            recorder.sample()
            return (try? metrics.expectMeter("redis_cluster_commands_in_flight", cluster).lastValue,
                    try? metrics.expectGauge("redis_cluster_nodes", [("role", "primary")] + cluster).lastValue,
                    try? metrics.expectGauge("redis_cluster_nodes", [("role", "replica")] + cluster).lastValue)
        }.get()
        XCTAssertEqual(sampled.0, 40, "40 GETs on the node connections")
        XCTAssertEqual(sampled.1, 3)
        XCTAssertEqual(sampled.2, 3)
        _ = try await client.send("PING")  // on a primary's connection behind some of the GETs
        let drained = try await loop.submit { () -> Double? in
            client.coordinatorForTests.metrics!.sample()
            return try? metrics.expectMeter("redis_cluster_commands_in_flight", cluster).lastValue
        }.get()
        XCTAssertNotNil(drained)
        XCTAssertLessThan(drained ?? 99, 40, "answered commands leave the meter")

        // A failure the client decides itself is counted by kind.
        do {
            _ = try await client.send("RENAME", "{a}x", "{b}y")
            XCTFail("keys in two slots cannot be renamed")
        } catch let error as RedisClusterError {
            XCTAssertEqual(error.kind.metricName, "cross_slot")
        }
        XCTAssertEqual(try metrics.expectCounter("redis_cluster_command_errors_total", [("kind", "cross_slot")] + cluster).totalValue, 1)

        // Closed: its share of the meters goes back to zero (the next sample sees the close).
        await client.close()
        try await loop.submit { client.coordinatorForTests.metrics!.startSampling(client.coordinatorForTests) }.get()
        XCTAssertEqual(try metrics.expectMeter("redis_cluster_commands_in_flight", cluster).lastValue, 0)
    }

    func testUnreachableNodesAndGivingUpAreCounted() async throws {
        let metrics = TestMetrics()
        var config = metricsConfiguration(ports: [1], into: metrics)
        config.clusterRetryStrategy = { attempt, _ in attempt >= 2 ? nil : .milliseconds(20) }
        let client = makeClient(config)
        do {
            _ = try await client.send("GET", "k")
            XCTFail("no node to send to")
        } catch let error as RedisClusterError {
            guard case .noReachableNode = error.kind else { return XCTFail("\(error)") }
        }
        let cluster = [("cluster", "main")]
        XCTAssertGreaterThanOrEqual(try metrics.expectCounter("redis_cluster_node_errors_total", [("cause", "unreachable")] + cluster).totalValue, 2,
                                    "each round's dial of the seed")
        XCTAssertEqual(try metrics.expectCounter("redis_cluster_command_errors_total", [("kind", "no_reachable_node")] + cluster).totalValue, 1)
    }

    func testNoMetricsWhenTurnedOff() async throws {
        let metrics = TestMetrics()
        var config = metricsConfiguration(ports: try mainPorts(), into: metrics)
        config.metrics = nil
        let client = makeClient(config)
        try await client.connect()
        _ = try await client.send("GET", "metrics:off")
        XCTAssertTrue(metrics.counters.isEmpty && metrics.meters.isEmpty && metrics.recorders.isEmpty)
        let recorder = try await loop.submit { client.coordinatorForTests.metrics == nil }.get()
        XCTAssertTrue(recorder)
    }
}

/// MOVED on the scratch cluster (a slot moved by hand), counted as a redirect.
final class ClusterMetricsRedirectTests: ScratchClusterClientTestCase {
    func testMovedIsCounted() async throws {
        let metrics = TestMetrics()
        let client = try makeScratchClient {
            $0.slotsRefreshInterval = nil
            $0.metrics = ClusterMetricsOptions(factory: metrics)
        }
        try await client.connect()
        let slot = 2345
        let key = "{\(SlotKeys.tag(forSlot: slot))}:metrics"
        try await client.send("SET", key, "v")
        let owner = try await control.owner(ofSlot: slot)
        try await control.migrateSlot(slot, to: try await otherPrimary(than: owner.port))
        let value = try await client.send("GET", key, as: String?.self)
        XCTAssertEqual(value, "v", "the GET followed MOVED")
        XCTAssertEqual(try metrics.expectCounter("redis_cluster_redirects_total", [("type", "moved")]).totalValue, 1)
        XCTAssertEqual(metrics.counters(label: "redis_cluster_redirects_total", dimensions: [("type", "ask")]).first?.totalValue ?? 0, 0)
    }
}
