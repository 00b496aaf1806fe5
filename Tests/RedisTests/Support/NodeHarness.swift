import RESP
import SwiftEV
import SwiftEVTesting
import XCTest
@testable import Redis

/// Records what a node channel hands to its delegate.
final class RecordingDelegate: NodeChannelDelegate {
    var redirected: [(PendingCommand, Redirection)] = []
    var returned: [PendingCommand] = []
    var cause: RedisError?
    func nodeChannel(_ correlator: CommandCorrelator, redirected command: PendingCommand, by redirection: Redirection) {
        redirected.append((command, redirection))
    }
    func nodeChannel(_ correlator: CommandCorrelator, returned commands: [PendingCommand], cause: RedisError) {
        returned += commands
        self.cause = cause
    }
    var timedOut = 0
    func nodeChannel(_ correlator: CommandCorrelator, timedOut count: Int) {
        timedOut += count
    }
}

/// A node pipeline on the in-memory harness. With `handshake: true` it is the real
/// `RESPDecodingStage → HandshakeStage → RedirectStage → CommandCorrelator` (RESP3 once
/// `handshake()` ran); without, there is no handshake stage and the connection speaks RESP2 from
/// the start. `front` adds stages between the socket and the decoder (where TLS would sit).
struct NodeHarness {
    typealias Front = (PipelineBuilder<ByteBuffer, ByteBuffer>) -> PipelineBuilder<ByteBuffer, ByteBuffer>
    let channel: EmbeddedByteChannel<Never, ByteBuffer>
    let correlator: CommandCorrelator
    let ready: EventLoopPromise<RedisServerInfo>
    let delegate = RecordingDelegate()
    var loop: EmbeddedEventLoop { channel.loop }

    /// - Parameter delegated: whether `delegate` records the correlator's hand-overs (without
    ///   one, redirects and lost commands fail their callers).
    init(delegated: Bool = true, handshake: Bool = true, config: HandshakeStateMachine.Configuration = .init(), timeout: TimeAmount = .seconds(1),
         maxPending: Int = 100, earlyFlushThreshold: Int = RedisConnectionConfiguration.defaultEarlyFlushThreshold,
         front: Front = { $0 }) {
        let loop = EmbeddedEventLoop()
        let ready = loop.makePromise(of: RedisServerInfo.self)
        let correlator = CommandCorrelator(node: "test:1", timeout: timeout, maxPending: maxPending,
                                           waitsForHandshake: handshake, ready: ready,
                                           earlyFlushThreshold: earlyFlushThreshold)
        if delegated { correlator.delegate = delegate }
        self.correlator = correlator
        self.ready = ready
        self.channel = EmbeddedByteChannel<Never, ByteBuffer>(loop: loop) { pipeline in
            let decoding = front(pipeline).adding(RESPDecodingStage(node: "test:1"))
            if handshake {
                return decoding
                    .adding(HandshakeStage(config, node: "test:1", timeout: timeout))
                    .adding(RedirectStage(currentHost: "test"))
                    .adding(correlator)
            }
            return decoding.adding(RedirectStage(currentHost: "test")).adding(correlator)
        }
    }

    func written() -> [String] { channel.readAllOutbound().map(String.init(buffer:)) }

    func reply(_ text: String) throws { try channel.writeInbound(ByteBuffer(string: text)) }

    @discardableResult
    func send(_ command: RedisCommand) -> EventLoopFuture<RESPValue> {
        let promise = loop.makePromise(of: RESPValue.self)
        correlator.send(command, handler: .promise(promise))
        return promise.futureResult
    }

    func sendBatch(_ commands: [RedisCommand]) -> [EventLoopFuture<RESPValue>] {
        let promises = commands.map { _ in loop.makePromise(of: RESPValue.self) }
        correlator.send(batch: zip(commands, promises).map { PendingCommand(command: $0, handler: .promise($1)) })
        return promises.map(\.futureResult)
    }

    /// Completes the RESP3 handshake.
    func handshake() throws {
        XCTAssertEqual(written(), ["*2\r\n$5\r\nHELLO\r\n$1\r\n3\r\n"])
        try reply("%2\r\n+proto\r\n:3\r\n+version\r\n+7.0.15\r\n")
        XCTAssertEqual(try ready.futureResult.result?.get().version, "7.0.15")
    }
}

func redisError(_ future: EventLoopFuture<RESPValue>) -> RedisError? {
    guard case .failure(let e)? = future.result else { return nil }
    return e as? RedisError
}

/// The redirect that failed a command inside MULTI, if that is how it failed.
func redirectInTransaction(_ future: EventLoopFuture<RESPValue>) -> Redirection? {
    guard case .redirectedInTransaction(let redirection)? = redisError(future)?.kind else { return nil }
    return redirection
}

/// `>3\r\n$9\r\nsubscribe\r\n…` (RESP3 push) or `*3…` (RESP2 array) for a pub/sub frame.
func pubSubFrame(_ words: String?..., count: Int64, resp3: Bool) -> String {
    var text = "\(resp3 ? ">" : "*")\(words.count + 1)\r\n"
    for word in words {
        text += word.map { "$\($0.utf8.count)\r\n\($0)\r\n" } ?? (resp3 ? "_\r\n" : "$-1\r\n")
    }
    return text + ":\(count)\r\n"
}

/// `>3 message channel payload` (or its RESP2 array).
func messageFrame(_ channel: String, _ payload: String, resp3: Bool) -> String {
    "\(resp3 ? ">" : "*")3\r\n$7\r\nmessage\r\n$\(channel.utf8.count)\r\n\(channel)\r\n$\(payload.utf8.count)\r\n\(payload)\r\n"
}
