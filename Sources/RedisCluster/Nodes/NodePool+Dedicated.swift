import Redis
import SwiftEV

/// Connections outside the pool's one-per-node set: blocking commands, subscriptions and scans
/// each open their own, with the same settings (credentials, address mapping, timeouts) as the
/// node's shared connection, and a delegate of their own.
extension NodePool {
    func dialDedicated(_ endpoint: ClusterEndpoint, delegate: DedicatedChannelDelegate) -> EventLoopFuture<any NodeConnection> {
        var configuration = handles[endpoint]?.configuration ?? settings.node
        configuration.commandTimeout = settings.commandTimeout
        return connector(settings.connectAddress(for: endpoint), configuration, delegate)
    }
}
