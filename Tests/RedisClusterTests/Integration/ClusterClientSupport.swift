import Redis
import RESP
import SwiftEV
import XCTest
@testable import RedisCluster

/// A loop and a way to make clients on it, for the cluster client's integration tests. Each
/// test makes its own clients and closes them; the group lives as long as the test class.
class ClusterClientTestCase: XCTestCase {
    static let group = LibevEventLoopGroup(numberOfThreads: 2)
    var clients: [RedisClusterClient] = []

    var loop: LibevEventLoop { Self.group.loops[0] }

    func mainPorts() throws -> [Int] { try ClusterTestPorts.list(ClusterTestPorts.main, count: 6) }

    func configuration(ports: [Int]) -> RedisClusterConfiguration {
        var config = RedisClusterConfiguration(seeds: ports.map { .init(host: "127.0.0.1", port: $0) })
        config.commandTimeout = .seconds(10)
        return config
    }

    func makeClient(_ configuration: RedisClusterConfiguration, on loop: LibevEventLoop? = nil) -> RedisClusterClient {
        let client = RedisClusterClient(configuration: configuration, eventLoop: loop ?? self.loop)
        clients.append(client)
        return client
    }

    override func tearDown() async throws {
        for client in clients { await client.close() }
        clients.removeAll()
        try await super.tearDown()
    }

    /// A direct connection to one node (not through the cluster client), to check what it holds.
    func node(_ port: Int) async throws -> RedisConnection {
        try await RedisConnection.connect(host: "127.0.0.1", port: port, on: Self.group.loops[1])
    }

    /// One key per slot, `prefix` first: 16384 keys covering every slot.
    static func keysCoveringEverySlot(prefix: String) -> [Int: String] {
        var bySlot: [Int: String] = [:]
        var i = 0
        while bySlot.count < HashSlot.count {
            let key = "\(prefix):\(i)"
            let slot = SlotKeys.slot(of: key)
            if bySlot[slot] == nil { bySlot[slot] = key }
            i += 1
        }
        return bySlot
    }
}
