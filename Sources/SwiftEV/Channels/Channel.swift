/// A connection (or an in-memory stand-in): a transport plus a pipeline of stages, pinned to
/// one event loop for life.
///
/// ```swift
/// let channel = try await TCPClient(group: group)
///     .connect(host: "127.0.0.1", port: 6379) { $0.adding(MyStage()) }
///     .get()
/// try await channel.close().get()
/// ```
///
/// `@unchecked Sendable`: every mutable property is touched only on `eventLoop`; the public
/// methods callable from other threads (`close`, `triggerUserEvent`) hop to the loop first.
public final class Channel: @unchecked Sendable {
    public let eventLoop: any EventLoop
    var pipeline = ChannelPipeline.empty
    /// Owns the transport; stages and the transport itself refer to it without owning it.
    private var transport: (any ChannelTransport)?
    private let closePromise: EventLoopPromise<Void>
    private var writable = true
    private var active = false
    private var closed = false

    /// The address of this end, for socket channels.
    public internal(set) var localAddress: SocketAddress?
    /// The address of the peer, for socket channels.
    public internal(set) var remoteAddress: SocketAddress?

    public init(eventLoop: any EventLoop) {
        self.eventLoop = eventLoop
        self.closePromise = EventLoopPromise(eventLoop: eventLoop)
    }

    /// Succeeds once the channel has closed and its stages were removed.
    public var closeFuture: EventLoopFuture<Void> { closePromise.futureResult }

    /// Whether the channel is connected. Loop-confined.
    public var isActive: Bool { active }

    /// Whether the outbound backlog is below its high water mark. A producer should pause
    /// when this turns false and resume on `channelWritabilityChanged`. Loop-confined.
    public var isWritable: Bool { writable }

    /// Bytes written and not yet taken by the kernel: the user-space backlog that the water marks
    /// bound. Loop-confined.
    public var bufferedOutboundBytes: Int { closed ? 0 : transport?.bufferedOutboundBytes ?? 0 }

    /// How many writes the transport has accepted since the channel opened (monotonic).
    ///
    /// Read it right after `context.write(…)` and you have that write's ticket; compare tickets
    /// with `outboundWritesStarted` to learn, without a promise per write, whether a write had
    /// begun to leave when the connection was lost (its effect on the peer is then unknown) or
    /// had not (safe to send again elsewhere). Valid when the stages between you and the
    /// transport pass each write straight through. Loop-confined; still readable after close.
    public var outboundWritesQueued: UInt64 { transport?.writeProgress.queued ?? 0 }

    /// How many writes have had at least one byte handed to the kernel (monotonic). Loop-confined.
    public var outboundWritesStarted: UInt64 { transport?.writeProgress.started ?? 0 }

    /// Flushed bytes waiting to be sent at which a flush goes out at once instead of at the end
    /// of the loop iteration (`ChannelOptions.deferredFlushLimit` sets the initial value).
    ///
    /// Deferring lets everything one iteration writes leave in one system call. A stage that
    /// streams requests to a peer that works in parallel (a pipelining client) can lower it
    /// while a large window is in flight, so the peer starts on the first part while this side
    /// still produces the rest. Loop-confined.
    public var deferredFlushLimit = Int.max

    /// Names of the installed stages, in inbound order. Loop-confined.
    public var stageNames: [String] { pipeline.stageNames }

    /// Closes the channel through its pipeline (every stage sees the close). Callable from any thread.
    @discardableResult
    public func close() -> EventLoopFuture<Void> {
        let promise = EventLoopPromise<Void>(eventLoop: eventLoop)
        if eventLoop.inEventLoop {
            closeOnLoop(promise: promise)
        } else {
            eventLoop.execute { self.closeOnLoop(promise: promise) }
        }
        return promise.futureResult
    }

    private func closeOnLoop(promise: EventLoopPromise<Void>) {
        if closed {
            promise.fail(ChannelError.alreadyClosed)
        } else {
            pipeline.last.invokeClose(promise: promise)
        }
    }

    /// Sends a user event into the pipeline from its first stage. Callable from any thread.
    public func triggerUserEvent(_ event: any Sendable) {
        if eventLoop.inEventLoop {
            pipeline.first.invokeUserEvent(event)
        } else {
            eventLoop.execute { self.pipeline.first.invokeUserEvent(event) }
        }
    }

    /// Asks every stage to flush. Loop-confined.
    public func flush() {
        eventLoop.preconditionInEventLoop()
        pipeline.last.invokeFlush()
    }

    // MARK: Called by transports

    /// Installs the stages built by `initializer` between `transport` and a tail, and returns the
    /// node the transport must deliver inbound messages to. Call once, on the loop.
    public func install<Transport: ChannelTransport, In, Out>(
        transport: Transport,
        tail: TailNode<In> = TailNode(),
        _ initializer: (PipelineBuilder<Transport.Inbound, Transport.Outbound>) throws -> PipelineBuilder<In, Out>
    ) rethrows -> PipelineEntry<Transport.Inbound> {
        eventLoop.preconditionInEventLoop()
        self.transport = transport
        return PipelineEntry(point: try installPipeline(transport: transport, tail: tail, initializer))
    }

    /// The transport is connected: fires `channelActive`.
    public func transportBecameActive() {
        guard !active, !closed else { return }
        active = true
        pipeline.first.invokeActive()
    }

    /// The transport's backlog crossed a water mark.
    public func transportWritabilityChanged(_ isWritable: Bool) {
        guard writable != isWritable else { return }
        writable = isWritable
        pipeline.first.invokeWritabilityChanged()
    }

    /// Reports an error to the stages (`errorCaught`), without closing.
    public func transportError(_ error: any Error) {
        pipeline.first.invokeError(error)
    }

    /// The transport has closed (its resources are released): fires `channelInactive`,
    /// removes every stage and completes `closeFuture`. Idempotent.
    public func transportDidClose() {
        guard !closed else { return }
        closed = true
        let wasActive = active
        active = false
        if wasActive { pipeline.first.invokeInactive() }
        pipeline.tearDown()
        closePromise.succeed()
    }

    /// Whether `transportDidClose` has run.
    public var isClosed: Bool { closed }
}

/// Where a transport delivers inbound messages: the pipeline's first stage (or its tail).
public struct PipelineEntry<Inbound> {
    @usableFromInline let point: PipelineEntryPoint<Inbound>

    /// Delivers one message to the first stage.
    @inlinable public func read(_ data: Inbound) { point.node.invokeRead(data) }
    /// Ends a batch of reads.
    public func readComplete() { point.node.invokeReadComplete() }
    /// A pipeline entry that drops everything (before a pipeline is installed, or after close).
    public static var detached: PipelineEntry<Inbound> { PipelineEntry(point: PipelineEntryPoint(node: DetachedNode<Inbound>())) }
}

/// The transport's link to the first stage, shared with the builder so it can be re-pointed
/// when that stage removes itself.
public final class PipelineEntryPoint<Inbound> {
    @exclusivity(unchecked) @usableFromInline var node: any InboundNode<Inbound>
    init(node: any InboundNode<Inbound>) { self.node = node }
}
