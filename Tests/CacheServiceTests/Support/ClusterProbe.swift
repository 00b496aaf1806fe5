import Foundation
import Redis
import RedisCluster
import RESP
import SwiftEV

/// A cluster client of the test's own, to check what the service stored and to clean up.
final class ClusterProbe {
    let group = LibevEventLoopGroup(numberOfThreads: 1)
    let client: RedisClusterClient

    init() throws {
        let seeds = try ServiceProcess.clusterPorts().map { RedisClusterConfiguration.Seed(host: "127.0.0.1", port: $0) }
        client = RedisClusterClient(configuration: .init(seeds: seeds), eventLoop: group.next())
    }

    func get(_ key: [UInt8]) async throws -> [UInt8]? {
        let reply = try await client.send(RedisCommand("GET", key))
        if case .bulkString(let bytes?) = reply { return bytes.readableBytesArray }
        return nil
    }

    func ttl(_ key: [UInt8]) async throws -> Int64? {
        if case .integer(let seconds) = try await client.send(RedisCommand("TTL", key)) { return seconds }
        return nil
    }

    func delete(_ keys: [[UInt8]]) async {
        for key in keys { _ = try? await client.send(RedisCommand("DEL", key)) }
    }

    func close() async {
        await client.close()
        try? await group.shutdownGracefully()
    }
}
