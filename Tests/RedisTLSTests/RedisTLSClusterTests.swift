import Foundation
import Redis
@testable import RedisCluster
import RESP
import SwiftEV
import SwiftEVTLS
import XCTest

/// The cluster client against the TLS-only cluster: discovery through the TLS ports and host
/// names it advertises, MOVED, a failover and back.
final class RedisTLSClusterTests: XCTestCase {
    private typealias Env = TLSTestEnvironment
    private typealias Control = TLSClusterControl
    private var clients: [RedisClusterClient] = []

    override func tearDown() async throws {
        for client in clients { await client.close() }
        clients.removeAll()
        try await super.tearDown()
    }

    private func client(refresh: TimeAmount? = .seconds(5)) throws -> RedisClusterClient {
        var config = try Env.clusterConfiguration()
        config.slotsRefreshInterval = refresh
        let client = RedisClusterClient(configuration: config, eventLoop: Env.loop)
        clients.append(client)
        return client
    }

    /// One key per shard at least: tags spread over the whole slot range.
    private let keys = (0..<24).map { "swiftev:tls:{\($0 * 7)}" }

    func testDiscoveryUsesTheAdvertisedTLSPortsAndNames() async throws {
        let ports = try Env.clusterPorts()
        let client = try client()
        try await client.connect()
        let discovered = await client.topology()
        let topology = try XCTUnwrap(discovered)
        XCTAssertEqual(topology.shards.count, 3)
        let endpoints = Set(topology.shards.flatMap { [$0.primary] + $0.replicas }.map(\.endpoint))
        let expected = Set(ports.enumerated().map { ClusterEndpoint(host: "node-\($0.offset).tls.swiftev.invalid", port: $0.element) })
        XCTAssertEqual(endpoints, expected, "TLS ports and the names the certificates carry")
        for (index, key) in keys.enumerated() { try await client.send("SET", key, index) }
        for (index, key) in keys.enumerated() {
            let value = try await client.send("GET", key, as: Int.self)
            XCTAssertEqual(value, index)
        }
        for key in keys { try await client.send("DEL", key) }
    }

    func testMovedIsFollowedOverTLS() async throws {
        let ports = try Env.clusterPorts()
        let primaries = Array(ports.prefix(3))
        let client = try client(refresh: nil)
        try await client.connect()
        let key = "swiftev:tls:moved"
        let slot = HashSlot.slot(forKey: key)
        try await client.send("DEL", key)
        let discovered = await client.topology()
        let topology = try XCTUnwrap(discovered)
        let owner = try XCTUnwrap(topology.shard(forSlot: slot)?.primary)
        let target = try XCTUnwrap(topology.shards.map(\.primary).first { $0.endpoint != owner.endpoint })

        try await Control.assign(slot: slot, to: target.id, ownerPort: target.endpoint.port, primaries: primaries, all: ports)
        do {
            try await client.send("SET", key, "moved")
            let stats = await client.statistics()
            XCTAssertEqual(stats.movedFollowed, 1, "the SET went to the old owner and followed its MOVED")
            let value = try await client.send("GET", key, as: String.self)
            XCTAssertEqual(value, "moved")
            let patched = await client.topology()?.shard(forSlot: slot)?.primary.endpoint
            XCTAssertEqual(patched, target.endpoint, "the slot now points at the advertised name and TLS port")
            try await client.send("DEL", key)
        } catch {
            try? await Control.assign(slot: slot, to: owner.id, ownerPort: owner.endpoint.port, primaries: primaries, all: ports)
            throw error
        }
        try await Control.assign(slot: slot, to: owner.id, ownerPort: owner.endpoint.port, primaries: primaries, all: ports)
    }

    func testFailoverAndBack() async throws {
        let ports = try Env.clusterPorts()
        let (primary, replica) = (ports[0], ports[3])
        let startRole = try await Control.role(replica)
        XCTAssertEqual(startRole, "slave", "the TLS cluster starts in its 3+3 layout")
        let client = try client(refresh: .seconds(1))
        try await client.connect()
        for (index, key) in keys.enumerated() { try await client.send("SET", key, index) }

        try await Control.failover(replicaPort: replica, primaryPort: primary, all: ports)
        do {
            for (index, key) in keys.enumerated() {
                let value = try await client.send("INCR", key, as: Int.self)
                XCTAssertEqual(value, index + 1, "\(key) after the failover")
            }
        } catch {
            try? await Control.failover(replicaPort: primary, primaryPort: replica, all: ports)
            throw error
        }
        try await Control.failover(replicaPort: primary, primaryPort: replica, all: ports)
        for (index, key) in keys.enumerated() {
            let value = try await client.send("GET", key, as: Int.self)
            XCTAssertEqual(value, index + 1, "\(key) after failing back")
        }
        for key in keys { try await client.send("DEL", key) }
    }

    /// With the default retry strategy: a certificate refused by every seed is not retried.
    func testACertificateRefusedByEverySeedFailsAtOnceNamingEachNode() async throws {
        var config = try Env.clusterConfiguration()
        config.node.tls = try Env.context(trusting: "other-ca.crt")
        config.seeds = Array(config.seeds.prefix(2))
        let client = RedisClusterClient(configuration: config, eventLoop: Env.loop)
        clients.append(client)
        do {
            try await client.connect()
            XCTFail("connected to a cluster whose CA is not trusted")
        } catch let error as RedisClusterError {
            guard case .noReachableNode(let failures) = error.kind else { return XCTFail("\(error)") }
            let ports = try Env.clusterPorts()
            XCTAssertEqual(Set(failures.map(\.endpoint)), [ClusterEndpoint(host: "127.0.0.1", port: ports[0]),
                                                            ClusterEndpoint(host: "127.0.0.1", port: ports[1])])
            for failure in failures {
                guard case .tls(let tls) = failure.cause else { return XCTFail("\(failure)") }
                XCTAssertEqual(tls.kind, .unknownCertificateAuthority)
                XCTAssertEqual(tls.peer, failure.endpoint.description)
            }
            XCTAssertTrue("\(error)".contains("unknown authority"), "\(error)")
        }
    }

    func testDiscoveryGivesUpAtOnceOnlyOnPersistentTLSFailures() {
        let node = ClusterEndpoint(host: "127.0.0.1", port: 7000)
        var retry = DiscoveryRetry(strategy: { _, _ in .milliseconds(100) })
        let expired = NodeFailure(endpoint: node, cause: .tls(TLSError(.certificateExpired, peer: "\(node)", reason: "certificate has expired")))
        guard case .giveUp = retry.roundFailed([expired]) else { return XCTFail("an expired certificate is not retried") }
        let slow = NodeFailure(endpoint: node, cause: .tls(TLSError(.handshakeTimeout(.seconds(10)), peer: "\(node)", reason: "")))
        XCTAssertEqual(retry.roundFailed([slow]), .retry(after: .milliseconds(100)), "a timeout may pass")
        XCTAssertEqual(retry.roundFailed([expired, slow]), .retry(after: .milliseconds(100)), "one node may still answer")
    }

    /// The name verified is the one the cluster advertises, not what natMap/dnsLookup dial.
    func testVerifiedNameIsTheAdvertisedOne() throws {
        var config = try Env.clusterConfiguration()
        config.natMap = [ClusterEndpoint(host: "node-2.tls.swiftev.invalid", port: 7002): ClusterEndpoint(host: "127.0.0.1", port: 7002)]
        let mapped = ClusterEndpoint(host: "node-2.tls.swiftev.invalid", port: 7002)
        XCTAssertEqual(config.connectAddress(for: mapped).host, "127.0.0.1")
        XCTAssertEqual(config.tlsServerName(for: mapped), "node-2.tls.swiftev.invalid")
        let resolved = ClusterEndpoint(host: "node-1.tls.swiftev.invalid", port: 7001)
        XCTAssertEqual(config.connectAddress(for: resolved).host, "127.0.0.1")
        XCTAssertEqual(config.tlsServerName(for: resolved), "node-1.tls.swiftev.invalid")
        config.node.tlsServerName = "cluster.example.invalid"
        XCTAssertEqual(config.tlsServerName(for: resolved), "cluster.example.invalid", "an explicit name wins")
        config.node.tls = nil
        XCTAssertNil(config.tlsServerName(for: resolved), "no TLS, no name")
    }
}
