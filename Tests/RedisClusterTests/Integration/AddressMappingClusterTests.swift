import Foundation
import Redis
import RESP
import SwiftEV
import XCTest
@testable import RedisCluster

/// The host-name cluster announces `node-N.swiftev.invalid` (which never resolves): the client
/// reaches its nodes only through `natMap` or `dnsLookup`, and only on 127.0.0.1.
final class AddressMappingClusterTests: ClusterClientTestCase {
    func hostnamePorts() throws -> [Int] { try ClusterTestPorts.list(ClusterTestPorts.hostname, count: 3) }

    /// SET and GET one key in every shard's slots.
    func exerciseEveryShard(_ client: RedisClusterClient) async throws {
        let maybeTopology = await client.topology()
        let topology = try XCTUnwrap(maybeTopology)
        XCTAssertEqual(topology.shards.count, 3)
        XCTAssertTrue(topology.nodes.allSatisfy { $0.endpoint.host.hasSuffix(".swiftev.invalid") },
                      "the client routes by the announced names: \(topology.nodes.map(\.endpoint))")
        for shard in topology.shards {
            let slot = try XCTUnwrap(shard.slots.first?.lowerBound)
            let key = "{\(SlotKeys.tag(forSlot: slot))}:mapped"
            try await client.send("SET", key, shard.primary.endpoint.host)
            let value = try await client.send("GET", key, as: String?.self)
            XCTAssertEqual(value, shard.primary.endpoint.host)
        }
    }

    func testNatMapReachesNodesThatAnnounceUnresolvableNames() async throws {
        let ports = try hostnamePorts()
        var config = configuration(ports: [ports[0]])
        for (index, port) in ports.enumerated() {
            config.natMap[ClusterEndpoint(host: "node-\(index).swiftev.invalid", port: port)] = ClusterEndpoint(host: "127.0.0.1", port: port)
        }
        let client = makeClient(config)
        try await client.connect()
        try await exerciseEveryShard(client)
    }

    func testDnsLookupOverrideReachesThem() async throws {
        let ports = try hostnamePorts()
        var config = configuration(ports: [ports[1]])
        let asked = LockedNames()
        config.dnsLookup = { host in
            asked.insert(host)
            return host.hasSuffix(".swiftev.invalid") ? "127.0.0.1" : nil
        }
        let client = makeClient(config)
        try await client.connect()
        try await exerciseEveryShard(client)
        XCTAssertEqual(asked.names, Set(ports.indices.map { "node-\($0).swiftev.invalid" }))
    }

    func testWithoutAMappingTheErrorNamesTheUnresolvableHost() async throws {
        let ports = try hostnamePorts()
        var config = configuration(ports: [ports[0]])
        config.clusterRetryStrategy = { attempt, _ in attempt >= 2 ? nil : .milliseconds(20) }
        let client = makeClient(config)
        // The seed answers (it is dialled by IP), but the nodes it announces cannot be reached:
        // the ready check on one of them fails, and the error says which host and why.
        do {
            try await client.connect()
            XCTFail("should not reach an unresolvable host")
        } catch let error as RedisClusterError {
            guard case .noReachableNode(let failures) = error.kind, let failure = failures.first else { return XCTFail("\(error)") }
            XCTAssertTrue(failure.endpoint.host.hasSuffix(".swiftev.invalid"), "\(failure)")
            guard case .unreachable(let why) = failure.cause else { return XCTFail("\(failure)") }
            XCTAssertTrue(why.contains("cannot resolve"), why)
        }
    }
}

/// Host names a lookup closure was asked for (it may run on any loop).
final class LockedNames: @unchecked Sendable {
    // @unchecked: every access goes through `lock`.
    private let lock = NSLock()
    private var set = Set<String>()
    func insert(_ name: String) { lock.lock(); set.insert(name); lock.unlock() }
    var names: Set<String> { lock.lock(); defer { lock.unlock() }; return set }
}
