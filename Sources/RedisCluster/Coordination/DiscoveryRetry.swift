import SwiftEV

/// Rounds of asking the seeds for a topology, until one answers or the retry strategy gives up.
/// A plain value: the coordinator reports each failed round; this says wait or give up.
struct DiscoveryRetry {
    private(set) var attempt = 0
    let strategy: RedisClusterConfiguration.RetryStrategy

    enum Decision: Equatable {
        case retry(after: TimeAmount)
        case giveUp(RedisClusterError)
    }

    init(strategy: @escaping RedisClusterConfiguration.RetryStrategy) {
        self.strategy = strategy
    }

    /// A round in which no node gave a usable topology.
    mutating func roundFailed(_ failures: [NodeFailure]) -> Decision {
        attempt += 1
        let error = RedisClusterError(.noReachableNode(failures))
        // Refused credentials, handshakes or certificates on every node will be refused
        // again: say so now, not in a minute.
        let allRefused = !failures.isEmpty && failures.allSatisfy(\.cause.isPersistentRefusal)
        if allRefused { return .giveUp(error) }
        guard let delay = strategy(attempt, failures) else { return .giveUp(error) }
        return .retry(after: delay)
    }

    mutating func succeeded() { attempt = 0 }
}
