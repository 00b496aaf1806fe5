import DequeModule
import Redis
import RESP
import SwiftEV

/// The client's one connection to one node, and what state it is in. Loop-confined.
final class NodeHandle {
    enum State {
        /// Not dialled yet (known from the topology, connected on first use).
        case idle
        /// Dialling; commands wait here, in order, up to the node's pending limit. Probes (the
        /// client's own topology queries) wait apart: if the dial fails they fail with its
        /// cause instead of being routed elsewhere like user commands.
        case connecting(Deque<PendingCommand>, probes: [Probe])
        case ready(any NodeConnection)
        /// The last attempt failed or the connection was lost; not dialled again before
        /// `outage.until`, and `outage` says what a command for it meets meanwhile. Boxed: the
        /// outage (causes, a refusal) is several times the size of the other cases, and a
        /// node goes down rarely while every command reads this state.
        indirect case down(NodeOutage)
        case closed
    }

    /// As the cluster advertises it (the key of the slot table), not the address dialled.
    let endpoint: ClusterEndpoint
    var configuration: RedisConnectionConfiguration
    var state = State.idle
    var backoff: ReconnectBackoff
    /// No longer in the topology: closed once its last command is answered.
    var retired = false
    /// Dials since creation, so a late result of an abandoned attempt is recognised.
    var generation = 0

    init(endpoint: ClusterEndpoint, configuration: RedisConnectionConfiguration, backoff: ReconnectBackoff) {
        self.endpoint = endpoint
        self.configuration = configuration
        self.backoff = backoff
    }

    /// A command the client sends for itself (`CLUSTER SHARDS`, `CLUSTER INFO`).
    struct Probe {
        var command: RedisCommand
        var deadline: Deadline
        var completion: (Result<RESPValue, any Error>) -> Void

        /// Pinned: lost with its connection, it fails with this node's failure rather than
        /// being answered by another node and taken for this one's answer.
        func pending(on loop: any EventLoop) -> PendingCommand {
            var pending = PendingCommand(command: command, handler: .callback(on: loop, completion), deadline: deadline)
            pending.pinned = true
            return pending
        }
    }

    var connection: (any NodeConnection)? {
        if case .ready(let connection) = state { return connection }
        return nil
    }

    var isDown: Bool {
        if case .down = state { return true }
        return false
    }

    /// Commands queued here or in flight on the connection.
    var pendingCount: Int {
        switch state {
        case .connecting(let queue, let probes): return queue.count + probes.count
        case .ready(let connection): return connection.pendingCommandCount
        default: return 0
        }
    }
}
