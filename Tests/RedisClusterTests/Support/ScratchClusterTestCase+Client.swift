import RedisCluster
import SwiftEV
import XCTest

extension ScratchClusterTestCase {
    /// A client configuration for the scratch cluster: every node a seed.
    func scratchClientConfiguration(protocolVersion: Int = 3, commandTimeout: TimeAmount = .seconds(15)) throws -> RedisClusterConfiguration {
        let ports = try ClusterTestPorts.list(ClusterTestPorts.scratch, count: 6)
        var config = RedisClusterConfiguration(seeds: ports.map { .init(host: "127.0.0.1", port: $0) })
        config.node.protocolVersion = protocolVersion
        config.commandTimeout = commandTimeout
        return config
    }
}

/// A scratch-cluster test that drives cluster clients: the clients it makes are closed and
/// every primary is flushed after each test (other scratch tests count the keys of the slots
/// they move), before the base class restores the layout.
class ScratchClusterClientTestCase: ScratchClusterTestCase {
    static let group = LibevEventLoopGroup(numberOfThreads: 1)
    var clients: [RedisClusterClient] = []

    /// A client on the scratch cluster (every node a seed, so the first refresh already asks
    /// three of them and no confirming refresh follows), closed after the test.
    func makeScratchClient(protocolVersion: Int = 3, commandTimeout: TimeAmount = .seconds(15),
                           _ adjust: (inout RedisClusterConfiguration) -> Void = { _ in }) throws -> RedisClusterClient {
        var config = try scratchClientConfiguration(protocolVersion: protocolVersion, commandTimeout: commandTimeout)
        adjust(&config)
        let client = RedisClusterClient(configuration: config, eventLoop: Self.group.loops[0])
        clients.append(client)
        return client
    }

    /// A primary of the scratch cluster, owning slots, other than the one on `port`.
    func otherPrimary(than port: Int) async throws -> Int {
        let nodes = try await control.nodes()
        return try XCTUnwrap(nodes.first { $0.isPrimary && $0.port != port && $0.slotCount > 0 }).port
    }

    override func tearDown() async throws {
        for client in clients { await client.close() }
        clients.removeAll()
        if let control {
            for node in try await control.nodes() where node.isPrimary {
                _ = try await control.send(node.port, ["FLUSHALL"])
            }
        }
        try await super.tearDown()
    }
}
