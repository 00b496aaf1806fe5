/// A stage's handle on its place in the pipeline: it passes events to the neighbouring stages.
///
/// `fire…` methods send an inbound event to the next stage; `write`, `flush` and `close` send an
/// outbound operation to the previous one. The message types are the stage's own, so a wrong
/// type is a compile error, not a crash. Loop-confined: use it only on `eventLoop`.
public final class StageContext<Stage: ChannelStage> {
    // Calls along the pipeline take no reference to the stage or the node they call (each
    // reference was an atomic retain and release, ~80 instructions a call, ~5 calls a command).
    // What makes that safe: nothing the pipeline unlinks after it is installed — a stage, a
    // context, a link — is freed at once. It is handed to the loop (`releaseWhenIdle`), which
    // frees it only between events, when no call through the pipeline can be running. So a
    // call whose stage removes itself or closes the channel still runs on live objects.
    //
    // Loop-confined and never accessed re-entrantly in overlapping ways (they are only assigned
    // while building and tearing down), so the per-access dynamic exclusivity check — a
    // thread-local lookup on every event — is skipped.

    /// Owns the stage; nil once the stage is removed, which breaks the context ↔ stage cycle.
    @exclusivity(unchecked) var stage: Stage?
    /// The same stage, unretained, for calls (nil once removed; see above).
    @exclusivity(unchecked) @usableFromInline var stageRef: Unmanaged<Stage>?
    @exclusivity(unchecked) @usableFromInline var next: InboundLink<Stage.InboundOut>
    @exclusivity(unchecked) @usableFromInline var previous: OutboundLink<Stage.OutboundOut>

    /// Points the inbound link that leads to this stage elsewhere (set for inbound-only stages,
    /// which may remove themselves).
    var relinkPreviousInbound: ((any InboundNode<Stage.InboundIn>) -> Void)?
    /// Set once the pipeline is built: links changed from then on may be in use.
    private var isInstalled = false

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
        self.stageRef = Unmanaged.passUnretained(stage)
        self.name = name
        self.channel = channel
        self.next = InboundLink(next)
        self.previous = OutboundLink(previous)
    }

    /// The loop the channel and all its stages run on.
    public var eventLoop: any EventLoop { channel.eventLoop }

    /// Calls `body` with the next node inbound, without a reference of its own (see above).
    @inlinable @inline(__always)
    func withNext(_ body: (any InboundNode<Stage.InboundOut>) -> Void) {
        Unmanaged.passUnretained(next)._withUnsafeGuaranteedRef { body($0.node) }
    }

    /// Calls `body` with the previous node outbound, without a reference of its own (see above).
    @inlinable @inline(__always)
    func withPrevious(_ body: (any OutboundNode<Stage.OutboundOut>) -> Void) {
        Unmanaged.passUnretained(previous)._withUnsafeGuaranteedRef { body($0.node) }
    }

    // MARK: Inbound, towards the application

    @inlinable public func fireRead(_ data: Stage.InboundOut) { withNext { $0.invokeRead(data) } }
    public func fireActive() { withNext { $0.invokeActive() } }
    public func fireInactive() { withNext { $0.invokeInactive() } }
    public func fireReadComplete() { withNext { $0.invokeReadComplete() } }
    public func fireWritabilityChanged() { withNext { $0.invokeWritabilityChanged() } }
    public func fireError(_ error: any Error) { withNext { $0.invokeError(error) } }
    public func fireUserEvent(_ event: Any) { withNext { $0.invokeUserEvent(event) } }

    // MARK: Outbound, towards the transport

    /// Queues `data`; nothing reaches the transport until `flush`.
    @inlinable public func write(_ data: Stage.OutboundOut, promise: EventLoopPromise<Void>? = nil) {
        withPrevious { $0.invokeWrite(data, promise: promise) }
    }

    public func flush() { withPrevious { $0.invokeFlush() } }

    @inlinable public func writeAndFlush(_ data: Stage.OutboundOut, promise: EventLoopPromise<Void>? = nil) {
        withPrevious { previous in
            previous.invokeWrite(data, promise: promise)
            previous.invokeFlush()
        }
    }

    /// Closes the channel (the close travels through the stages before this one first).
    public func close(promise: EventLoopPromise<Void>? = nil) { withPrevious { $0.invokeClose(promise: promise) } }
}

extension StageContext: InboundNode {
    @usableFromInline func invokeRead(_ data: Stage.InboundIn) {
        stageRef?._withUnsafeGuaranteedRef { $0.channelRead(context: self, data: data) }
    }
    @usableFromInline func invokeActive() { stageRef?._withUnsafeGuaranteedRef { $0.channelActive(context: self) } }
    @usableFromInline func invokeInactive() { stageRef?._withUnsafeGuaranteedRef { $0.channelInactive(context: self) } }
    @usableFromInline func invokeReadComplete() { stageRef?._withUnsafeGuaranteedRef { $0.channelReadComplete(context: self) } }
    @usableFromInline func invokeWritabilityChanged() {
        stageRef?._withUnsafeGuaranteedRef { $0.channelWritabilityChanged(context: self) }
    }
    @usableFromInline func invokeError(_ error: any Error) {
        stageRef?._withUnsafeGuaranteedRef { $0.errorCaught(context: self, error: error) }
    }
    @usableFromInline func invokeUserEvent(_ event: Any) {
        stageRef?._withUnsafeGuaranteedRef { $0.userInboundEventTriggered(context: self, event: event) }
    }

    @usableFromInline func adoptInboundLink(_ relink: @escaping (any InboundNode<Stage.InboundIn>) -> Void) {
        // Only inbound-only stages can remove themselves, and only they carry a relink.
        if relinkPreviousInbound != nil { relinkPreviousInbound = relink }
    }
}

extension StageContext: OutboundNode {
    @usableFromInline func invokeWrite(_ data: Stage.OutboundIn, promise: EventLoopPromise<Void>?) {
        if let stageRef {
            stageRef._withUnsafeGuaranteedRef { $0.write(context: self, data: data, promise: promise) }
        } else {
            promise?.fail(ChannelError.ioOnClosedChannel)
        }
    }
    @usableFromInline func invokeFlush() { stageRef?._withUnsafeGuaranteedRef { $0.flush(context: self) } }
    @usableFromInline func invokeClose(promise: EventLoopPromise<Void>?) {
        if let stageRef {
            stageRef._withUnsafeGuaranteedRef { $0.close(context: self, promise: promise) }
        } else {
            promise?.succeed()
        }
    }
}

extension StageContext: StageNode {
    var stageName: String { name }
    func added() {
        isInstalled = true
        stage?.stageAdded(context: self)
    }

    /// Points the inbound link at `node`: while building, and when the stage after this one
    /// removes itself (then a call may be running through the old link; see above).
    func linkNext(to node: any InboundNode<Stage.InboundOut>) {
        let old = next
        next = InboundLink(node)
        if isInstalled { channel.releaseWhenIdle([old]) }
    }

    /// Tells the stage, then cuts every link so neither side keeps the other alive. What it
    /// unlinks goes to `retired`, for the loop to free once idle.
    func removed(retired: inout [AnyObject]) {
        stage?.stageRemoved(context: self)
        detachStage(retired: &retired)
        retired.append(next)
        next = InboundLink(DetachedNode<Stage.InboundOut>())
        // The relink closure holds the stage before this one: a cycle if left in place.
        relinkPreviousInbound = nil
    }

    /// Drops the stage and the outbound link (writes through this context fail from now on).
    private func detachStage(retired: inout [AnyObject]) {
        stageRef = nil
        if let stage { retired.append(stage) }
        stage = nil
        retired.append(previous)
        previous = OutboundLink(DetachedNode<Stage.OutboundOut>())
    }
}

/// An inbound link between two nodes. Immutable: a call reads `node` from a link it does not
/// retain (`StageContext.withNext`), so re-pointing a link replaces the whole object, and the
/// old one is freed only when the loop is idle.
@usableFromInline
final class InboundLink<In> {
    @usableFromInline let node: any InboundNode<In>
    init(_ node: any InboundNode<In>) { self.node = node }
}

/// An outbound link between two nodes (see `InboundLink`).
@usableFromInline
final class OutboundLink<Out> {
    @usableFromInline let node: any OutboundNode<Out>
    init(_ node: any OutboundNode<Out>) { self.node = node }
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
        let following = next.node
        relink(following)
        // The next stage's own relink pointed at this context; it must now re-point the link
        // that leads to the stage before this one, or its later removal re-points a dead link.
        following.adoptInboundLink(relink)
        let pipeline = channel.pipeline
        pipeline.forget(self, replacement: following)
        stage.stageRemoved(context: self)
        // The stage may be running the call that removes it: it, this context and its links
        // are freed once the loop is idle.
        var retired: [AnyObject] = [self]
        detachStage(retired: &retired)
        channel.releaseWhenIdle(retired)
    }
}
