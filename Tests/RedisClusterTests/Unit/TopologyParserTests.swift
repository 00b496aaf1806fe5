import Foundation
import RESP
import SwiftEV
import XCTest
@testable import RedisCluster

/// The parsers against replies captured from a real 7.0.15 cluster (Fixtures/, written by
/// scripts/capture-reply.py: healthy; 0.3 s after `kill -9` of the primary on 7602; after its
/// replica 7605 took over; with `cluster-announce-hostname` and preferred endpoint `hostname`;
/// with preferred endpoint `unknown-endpoint`), in RESP2 and RESP3, and hand-built edge cases.
final class TopologyParserTests: XCTestCase {
    // Node IDs of the cluster the healthy/killed/failover fixtures were captured from.
    static let ids = [
        7600: "db21807ec3f2eb1f082725b4cf1a068ca3666975", 7601: "f662e07ae930f4017602a40d0df1fcc59cb9510a",
        7602: "281f9ad0a64a45833a45d71cfae018530c9e1761", 7603: "88ccd889f0e53f8775ff516fac58b92da64beae6",
        7604: "68d52122691d82ed45b03ffaad6dd0572c26963c", 7605: "8003f041513daba3b6facdb826b5925ee81dd49f",
    ]

    func fixture(_ name: String) throws -> RESPValue {
        let url = try XCTUnwrap(Bundle.module.resourceURL?.appendingPathComponent("Fixtures/\(name)"))
        var buffer = ByteBuffer(bytes: Array(try Data(contentsOf: url)))
        var decoder = RESPDecoder()
        let value = try XCTUnwrap(try decoder.decode(&buffer), "\(name) holds a whole reply")
        XCTAssertEqual(buffer.readableBytes, 0, "\(name) holds one reply")
        return value
    }

    /// `[(primary port, slots, replica ports)]`, sorted by first slot.
    func layout(_ topology: ClusterTopology) -> [String] {
        topology.shards.map { shard in
            "\(shard.primary.endpoint.port) \(shard.slots.map { "\($0.lowerBound)-\($0.upperBound)" }) \(shard.replicas.map(\.endpoint.port).sorted())"
        }
    }

    func both(_ name: String, _ parse: (RESPValue) throws -> ClusterTopology) throws -> ClusterTopology {
        let resp2 = try parse(try fixture("\(name).resp2"))
        let resp3 = try parse(try fixture("\(name).resp3"))
        XCTAssertEqual(resp2, resp3, "\(name): RESP2 and RESP3 give the same topology")
        return resp3
    }

    func testHealthyShardsAndSlots() throws {
        for topology in [try both("cluster-shards-healthy") { try ShardsParser.parse($0) },
                         try both("cluster-slots-healthy") { try SlotsParser.parse($0) }] {
            XCTAssertEqual(layout(topology), ["7600 [\"0-5460\"] [7603]", "7601 [\"5461-10922\"] [7604]", "7602 [\"10923-16383\"] [7605]"])
            XCTAssertEqual(topology.coveredSlots, 16384)
            XCTAssertEqual(topology.shards.map(\.primary.id), [7600, 7601, 7602].map { Self.ids[$0]! })
            XCTAssertEqual(topology.shards.flatMap(\.replicas).map(\.id), [7603, 7604, 7605].map { Self.ids[$0]! })
            XCTAssertTrue(topology.nodes.allSatisfy { $0.endpoint.host == "127.0.0.1" && $0.health == .online })
            XCTAssertEqual(topology.shard(forSlot: 12182)?.primary.endpoint, ClusterEndpoint(host: "127.0.0.1", port: 7602))
        }
    }

    func testADeadPrimaryListedAsASlotlessShardIsLeftOutNotAFailure() throws {
        let shards = try both("cluster-shards-after-failover") { try ShardsParser.parse($0) }
        XCTAssertEqual(layout(shards), ["7600 [\"0-5460\"] [7603]", "7601 [\"5461-10922\"] [7604]", "7605 [\"10923-16383\"] []"])
        XCTAssertEqual(shards.coveredSlots, 16384)
        XCTAssertFalse(shards.nodes.contains { $0.endpoint.port == 7602 }, "the dead primary is in no shard")
        let slots = try both("cluster-slots-after-failover") { try SlotsParser.parse($0) }
        XCTAssertTrue(shards.sameLayout(as: slots))
    }

    func testRightAfterAKillThePrimaryStillServesItsSlots() throws {
        let shards = try both("cluster-shards-primary-killed") { try ShardsParser.parse($0) }
        XCTAssertEqual(shards.coveredSlots, 16384)
        XCTAssertEqual(shards.shard(forSlot: 16383)?.primary.endpoint.port, 7602, "not failed over yet")
        let slots = try both("cluster-slots-primary-killed") { try SlotsParser.parse($0) }
        XCTAssertTrue(shards.sameLayout(as: slots))
    }

    func testHostnamesInTheAdvertisedOrderOrByPreference() throws {
        let shards = try both("cluster-shards-hostnames") { try ShardsParser.parse($0) }
        XCTAssertEqual(shards.nodes.map(\.endpoint.host).sorted(), (7600...7605).map { "node-\($0).swiftev.invalid" })
        XCTAssertTrue(shards.nodes.allSatisfy { $0.endpoint.host == "node-\($0.endpoint.port).swiftev.invalid" })
        let byIP = try ShardsParser.parse(try fixture("cluster-shards-hostnames.resp3"), preferredEndpoint: .ip)
        XCTAssertTrue(byIP.nodes.allSatisfy { $0.endpoint.host == "127.0.0.1" })

        let slots = try both("cluster-slots-hostnames") { try SlotsParser.parse($0) }
        XCTAssertTrue(slots.nodes.allSatisfy { $0.endpoint.host == "node-\($0.endpoint.port).swiftev.invalid" })
        let slotsByIP = try SlotsParser.parse(try fixture("cluster-slots-hostnames.resp2"), preferredEndpoint: .ip)
        XCTAssertTrue(slotsByIP.nodes.allSatisfy { $0.endpoint.host == "127.0.0.1" }, "the metadata's ip")
    }

    func testAnUnknownEndpointFallsBackToHostnameThenIP() throws {
        let shards = try both("cluster-shards-unknown-endpoint") { try ShardsParser.parse($0) }
        XCTAssertEqual(shards.nodes.count, 6)
        XCTAssertTrue(shards.nodes.allSatisfy { $0.endpoint.host == "node-\($0.endpoint.port).swiftev.invalid" }, "\(shards.nodes)")
        let slots = try both("cluster-slots-unknown-endpoint") { try SlotsParser.parse($0) }
        XCTAssertTrue(slots.nodes.allSatisfy { $0.endpoint.host == "node-\($0.endpoint.port).swiftev.invalid" }, "\(slots.nodes)")
        XCTAssertEqual(slots.coveredSlots, 16384)
    }

    // MARK: - Hand-built edge cases

    func node(_ id: String, _ port: Int, _ role: String, health: String = "online", extra: [(String, RESPValue)] = []) -> RESPValue {
        .map([
            (.bulkString("id"), .bulkString(ByteBuffer(string: id))), (.bulkString("port"), .integer(Int64(port))),
            (.bulkString("ip"), .bulkString("127.0.0.1")), (.bulkString("endpoint"), .bulkString("127.0.0.1")),
            (.bulkString("role"), .bulkString(ByteBuffer(string: role))), (.bulkString("health"), .bulkString(ByteBuffer(string: health))),
        ] + extra.map { (.bulkString(ByteBuffer(string: $0.0)), $0.1) })
    }

    func shard(_ slots: [Int], _ nodes: [RESPValue], extra: [(String, RESPValue)] = []) -> RESPValue {
        .map([(.bulkString("slots"), .array(slots.map { .integer(Int64($0)) })), (.bulkString("nodes"), .array(nodes))]
            + extra.map { (.bulkString(ByteBuffer(string: $0.0)), $0.1) })
    }

    func testFailedAndLoadingReplicasShardIDsAndUnknownFields() throws {
        let reply: RESPValue = .array([
            shard([0, 100, 200, 16383], [
                node("p", 1, "master", extra: [("shard-id", .bulkString("s1")), ("future-field", .array([.integer(1)]))]),
                node("r1", 2, "replica", health: "fail"), node("r2", 3, "replica", health: "loading"),
            ], extra: [("another-future-field", .boolean(true))]),
            shard([101, 199], [node("q", 4, "master", health: "fail")]),
            shard([], [node("dead", 5, "master", health: "fail")]),
        ])
        let topology = try ShardsParser.parse(reply)
        XCTAssertEqual(topology.shards.map(\.primary.id), ["p", "q"])
        XCTAssertEqual(topology.shards[0].id, "s1")
        XCTAssertEqual(topology.shards[0].slots, [0...100, 200...16383])
        XCTAssertEqual(topology.shards[0].replicas.map(\.id), ["r2"], "the failed replica is left out, the loading one kept")
        XCTAssertEqual(topology.shards[0].replicas.first?.health, .loading)
        XCTAssertEqual(topology.shards[1].primary.health, .failed, "a failed primary still owns its slots until the failover")
        XCTAssertEqual(topology.coveredSlots, 16384)
    }

    func expectError(_ reply: RESPValue, _ reason: TopologyParseError.Reason, at location: String, slots: Bool = false,
                     file: StaticString = #filePath, line: UInt = #line) {
        do {
            _ = slots ? try SlotsParser.parse(reply) : try ShardsParser.parse(reply)
            XCTFail("expected \(reason)", file: file, line: line)
        } catch {
            XCTAssertEqual(error.reason, reason, "\(error)", file: file, line: line)
            XCTAssertEqual(error.location, location, "\(error)", file: file, line: line)
            XCTAssertEqual(error.command, slots ? "CLUSTER SLOTS" : "CLUSTER SHARDS", file: file, line: line)
        }
    }

    func testMalformedRepliesAreTypedErrorsSayingWhere() {
        expectError(.simpleError("ERR unknown subcommand 'SHARDS'"), .serverError("ERR unknown subcommand 'SHARDS'"), at: "")
        expectError(.integer(3), .unexpectedType(expected: "an array", got: RESPValue.integer(3).typeName), at: "")
        expectError(.array([shard([0, 1, 2], [node("p", 1, "master")])]), .invalidValue(field: "slots", value: "3 bounds"), at: "shard 0")
        expectError(.array([shard([5, 1], [node("p", 1, "master")])]), .invalidValue(field: "slot range", value: "5-1"), at: "shard 0")
        expectError(.array([shard([0, 16384], [node("p", 1, "master")])]), .invalidValue(field: "slot range", value: "0-16384"), at: "shard 0")
        expectError(.array([shard([0, 1], [node("r", 1, "replica")])]), .noPrimary, at: "shard 0")
        expectError(.array([shard([0, 1], [node("p", 1, "boss")])]), .invalidValue(field: "role", value: "boss"), at: "shard 0, node 0")
        let noPort: RESPValue = .map([(.bulkString("id"), .bulkString("p")), (.bulkString("role"), .bulkString("master")),
                                      (.bulkString("ip"), .bulkString("127.0.0.1"))])
        expectError(.array([shard([0, 1], [node("p", 1, "master")]), shard([2, 3], [noPort])]), .missingField("port"), at: "shard 1, node 0")
        expectError(.array([.map([(.bulkString("nodes"), .array([]))])]), .missingField("slots"), at: "shard 0")
        // CLUSTER SLOTS
        expectError(.array([.array([.integer(0), .integer(1)])]), .unexpectedType(expected: "[start, end, primary, …]", got: "an array of 2"),
                    at: "range 0", slots: true)
        expectError(.array([.array([.integer(0), .integer(1), .array([.bulkString("h"), .integer(70000)])])]),
                    .invalidValue(field: "port", value: "70000"), at: "range 0, primary", slots: true)
        expectError(.array([.array([.integer(0), .integer(1), .array([.bulkString("?"), .integer(7000)])])]),
                    .noUsableEndpoint, at: "range 0, primary", slots: true)
    }

    func testSlotsGroupsRangesByPrimary() throws {
        func entry(_ start: Int, _ end: Int, _ nodes: [(String, Int, String)]) -> RESPValue {
            .array([.integer(Int64(start)), .integer(Int64(end))] + nodes.map {
                .array([.bulkString(ByteBuffer(string: $0.0)), .integer(Int64($0.1)), .bulkString(ByteBuffer(string: $0.2))])
            })
        }
        let topology = try SlotsParser.parse(.array([
            entry(10000, 16383, [("127.0.0.1", 2, "b"), ("127.0.0.1", 4, "b2")]),
            entry(0, 99, [("127.0.0.1", 1, "a"), ("127.0.0.1", 3, "a2")]),
            entry(100, 9999, [("127.0.0.1", 1, "a"), ("127.0.0.1", 3, "a2"), ("", 5, "a3")]),
        ]))
        XCTAssertEqual(layout(topology), ["1 [\"0-99\", \"100-9999\"] [3]", "2 [\"10000-16383\"] [4]"], "the empty-host replica is left out")
        XCTAssertEqual(topology.coveredSlots, 16384)
    }
}
