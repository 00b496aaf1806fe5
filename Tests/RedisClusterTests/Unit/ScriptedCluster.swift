import Foundation
import Redis
import RESP
import SwiftEV
import SwiftEVTesting
import XCTest
@testable import RedisCluster

/// One node of a scripted cluster on the in-memory loop: it records what it is sent and the test
/// answers, redirects or drops each command. For what a real cluster cannot produce on demand
/// (a node that redirects to itself) and for a clock the test moves.
final class ScriptedNode: NodeConnection, @unchecked Sendable {
    // @unchecked: used only on the EmbeddedEventLoop, i.e. the test's own thread.
    let endpoint: ClusterEndpoint
    /// Identity only: the pool knows a connection's reports by its correlator.
    let correlator: CommandCorrelator
    weak var delegate: (any NodeChannelDelegate)?
    private(set) var received: [PendingCommand] = []
    private var closed = false
    private let closed_: EventLoopPromise<Void>

    init(endpoint: ClusterEndpoint, loop: EmbeddedEventLoop, delegate: any NodeChannelDelegate) {
        self.endpoint = endpoint
        self.correlator = CommandCorrelator(node: endpoint.description, timeout: .seconds(10))
        self.delegate = delegate
        self.closed_ = loop.makePromise(of: Void.self)
    }

    func send(_ pending: PendingCommand) { received.append(pending) }
    func send(batch: [PendingCommand]) { received += batch }
    var isClosing: Bool { closed }
    var closeFuture: EventLoopFuture<Void> { closed_.futureResult }
    var pendingCommandCount: Int { received.count }

    @discardableResult
    func close() -> EventLoopFuture<Void> {
        closed = true
        closed_.succeed()
        return closeFuture
    }

    /// Removes and returns the first received command whose text contains `word`.
    func take(_ word: String) -> PendingCommand? {
        guard let index = received.firstIndex(where: { String(buffer: $0.command.bytes).uppercased().contains(word.uppercased()) }) else { return nil }
        return received.remove(at: index)
    }

    func answer(_ word: String, with value: RESPValue) -> Bool {
        guard let pending = take(word) else { return false }
        pending.handler.complete(.success(value))
        return true
    }

    func redirect(_ word: String, _ redirection: Redirection) -> Bool {
        guard let pending = take(word) else { return false }
        delegate?.nodeChannel(correlator, redirected: pending, by: redirection)
        return true
    }
}

/// The 3+3 cluster of `Fixtures/cluster-shards-healthy.resp3` (captured from a real one),
/// played by scripted nodes; refused addresses fail to connect like a dead node.
final class ScriptedCluster: @unchecked Sendable {
    // @unchecked: used only on the EmbeddedEventLoop, i.e. the test's own thread.
    let loop = EmbeddedEventLoop()
    let shards: RESPValue
    let topology: ClusterTopology
    private(set) var nodes: [ClusterEndpoint: ScriptedNode] = [:]
    var refused: Set<ClusterEndpoint> = []
    /// Addresses whose handshake is refused with `WRONGPASS`, on the next turn of the loop (so
    /// commands can queue behind the dial meanwhile).
    var refusingCredentials: Set<ClusterEndpoint> = []
    /// Connects attempted per address.
    private(set) var dials: [ClusterEndpoint: Int] = [:]

    init() throws {
        let url = try XCTUnwrap(Bundle.module.resourceURL?.appendingPathComponent("Fixtures/cluster-shards-healthy.resp3"))
        var buffer = ByteBuffer(bytes: Array(try Data(contentsOf: url)))
        var decoder = RESPDecoder()
        shards = try XCTUnwrap(try decoder.decode(&buffer))
        topology = try ShardsParser.parse(shards)
    }

    var connector: NodeConnector {
        { [unowned self] address, _, delegate in
            dials[address, default: 0] += 1
            if refusingCredentials.contains(address) {
                let promise = loop.makePromise(of: (any NodeConnection).self)
                let reply = RESPServerError(code: "WRONGPASS", message: "invalid username-password pair or user is disabled.")
                loop.execute {
                    promise.fail(RedisError(.handshakeFailed(step: "HELLO", reply), node: address.description, command: HandshakeStage.commandName))
                }
                return promise.futureResult
            }
            if refused.contains(address) {
                return loop.makeFailedFuture(SocketError(kind: .connectionRefused, address: address.description))
            }
            let node = ScriptedNode(endpoint: address, loop: loop, delegate: delegate)
            nodes[address] = node
            return loop.makeSucceededFuture(node as any NodeConnection)
        }
    }

    func makeCoordinator(_ configure: (inout RedisClusterConfiguration) -> Void = { _ in }) -> ClusterCoordinator {
        let seed = topology.shards[0].primary.endpoint
        var configuration = RedisClusterConfiguration(seeds: [.init(host: seed.host, port: seed.port)])
        configuration.slotsRefreshInterval = nil
        configure(&configuration)
        return ClusterCoordinator(loop: loop, configuration: configuration, logger: .init(label: "test"),
                                  connector: connector, emit: { _ in }, finish: {})
    }

    /// A coordinator that has discovered the scripted cluster and is ready.
    func readyCoordinator(_ configure: (inout RedisClusterConfiguration) -> Void = { _ in }) -> ClusterCoordinator {
        let coordinator = makeCoordinator(configure)
        coordinator.start()
        answerTopologyQueries()
        answerTopologyQueries()  // the ready check follows the first answers
        return coordinator
    }

    /// Answers every topology question waiting on any node (`CLUSTER MYID`, `SHARDS`, `INFO`).
    func answerTopologyQueries(except silent: ClusterEndpoint? = nil) {
        loop.run()
        for (endpoint, node) in nodes where endpoint != silent {
            let id = topology.nodes.first { $0.endpoint == endpoint }?.id ?? ""
            while node.answer("MYID", with: .bulkString(ByteBuffer(string: id))) {}
            while node.answer("SHARDS", with: shards) {}
            while node.answer("INFO", with: .verbatimString(format: "txt", text: ByteBuffer(string: "cluster_state:ok\r\n"))) {}
        }
        loop.run()
    }

    /// The primary node serving `slot`.
    func owner(ofSlot slot: Int) -> ScriptedNode? {
        topology.shard(forSlot: slot).flatMap { nodes[$0.primary.endpoint] }
    }
}
