/// A stage's handle on its place in the pipeline: it passes events to the neighbouring stages.
///
/// `fire…` methods send an inbound event to the next stage; `write`, `flush` and `close` send an
/// outbound operation to the previous one. The message types are the stage's own, so a wrong
/// type is a compile error, not a crash. Loop-confined: use it only on `eventLoop`.
public final class StageContext<Stage: ChannelStage> {
    // Loop-confined and never accessed re-entrantly in overlapping ways (they are only assigned
    // while building and tearing down), so the per-access dynamic exclusivity check — a
    // thread-local lookup on every event — is skipped.

    /// Nil once the pipeline is torn down, which breaks the context ↔ stage cycle.
    @exclusivity(unchecked) @usableFromInline var stage: Stage?
    @exclusivity(unchecked) @usableFromInline var next: any InboundNode<Stage.InboundOut>
    @exclusivity(unchecked) @usableFromInline var previous: any OutboundNode<Stage.OutboundOut>

    /// Points the inbound link that leads to this stage elsewhere (set for inbound-only stages,
    /// which may remove themselves).
    var relinkPreviousInbound: ((any InboundNode<Stage.InboundIn>) -> Void)?

    #if DEBUG
    /// Set by an `InboundOnlyStage`'s default outbound methods (see `InboundOnlyOverrideCheck`).
    var passedOver = false
    #endif

    func markPassedOver() {
        #if DEBUG
        passedOver = true
        #endif
    }

    /// The channel this stage belongs to. (Checked `unowned`: a stage that keeps its context
    /// past the channel's life traps clearly instead of reading freed memory.)
    public unowned let channel: Channel
    /// The stage's name in the pipeline (for logs and errors).
    public let name: String

    init(stage: Stage, name: String, channel: Channel,
         next: any InboundNode<Stage.InboundOut>, previous: any OutboundNode<Stage.OutboundOut>) {
        self.stage = stage
        self.name = name
        self.channel = channel
        self.next = next
        self.previous = previous
    }

    /// The loop the channel and all its stages run on.
    public var eventLoop: any EventLoop { channel.eventLoop }

    // MARK: Inbound, towards the application

    @inlinable public func fireRead(_ data: Stage.InboundOut) { next.invokeRead(data) }
    public func fireActive() { next.invokeActive() }
    public func fireInactive() { next.invokeInactive() }
    public func fireReadComplete() { next.invokeReadComplete() }
    public func fireWritabilityChanged() { next.invokeWritabilityChanged() }
    public func fireError(_ error: any Error) { next.invokeError(error) }
    public func fireUserEvent(_ event: Any) { next.invokeUserEvent(event) }

    // MARK: Outbound, towards the transport

    /// Queues `data`; nothing reaches the transport until `flush`.
    @inlinable public func write(_ data: Stage.OutboundOut, promise: EventLoopPromise<Void>? = nil) {
        previous.invokeWrite(data, promise: promise)
    }

    public func flush() { previous.invokeFlush() }

    @inlinable public func writeAndFlush(_ data: Stage.OutboundOut, promise: EventLoopPromise<Void>? = nil) {
        // One read of the link: each read of the stored existential retains and releases it
        // around the call (callgrind: one atomic pair less per command on a node channel).
        let previous = self.previous
        previous.invokeWrite(data, promise: promise)
        previous.invokeFlush()
    }

    /// Closes the channel (the close travels through the stages before this one first).
    public func close(promise: EventLoopPromise<Void>? = nil) { previous.invokeClose(promise: promise) }
}

extension StageContext: InboundNode {
    @usableFromInline func invokeRead(_ data: Stage.InboundIn) { stage?.channelRead(context: self, data: data) }
    @usableFromInline func invokeActive() { stage?.channelActive(context: self) }
    @usableFromInline func invokeInactive() { stage?.channelInactive(context: self) }
    @usableFromInline func invokeReadComplete() { stage?.channelReadComplete(context: self) }
    @usableFromInline func invokeWritabilityChanged() { stage?.channelWritabilityChanged(context: self) }
    @usableFromInline func invokeError(_ error: any Error) { stage?.errorCaught(context: self, error: error) }
    @usableFromInline func invokeUserEvent(_ event: Any) { stage?.userInboundEventTriggered(context: self, event: event) }

    @usableFromInline func adoptInboundLink(_ relink: @escaping (any InboundNode<Stage.InboundIn>) -> Void) {
        // Only inbound-only stages can remove themselves, and only they carry a relink.
        if relinkPreviousInbound != nil { relinkPreviousInbound = relink }
    }
}

extension StageContext: OutboundNode {
    @usableFromInline func invokeWrite(_ data: Stage.OutboundIn, promise: EventLoopPromise<Void>?) {
        if let stage { stage.write(context: self, data: data, promise: promise) } else { promise?.fail(ChannelError.ioOnClosedChannel) }
    }
    @usableFromInline func invokeFlush() { stage?.flush(context: self) }
    @usableFromInline func invokeClose(promise: EventLoopPromise<Void>?) {
        if let stage { stage.close(context: self, promise: promise) } else { promise?.succeed() }
    }
}

extension StageContext: StageNode {
    var stageName: String { name }
    func added() { stage?.stageAdded(context: self) }

    /// Tells the stage, then cuts every link so neither side keeps the other alive.
    func removed() {
        stage?.stageRemoved(context: self)
        stage = nil
        next = DetachedNode<Stage.InboundOut>()
        previous = DetachedNode<Stage.OutboundOut>()
    }
}

/// What a torn-down context points at: swallows events, fails writes.
final class DetachedNode<T>: InboundNode, OutboundNode {
    func invokeRead(_ data: T) {}
    func invokeActive() {}
    func invokeInactive() {}
    func invokeReadComplete() {}
    func invokeWritabilityChanged() {}
    func invokeError(_ error: any Error) {}
    func invokeUserEvent(_ event: Any) {}
    func adoptInboundLink(_ relink: @escaping (any InboundNode<T>) -> Void) {}
    func invokeWrite(_ data: T, promise: EventLoopPromise<Void>?) { promise?.fail(ChannelError.ioOnClosedChannel) }
    func invokeFlush() {}
    func invokeClose(promise: EventLoopPromise<Void>?) { promise?.succeed() }
}

extension StageContext where Stage: InboundOnlyStage, Stage.InboundIn == Stage.InboundOut {
    /// Takes this stage out of the pipeline for good: inbound events go straight from the stage
    /// before it to the stage after it, and `stageRemoved` is called. For a stage whose work is
    /// done (a handshake), so it costs nothing per message afterwards. Must be called on the loop.
    ///
    /// Any number of stages may remove themselves, in any order. After the call, `fire…` on
    /// this context still reaches the stage that followed it (so a stage may remove itself and
    /// then pass on the message in hand); writes through it fail with `ioOnClosedChannel`.
    public func removeStage() {
        guard let relink = relinkPreviousInbound, let stage else { return }
        relinkPreviousInbound = nil
        relink(next)
        // The next stage's own relink pointed at this context; it must now re-point the link
        // that leads to the stage before this one, or its later removal re-points a dead link.
        next.adoptInboundLink(relink)
        channel.pipeline.forget(self, replacement: next)
        stage.stageRemoved(context: self)
        self.stage = nil
        previous = DetachedNode<Stage.OutboundOut>()
    }
}
