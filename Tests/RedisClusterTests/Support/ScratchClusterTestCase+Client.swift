import RedisCluster
import SwiftEV

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
