import DequeModule
import RESP
import SwiftEV

/// Stage 4, the last of a node channel: matches replies to commands in FIFO order.
///
/// - Commands wait (unsent) until the handshake reports `RedisNodeEvent.ready`, then go out in
///   order; the number pending is bounded (`maxPending`).
/// - A reply pops the oldest command *before* completing it, so a completion that sends more
///   commands sees a consistent queue.
/// - A redirect signal hands the command to the `delegate` instead of failing its caller.
/// - RESP3 push frames go to `onPush`, never to a command.
/// - One timer serves the whole connection, armed for the oldest command's deadline (deadlines
///   only grow along the queue, so a timer that fires early is simply re-armed).
/// - Keeps the server busy while many commands are in flight: once the commands written in one
///   loop iteration reach a third of the bytes in flight, they are sent at once instead of at
///   the end of the iteration (`Channel.deferredFlushLimit`), so the server works on them while
///   this side still decodes the rest of the replies and writes more.
/// - When the connection is lost, commands never written are returned to the delegate (or fail
///   as `.notSent`); written ones fail with an unknown outcome, unless read-only (returned).
public final class CommandCorrelator: ChannelStage {
    public typealias InboundIn = NodeReply
    public typealias InboundOut = Never
    public typealias OutboundIn = ByteBuffer

    struct Entry {
        var pending: PendingCommand
        var deadline: Deadline
        /// The channel's write count right after this command was written; 0 while unsent.
        var ticket: UInt64
        /// Timed out and already failed: its reply, when it comes, is dropped.
        var abandoned: Bool
    }

    public let node: String
    public let maxPending: Int
    public let timeout: TimeAmount
    public weak var delegate: (any NodeChannelDelegate)?
    /// Receives RESP3 push frames (invalidations, pub/sub messages).
    public var onPush: ((RESPValue) -> Void)?

    // Loop-confined; completions that re-enter `send` run between accesses to these queues,
    // never inside one, so the dynamic exclusivity checks are skipped.
    @exclusivity(unchecked) private var context: Context?
    @exclusivity(unchecked) private var waiting = Deque<Entry>()
    @exclusivity(unchecked) private var inFlight = Deque<Entry>()
    @exclusivity(unchecked) private var ready = false
    @exclusivity(unchecked) private var closed = false
    private var timer: (any LoopTimer)?
    /// Bytes of the commands in `inFlight`, for the early-flush limit.
    @exclusivity(unchecked) private var bytesInFlight = 0
    /// Below this, a flush always waits for the end of the iteration: one system call for a
    /// small batch beats splitting it. Measured with Benchmarks/run-redis.sh (1 KiB: best at 50
    /// commands in flight; a 16-command pipeline of ~900 bytes stays one write).
    static let minimumEarlyFlush = 1024
    private var closeCause: RedisError?
    private let readyPromise: EventLoopPromise<RedisServerInfo>?

    /// - Parameters:
    ///   - node: `host:port`, for errors.
    ///   - timeout: how long a command may wait for its reply, from when it is sent through `send`.
    ///   - maxPending: commands waiting or in flight at most; more fail with `tooManyPendingCommands`.
    ///   - waitsForHandshake: hold commands until `RedisNodeEvent.ready` (true when a `HandshakeStage` precedes).
    ///   - ready: completed with the server info when commands may flow, or failed with why not.
    public init(node: String, timeout: TimeAmount, maxPending: Int = 100_000, waitsForHandshake: Bool = true,
                ready: EventLoopPromise<RedisServerInfo>? = nil) {
        self.node = node
        self.timeout = timeout
        self.maxPending = maxPending
        self.ready = !waitsForHandshake
        self.readyPromise = ready
    }

    /// Commands waiting or awaiting a reply (timed-out ones included until their reply comes).
    public var pendingCount: Int { waiting.count + inFlight.count }

    // MARK: Sending

    /// Queues `command`; its reply (or error) goes to `handler`. Must be called on the loop.
    public func send(_ command: consuming RedisCommand, handler: consuming ReplyHandler) {
        send(PendingCommand(command: command, handler: handler))
    }

    /// Queues a command handed over from elsewhere (keeps its redirect count).
    public func send(_ pending: consuming PendingCommand) {
        if enqueue(pending) { context?.flush() }
    }

    /// Queues several commands and sends them in one flush; replies come back in order.
    public func send(batch: [PendingCommand]) {
        var wrote = false
        for pending in batch { wrote = enqueue(pending) || wrote }
        if wrote { context?.flush() }
    }

    /// Writes `pending` if the connection is ready, holds it if not, or fails it (closed, or
    /// too many pending). Returns whether it was written, i.e. a flush is due.
    private func enqueue(_ pending: consuming PendingCommand) -> Bool {
        guard !closed, let context else {
            pending.handler.complete(.failure(closeCause.map { rename($0, pending) }
                ?? RedisError(.connectionClosed(.notSent), node: node, command: pending.command.name)))
            return false
        }
        guard pendingCount < maxPending else {
            pending.handler.complete(.failure(RedisError(.tooManyPendingCommands(limit: maxPending), node: node, command: pending.command.name)))
            return false
        }
        let deadline = context.eventLoop.now + timeout
        let written = ready
        if written {
            write(pending, deadline: deadline, context: context)
        } else {
            waiting.append(Entry(pending: pending, deadline: deadline, ticket: 0, abandoned: false))
        }
        armTimerIfIdle(context)
        return written
    }

    private func write(_ pending: consuming PendingCommand, deadline: Deadline, context: Context) {
        let bytes = pending.command.bytes
        bytesInFlight += bytes.readableBytes
        context.channel.deferredFlushLimit = max(Self.minimumEarlyFlush, bytesInFlight / 3)
        context.write(bytes)
        inFlight.append(Entry(pending: pending, deadline: deadline, ticket: context.channel.outboundWritesQueued, abandoned: false))
    }

    // MARK: Pipeline events

    public func stageAdded(context: Context) {
        self.context = context
    }

    public func stageRemoved(context: Context) {
        timer?.cancel()
        timer = nil
        self.context = nil
    }

    public func channelActive(context: Context) {
        if ready { becomeReady(RedisServerInfo(protocolVersion: 2), context: context) }
    }

    public func userInboundEventTriggered(context: Context, event: Any) {
        guard case .ready(let info)? = event as? RedisNodeEvent else { return context.fireUserEvent(event) }
        becomeReady(info, context: context)
    }

    private func becomeReady(_ info: RedisServerInfo, context: Context) {
        ready = true
        readyPromise?.succeed(info)
        let held = waiting
        waiting.removeAll()
        for entry in held { write(entry.pending, deadline: entry.deadline, context: context) }
        context.flush()
    }

    public func channelRead(context: Context, data: NodeReply) {
        switch data {
        case .push(let value):
            onPush?(value)
        case .value(let value):
            guard let entry = popOldest(context) else { return }
            if entry.abandoned { return }
            if let error = RESPServerError(value) {
                entry.pending.handler.complete(.failure(RedisError(.server(error), node: node, command: entry.pending.command.name)))
            } else {
                entry.pending.handler.complete(.success(value))
            }
        case .redirect(let redirection, _):
            guard let entry = popOldest(context) else { return }
            if entry.abandoned { return }
            if let delegate {
                delegate.nodeChannel(node, redirected: entry.pending, by: redirection)
            } else {
                entry.pending.handler.complete(.failure(RedisError(.redirected(redirection), node: node, command: entry.pending.command.name)))
            }
        }
    }

    /// Removes the oldest command; a reply with none waiting means the stream is out of step.
    private func popOldest(_ context: Context) -> Entry? {
        if let entry = inFlight.popFirst() {
            bytesInFlight -= entry.pending.command.bytes.readableBytes
            return entry
        }
        closeCause = RedisError(.unexpectedReply, node: node)
        context.close()
        return nil
    }

    public func errorCaught(context: Context, error: any Error) {
        // Remember the first cause: the failures on close name it. Our own errors (protocol,
        // handshake) become the commands' error; socket errors annotate "connection closed".
        if closeCause == nil && transportError == nil {
            if let redisError = error as? RedisError { closeCause = redisError } else { transportError = error }
        }
        context.fireError(error)
    }

    /// The socket-level error that closed the connection, if any.
    private var transportError: (any Error)?

    public func channelInactive(context: Context) {
        closed = true
        timer?.cancel()
        let started = context.channel.outboundWritesStarted
        let lost = inFlight + waiting
        inFlight.removeAll()
        waiting.removeAll()
        bytesInFlight = 0
        if !ready {
            readyPromise?.fail(closeCause ?? failure(.connectionClosed(.notSent), nil))
        }
        var returned: [PendingCommand] = []
        for entry in lost where !entry.abandoned {
            let sent = entry.ticket != 0 && entry.ticket <= started
            if !sent || entry.pending.command.isReadOnly {
                var pending = entry.pending
                pending.wasSent = sent
                returned.append(pending)
            } else {
                entry.pending.handler.complete(.failure(failure(.connectionClosed(.unknown), entry.pending.command)))
            }
        }
        if returned.isEmpty { return }
        let cause = closeCause ?? failure(.connectionClosed(.notSent), nil)
        if let delegate {
            delegate.nodeChannel(node, returned: returned, cause: cause)
        } else {
            for pending in returned {
                let outcome: RedisError.Outcome = pending.wasSent ? .unknown : .notSent
                pending.handler.complete(.failure(closeCause.map { rename($0, pending) } ?? failure(.connectionClosed(outcome), pending.command)))
            }
        }
    }

    private func failure(_ kind: RedisError.Kind, _ command: RedisCommand?) -> RedisError {
        var error = RedisError(kind, node: node, command: command?.name)
        if let transportError, case .connectionClosed(let outcome) = kind {
            error = RedisError(.connectionClosed(outcome), node: "\(node) (\(transportError))", command: command?.name)
        }
        return error
    }

    private func rename(_ error: RedisError, _ pending: PendingCommand) -> RedisError {
        var e = error
        e.command = pending.command.name
        return e
    }

    // MARK: Timeouts

    private func armTimerIfIdle(_ context: Context) {
        if timer == nil {
            timer = context.eventLoop.makeTimer { [unowned self] in self.timerFired() }
        }
        guard let timer, !timer.isArmed, let deadline = oldestLiveDeadline else { return }
        timer.arm(at: deadline)
    }

    private var oldestLiveDeadline: Deadline? {
        let a = inFlight.first(where: { !$0.abandoned })?.deadline
        let b = waiting.first?.deadline
        switch (a, b) {
        case let (x?, y?): return min(x, y)
        case let (x?, nil): return x
        case let (nil, y): return y
        }
    }

    private func timerFired() {
        guard let context, !closed else { return }
        let now = context.eventLoop.now
        // Written commands keep their place (the reply may still come); they are only failed.
        var index = inFlight.startIndex
        while index < inFlight.endIndex, inFlight[index].deadline <= now {
            if !inFlight[index].abandoned {
                inFlight[index].abandoned = true
                let pending = inFlight[index].pending
                pending.handler.complete(.failure(RedisError(.timeout(.unknown), node: node, command: pending.command.name)))
            }
            index += 1
        }
        // Unsent commands never took a place in the stream: drop them.
        while let first = waiting.first, first.deadline <= now {
            waiting.removeFirst()
            first.pending.handler.complete(.failure(RedisError(.timeout(.notSent), node: node, command: first.pending.command.name)))
        }
        armTimerIfIdle(context)
    }
}
