import RESP
import SwiftEV

/// Stage 4, the last of a node channel: matches replies to commands in FIFO order.
///
/// - Commands wait (unsent) until the handshake reports `RedisNodeEvent.ready`, then go out in
///   order; the number pending is bounded (`maxPending`; timed-out and cancelled commands whose
///   late replies are still due do not count).
/// - A reply pops the oldest command *before* completing it, so a completion that sends more
///   commands sees a consistent queue.
/// - A redirect signal hands the command to the `delegate` instead of failing its caller —
///   except inside `MULTI`, where it fails the transaction (`redirectedInTransaction`).
/// - Pub/sub commands take their confirmations (RESP3 push frames, RESP2 arrays), one per
///   channel, not one reply; messages and invalidations go to `onPush`, never to a command.
///   RESP2 limit: a connection subscribed over RESP2 is in the server's subscribed mode, where
///   only the pub/sub commands, `PING`, `QUIT` and `RESET` are accepted (others fail with the
///   server's error); invalidations need RESP3 or `CLIENT TRACKING … REDIRECT` to a connection
///   subscribed to `__redis__:invalidate`. `MONITOR` is not supported on a node channel.
/// - Every command has one absolute deadline (`PendingCommand.deadline`), kept across
///   redirects and re-sends. One timer serves the whole connection, armed for the earliest one.
///   A connection whose oldest written command is `unresponsiveGrace` past its deadline is
///   closed with `nodeUnresponsive`: a hung node does not look healthy forever.
/// - Flushes once per loop iteration, at its end (`EventLoop.flushAtIterationEnd`), not once
///   per command. Keeps the server busy while many commands are in flight: once the commands
///   written since the last flush reach a third of the bytes in flight, they are sent at once
///   (`Channel.deferredFlushLimit`).
/// - When the connection is lost, commands never written are returned to the delegate (or fail
///   as `.notSent`); written ones fail with an unknown outcome, unless read-only (returned).
///   "Written" is judged conservatively, so stages that merge or split writes between here and
///   the socket (TLS) never turn "maybe ran" into "never sent": see `wasMaybeSent`.
public final class CommandCorrelator: ChannelStage, IterationEndFlushing {
    public typealias InboundIn = NodeReply
    public typealias InboundOut = Never
    public typealias OutboundIn = ByteBuffer

    /// A queued command: the `PendingCommand` as handed over (so what is handed back is the
    /// same: `pinned`, the redirections, the deadline), plus the correlator's own fields.
    struct Entry {
        var pending: PendingCommand
        /// `pending.deadline`, unwrapped: set when the command is first queued.
        var deadline: Deadline
        /// The transport's accepted-write count just before this command was written.
        var ticket: UInt64
        /// For `CommandCancellation`; 0 for the correlator's own commands.
        var id: UInt64
        var role: CommandRole
        /// Pub/sub: confirmations still expected; 0 for an unsubscribe without arguments, which
        /// takes them until the family has no subscription left.
        var confirmationsLeft: Int
        /// Between `MULTI` and `EXEC`/`DISCARD` (both included).
        var inTransaction: Bool
        /// The correlator's own `ASKING`: its reply is consumed here.
        var isInternal: Bool
        /// Its caller was already answered (timeout, cancellation): its reply, when it comes, is dropped.
        var abandoned = false

        init(_ pending: consuming PendingCommand, deadline: Deadline, ticket: UInt64 = 0, id: UInt64, role: CommandRole,
             confirmationsLeft: Int = 0, inTransaction: Bool = false, isInternal: Bool = false) {
            self.pending = pending
            self.deadline = deadline
            self.ticket = ticket
            self.id = id
            self.role = role
            self.confirmationsLeft = confirmationsLeft
            self.inTransaction = inTransaction
            self.isInternal = isInternal
        }
    }

    /// `host:port`.
    public let node: String
    public let maxPending: Int
    public let timeout: TimeAmount
    /// How far past its deadline the oldest written command may go unanswered before the
    /// connection is judged hung and closed.
    public let unresponsiveGrace: TimeAmount
    public weak var delegate: (any NodeChannelDelegate)?
    /// Receives RESP3 push frames (invalidations, pub/sub messages) and, over RESP2, pub/sub
    /// messages; never the confirmations of this connection's own (un)subscribe commands.
    public var onPush: ((RESPValue) -> Void)?

    // Loop-confined; completions that re-enter `send` run between accesses to these queues,
    // never inside one, so the dynamic exclusivity checks are skipped.
    @exclusivity(unchecked) var context: Context?
    /// `context.channel`, kept for `beginWrite` on every command: the context's checked
    /// `unowned` reference costs an atomic retain and release per read, and so does a strong
    /// load of an `unowned(unsafe)` one; used through `_withUnsafeGuaranteedRef`, neither. Set
    /// in `stageAdded`, cleared in `stageRemoved`, read only while `context` is set, i.e. while
    /// the channel, which owns the pipeline this stage is in, is alive.
    @exclusivity(unchecked) var channel: Unmanaged<Channel>?

    /// The loop's clock, read on every reply: through the channel's `let eventLoop`, reached
    /// without a reference count (see `channel`). An `unowned(unsafe)` copy of the loop kept
    /// here cost a retain and a release per read (a strong load of the existential).
    var now: Deadline { channel!._withUnsafeGuaranteedRef { $0.eventLoop.now } }
    // Moved in and out, never copied: an entry holds about six references (see `MoveRing`).
    @exclusivity(unchecked) var waiting = MoveRing<Entry>()
    @exclusivity(unchecked) var inFlight = MoveRing<Entry>()
    /// Entries in either queue that are abandoned or internal: not counted as pending.
    @exclusivity(unchecked) var uncounted = 0
    /// `CommandBatch` entries in `inFlight`, and the replies they owe beyond one each (all, and
    /// those of batches not failed): see CommandCorrelator+Batch.
    @exclusivity(unchecked) var batchesInFlight = 0
    @exclusivity(unchecked) var batchRepliesOwed = 0
    @exclusivity(unchecked) var batchRepliesPending = 0
    @exclusivity(unchecked) var ready = false
    @exclusivity(unchecked) var closed = false
    @exclusivity(unchecked) var nextID: UInt64 = 0
    /// Enqueue side: a `MULTI` was queued and its `EXEC`/`DISCARD` not yet.
    @exclusivity(unchecked) var transactionOpen = false
    /// Reply side: the redirect that failed the current transaction, for its `EXEC`.
    @exclusivity(unchecked) var transactionAbortedBy: Redirection?
    @exclusivity(unchecked) var resp3 = false
    @exclusivity(unchecked) var subscriptions = Subscriptions()
    /// Confirmations collected for the pub/sub command at the head of `inFlight`.
    @exclusivity(unchecked) var confirmations: [RESPValue] = []
    var timer: (any LoopTimer)?
    var armedAt: Deadline?
    /// Bytes of the commands in `inFlight`, for the early-flush limit.
    @exclusivity(unchecked) var bytesInFlight = 0
    /// Bytes written since the last flush, and the early-flush limit they are held against
    /// (`flushSoon`); whether an iteration-end flush is queued.
    @exclusivity(unchecked) var unflushedBytes = 0
    @exclusivity(unchecked) var flushLimit = Int.max
    @exclusivity(unchecked) var flushQueued = false
    /// Below this many bytes written in one iteration, a flush always waits for the end of the
    /// iteration (see `RedisConnectionConfiguration.earlyFlushThreshold`).
    let earlyFlushThreshold: Int
    static let asking = RedisCommand("ASKING", readOnly: true)
    /// Why the node channel closed the connection itself (handshake refused, protocol error, a
    /// reply with no command, an unresponsive node); nil otherwise. Loop-confined.
    public internal(set) var closeCause: RedisError?
    /// The socket-level error that closed the connection, if any.
    var transportError: (any Error)?
    let readyPromise: EventLoopPromise<RedisServerInfo>?

    /// - Parameters:
    ///   - node: `host:port`, for errors.
    ///   - timeout: a command's deadline is now + this when it is first queued (unless it has one).
    ///   - maxPending: commands waiting or in flight at most; more fail with `tooManyPendingCommands`.
    ///   - waitsForHandshake: hold commands until `RedisNodeEvent.ready` (true when a `HandshakeStage` precedes).
    ///   - ready: completed with the server info when commands may flow, or failed with why not.
    ///   - unresponsiveGrace: see `unresponsiveGrace`; nil means `timeout`.
    public init(node: String, timeout: TimeAmount, maxPending: Int = 100_000, waitsForHandshake: Bool = true,
                ready: EventLoopPromise<RedisServerInfo>? = nil, unresponsiveGrace: TimeAmount? = nil,
                earlyFlushThreshold: Int = RedisConnectionConfiguration.defaultEarlyFlushThreshold) {
        self.node = node
        self.earlyFlushThreshold = max(1, earlyFlushThreshold)
        self.timeout = timeout
        self.maxPending = maxPending
        self.ready = !waitsForHandshake
        self.readyPromise = ready
        self.unresponsiveGrace = unresponsiveGrace ?? timeout
    }

    /// Commands waiting or awaiting a reply whose callers still wait.
    public var pendingCount: Int { waiting.count + inFlight.count + batchRepliesPending - uncounted }

    /// Replies the server still owes this connection, those of timed-out and cancelled commands
    /// (dropped when they come) and of its own `ASKING` included.
    public var repliesOwed: Int { inFlight.count + batchRepliesOwed }

    // MARK: Sending

    /// Queues `command`; its reply (or error) goes to `handler`. Must be called on the loop.
    public func send(_ command: consuming RedisCommand, handler: consuming ReplyHandler) {
        enqueue(PendingCommand(command: command, handler: handler), flush: true)
    }

    /// Queues a command handed over from elsewhere (keeps its deadline, redirections, `asking`,
    /// `pinned`).
    public func send(_ pending: consuming PendingCommand) {
        enqueue(pending, flush: true)
    }

    /// Queues several commands and sends them in one flush; replies come back in order.
    public func send(batch: [PendingCommand]) {
        var wrote = false
        for pending in batch { wrote = enqueue(pending) || wrote }
        if wrote, let context { flushNow(context) }
    }

    /// Writes the command if the connection is ready, holds it if not, or fails it (closed, too
    /// many pending, cancelled). Returns whether it was written, i.e. a flush is due. Consumes
    /// `pending`, so it moves into the queue entry without a copy. With `flush`, a written
    /// command is flushed by the end of the loop iteration (`flushSoon`), through the context
    /// already in hand: re-reading the optional context after the call retained it again.
    @discardableResult
    private func enqueue(_ pending: consuming PendingCommand, flush: Bool = false) -> Bool {
        guard !closed, let context else {
            pending.handler.complete(.failure(lostError(.notSent, pending.command)))
            return false
        }
        guard pendingCount < maxPending else {
            pending.handler.complete(.failure(RedisError(.tooManyPendingCommands(limit: maxPending), node: node, command: pending.command.name)))
            return false
        }
        let deadline = pending.deadline ?? now + timeout
        pending.deadline = deadline
        nextID &+= 1
        let id = nextID
        if let cancellation = pending.handler.cancellation, !cancellation.register(self, loop: context.eventLoop, id: id) {
            pending.handler.complete(.failure(CancellationError()))
            return false
        }
        let (role, arguments) = CommandRole.of(pending.command.bytes)
        var inTransaction = transactionOpen
        switch role {
        case .multi: transactionOpen = true; inTransaction = true
        case .exec, .reset: transactionOpen = false
        default: break
        }
        let confirmations = role.pubSubFamily == nil ? 0 : arguments
        scheduleTimer(for: deadline, context: context)
        guard ready else {
            waiting.append(Entry(pending, deadline: deadline, id: id, role: role, confirmationsLeft: confirmations,
                                 inTransaction: inTransaction))
            return false
        }
        if pending.asking { writeAsking(deadline: deadline, context: context) }
        let ticket = beginWrite(pending.command.bytes, context: context)
        // Written before it is queued, straight from the command: a copy of the buffer kept
        // for a write after the move into the queue cost an atomic retain and release. Nothing
        // can fail the queue in between: a write without a flush never reaches the socket.
        context.write(pending.command.bytes)
        inFlight.append(Entry(pending, deadline: deadline, ticket: ticket, id: id, role: role, confirmationsLeft: confirmations,
                              inTransaction: inTransaction))
        if flush { flushSoon(context) }
        return true
    }

    /// Flushes once per loop iteration instead of once per command: the flush of a command
    /// goes through every outbound stage (TLS only marks it for the iteration end anyway), and
    /// a connection sends several commands per iteration while many are in flight. At the
    /// early-flush limit (see `beginWrite`) the commands go out at once, as a flush per command
    /// did. A command sent outside a read still leaves in the iteration it was sent in.
    private func flushSoon(_ context: Context) {
        if unflushedBytes >= flushLimit {
            flushNow(context)
        } else if !flushQueued {
            // Set first: a loop without iterations (the embedded test loop) flushes at once.
            flushQueued = true
            context.eventLoop.flushAtIterationEnd(self)
        }
    }

    /// The iteration-end flush that `flushSoon` asked for.
    public func flushAtIterationEnd() {
        flushQueued = false
        guard unflushedBytes > 0, let context else { return }
        flushNow(context)
    }

    func flushNow(_ context: Context) {
        unflushedBytes = 0
        context.flush()
    }

    /// Writes a command that was held for the handshake.
    private func write(_ entry: consuming Entry, context: Context) {
        if entry.pending.asking { writeAsking(deadline: entry.deadline, context: context) }
        let bytes = entry.pending.command.bytes
        entry.ticket = beginWrite(bytes, context: context)
        inFlight.append(entry)
        context.write(bytes)
    }

    private func writeAsking(deadline: Deadline, context: Context) {
        uncounted += 1
        let bytes = Self.asking.bytes
        let ticket = beginWrite(bytes, context: context)
        inFlight.append(Entry(PendingCommand(command: Self.asking, handler: .discard, deadline: deadline), deadline: deadline,
                              ticket: ticket, id: 0, role: .plain, isInternal: true))
        context.write(bytes)
    }

    /// Accounts for a command about to be written; returns its ticket: the transport's
    /// accepted-write count before the write. Every byte of the command enters the transport in
    /// a later write, however the stages in between merge or split it (see `wasMaybeSent`).
    func beginWrite(_ bytes: ByteBuffer, context: Context) -> UInt64 {
        bytesInFlight += bytes.readableBytes
        unflushedBytes += bytes.readableBytes
        let limit = max(earlyFlushThreshold, bytesInFlight / 3)
        flushLimit = limit
        return channel!._withUnsafeGuaranteedRef { channel in
            channel.deferredFlushLimit = limit
            return channel.outboundWritesQueued
        }
    }

    // MARK: Pipeline events

    public func stageAdded(context: Context) {
        self.context = context
        channel = Unmanaged.passUnretained(context.channel)
    }

    public func stageRemoved(context: Context) {
        timer?.cancel()
        timer = nil
        armedAt = nil
        self.context = nil
        channel = nil
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
        resp3 = info.protocolVersion >= 3
        readyPromise?.succeed(info)
        // Oldest first; a completion cannot run in between (nothing is answered here).
        while !waiting.isEmpty { write(waiting.removeFirst(), context: context) }
        flushNow(context)
    }

    public func channelRead(context: Context, data: NodeReply) {
        switch data {
        case .value(let value):
            take(value, context: context)
        case .redirect(let redirection):
            if batchesInFlight > 0, takeBatchRedirect(redirection, context: context) { return }
            guard !inFlight.isEmpty else { return outOfStep(context) }
            redirect(removeOldest(), by: redirection)
        case .push(let value):
            if let frame = PubSubFrame(value), takePubSubFrame(frame, value) { return }
            onPush?(value)
        }
    }

    /// A reply that is neither a push frame nor a signal.
    @inline(__always)
    private func take(_ value: RESPValue, context: Context) {
        // RESP2 has no push type: pub/sub frames come as arrays, told apart by state. Only an
        // array is asked: an initializer takes its argument owned, so asking every reply
        // copied it (an atomic retain and release per command).
        if !resp3, case .array = value, let frame = PubSubFrame(value), takePubSubFrame(frame, value) { return }
        if batchesInFlight > 0, takeBatchReply(value, context: context) { return }
        guard !inFlight.isEmpty else { return outOfStep(context) }
        complete(removeOldest(), with: value, now: now)
    }

    private func complete(_ entry: borrowing Entry, with value: RESPValue, now: Deadline) {
        // Usually empty: emptying it anyway stored a new array and released the old one.
        if !confirmations.isEmpty { confirmations.removeAll() }
        var abortedBy: Redirection?
        switch entry.role {
        case .exec where entry.inTransaction:
            abortedBy = transactionAbortedBy
            transactionAbortedBy = nil
        case .reset:
            transactionAbortedBy = nil
            subscriptions.removeAll()
        default:
            break
        }
        if entry.abandoned || entry.isInternal { return }
        // The usual reply: in time, not an error, no transaction aborted. Answered without
        // `answer`'s result-and-flag tuple, which went through memory.
        if abortedBy == nil, now < entry.deadline, !Self.mayBeServerError(value) {
            return entry.pending.handler.complete(.success(value))
        }
        let (result, late) = answer(value, to: entry.pending.command, deadline: entry.deadline, now: now)
        if let abortedBy, !late {
            entry.pending.handler.complete(.failure(RedisError(.redirectedInTransaction(abortedBy), node: node, command: entry.pending.command.name)))
        } else {
            entry.pending.handler.complete(result)
        }
        if late { delegate?.nodeChannel(self, timedOut: 1) }
    }

    /// What the caller of `command` is told for `value`, its reply: an error reply as a
    /// `RedisError` naming the command, any other value as it is. Past `deadline` (`late`), the
    /// caller is told "timed out, outcome unknown" even though the reply is here: a node that
    /// was hung past a failover acknowledges what it queued, then is demoted and drops it. The
    /// timer usually says so first; this is for a reply read in the same loop iteration as the
    /// timer that would have.
    func answer(_ value: RESPValue, to command: RedisCommand, deadline: Deadline,
                now: Deadline) -> (result: Result<RESPValue, any Error>, late: Bool) {
        if deadline <= now { return (.failure(RedisError(.timeout(.unknown), node: node, command: command.name)), true) }
        if Self.mayBeServerError(value), let error = RESPServerError(value) {
            return (.failure(RedisError(.server(error), node: node, command: command.name)), false)
        }
        return (.success(value), false)
    }

    /// Whether `RESPServerError(value)` may find an error. Asked first: an initializer takes its
    /// argument owned, so asking it of every reply copied the value (an atomic retain and release).
    @inline(__always)
    static func mayBeServerError(_ value: RESPValue) -> Bool {
        switch value {
        case .simpleError, .bulkError, .attribute: return true
        default: return false
        }
    }

    private func redirect(_ entry: borrowing Entry, by redirection: Redirection) {
        if !confirmations.isEmpty { confirmations.removeAll() }
        if entry.isInternal { return }
        if entry.inTransaction {
            // The server discards the transaction; moving this one command elsewhere would run
            // it outside it. The EXEC (its reply is EXECABORT, or this redirect) fails the same.
            if entry.role == .exec {
                transactionAbortedBy = nil
            } else if transactionAbortedBy == nil {
                transactionAbortedBy = redirection
            }
            if !entry.abandoned {
                entry.pending.handler.complete(.failure(RedisError(.redirectedInTransaction(redirection), node: node, command: entry.pending.command.name)))
            }
            return
        }
        if entry.abandoned { return }
        if let delegate {
            delegate.nodeChannel(self, redirected: entry.pending, by: redirection)
        } else {
            entry.pending.handler.complete(.failure(RedisError(.redirected(redirection), node: node, command: entry.pending.command.name)))
        }
    }

    /// Removes the oldest command; a reply with none waiting means the stream is out of step.
    func popOldest(_ context: Context) -> Entry? {
        guard !inFlight.isEmpty else {
            outOfStep(context)
            return nil
        }
        return removeOldest()
    }

    /// Removes the oldest command, which must exist. The reply path takes the entry from here
    /// straight into `complete`/`redirect`: through `popOldest`'s `Entry?` the 176-byte entry
    /// was copied six times per reply (callgrind: memmove calls), here once. It still leaves the
    /// queue before its completion runs, since that may send (growing the ring) or close.
    @inline(__always)
    func removeOldest() -> Entry {
        let entry = inFlight.removeFirst()
        bytesInFlight -= entry.pending.command.bytes.readableBytes
        if entry.abandoned || entry.isInternal { uncounted -= 1 }
        return entry
    }

    /// A reply with no command waiting: the stream is out of step.
    private func outOfStep(_ context: Context) {
        closeCause = RedisError(.unexpectedReply, node: node)
        context.close()
    }

    public func errorCaught(context: Context, error: any Error) {
        // Remember the first cause: the failures on close name it. Our own errors (protocol,
        // handshake) become the commands' error; socket errors annotate "connection closed".
        if closeCause == nil && transportError == nil {
            if let redisError = error as? RedisError { closeCause = redisError } else { transportError = error }
        }
        context.fireError(error)
    }

    func rename(_ error: RedisError, _ command: RedisCommand) -> RedisError {
        var e = error
        e.command = command.name
        return e
    }
}
