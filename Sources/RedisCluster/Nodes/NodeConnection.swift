import Redis
import SwiftEV

/// What the node pool needs of a connection to one node. `RedisConnection` is the real one;
/// tests of the coordinator put scripted nodes on the in-memory loop in its place, to produce
/// what a real cluster cannot on demand (a node that redirects to itself, a clock to advance).
protocol NodeConnection: AnyObject, Sendable {
    func send(_ pending: consuming PendingCommand)
    /// `send`, for a caller on the connection's loop (the pool, loop-confined): without the
    /// public entry point's check of the thread, a call to the loop per command.
    func sendOnLoop(_ pending: consuming PendingCommand)
    func send(batch: [PendingCommand])
    /// Commands answered into one collector: one queue entry and one write where possible.
    func send(_ batch: CommandBatch)
    /// True from the moment the connection starts closing (its callers may already be failing).
    var isClosing: Bool { get }
    var closeFuture: EventLoopFuture<Void> { get }
    @discardableResult func close() -> EventLoopFuture<Void>
    var pendingCommandCount: Int { get }
    /// The correlator that reports this connection's redirects and losses to the pool.
    var correlator: CommandCorrelator { get }
}

extension NodeConnection {
    func sendOnLoop(_ pending: consuming PendingCommand) { send(pending) }

    /// Command by command, for connections without a batch form of their own.
    func send(_ batch: CommandBatch) { send(batch: batch.pendingCommands) }
}

extension RedisConnection: NodeConnection {
    var isClosing: Bool { channel.isClosed }
    func sendOnLoop(_ pending: consuming PendingCommand) { correlator.send(pending) }
}

/// Opens a connection to `address` whose correlator reports to `delegate`. Runs on the loop.
typealias NodeConnector = (_ address: ClusterEndpoint, _ configuration: RedisConnectionConfiguration,
                           _ delegate: any NodeChannelDelegate) -> EventLoopFuture<any NodeConnection>

extension NodePool {
    /// The real connector: a `RedisConnection` on `loop`.
    static func redisConnector(on loop: LibevEventLoop) -> NodeConnector {
        { address, configuration, delegate in
            RedisConnection.connectOnLoop(host: address.host, port: address.port, configuration: configuration,
                                          delegate: delegate, on: loop).map { $0 as any NodeConnection }
        }
    }
}
