/// The outbound end of a pipeline: hands writes, flushes and closes to the transport.
final class HeadNode<Transport: ChannelTransport>: OutboundNode {
    // Strong, not `unowned`: a checked unowned read is an atomic retain and release, and the
    // head is read twice per command (write, flush). No cycle: the transport does not own the
    // head. The pipeline's tear-down cuts the links to the head when the channel closes.
    let transport: Transport

    init(transport: Transport) { self.transport = transport }

    func invokeWrite(_ data: Transport.Outbound, promise: EventLoopPromise<Void>?) {
        transport.transportWrite(data, promise: promise)
    }
    func invokeFlush() { transport.transportFlush() }
    func invokeClose(promise: EventLoopPromise<Void>?) { transport.transportClose(error: nil, promise: promise) }
}

/// The inbound end of a pipeline: what no stage consumed arrives here.
///
/// A socket channel drops unconsumed messages and records the last unhandled error; the test
/// harness collects everything so a test can read it back.
public final class TailNode<In>: InboundNode {
    var onRead: ((In) -> Void)?
    var onError: ((any Error) -> Void)?
    var onUserEvent: ((Any) -> Void)?

    public init(onRead: ((In) -> Void)? = nil, onError: ((any Error) -> Void)? = nil, onUserEvent: ((Any) -> Void)? = nil) {
        self.onRead = onRead
        self.onError = onError
        self.onUserEvent = onUserEvent
    }

    /// Replaces the tail's handlers (a harness sets them once it exists itself).
    public func set(onRead: ((In) -> Void)?, onError: ((any Error) -> Void)?, onUserEvent: ((Any) -> Void)?) {
        self.onRead = onRead
        self.onError = onError
        self.onUserEvent = onUserEvent
    }

    @usableFromInline func invokeRead(_ data: In) { onRead?(data) }
    @usableFromInline func invokeActive() {}
    @usableFromInline func invokeInactive() {}
    @usableFromInline func invokeReadComplete() {}
    @usableFromInline func invokeWritabilityChanged() {}
    @usableFromInline func invokeError(_ error: any Error) { onError?(error) }
    @usableFromInline func invokeUserEvent(_ event: Any) { onUserEvent?(event) }
    @usableFromInline func adoptInboundLink(_ relink: @escaping (any InboundNode<In>) -> Void) {}
}

/// The installed stages of a channel, and the two ends the channel itself uses.
final class ChannelPipeline {
    var contexts: [any StageNode]
    /// Where channel-level inbound events (active, inactive, user events) enter.
    var first: any InboundEventNode
    /// Where `Channel.close()` and `Channel.flush()` enter, so every stage sees them.
    var last: any OutboundEventNode

    init(contexts: [any StageNode], first: any InboundEventNode, last: any OutboundEventNode) {
        self.contexts = contexts
        self.first = first
        self.last = last
    }

    static var empty: ChannelPipeline { ChannelPipeline(contexts: [], first: DetachedNode<Never>(), last: DetachedNode<Never>()) }

    var isEmpty: Bool { contexts.isEmpty }

    /// Tells every stage it is removed and cuts all links (front to back, like inbound order).
    /// Returns what it unlinked, for the loop to free once idle (see `StageContext`).
    func tearDown() -> [AnyObject] {
        var retired: [AnyObject] = contexts
        retired.append(first)
        retired.append(last)
        let removed = contexts
        contexts = []
        first = DetachedNode<Never>()
        last = DetachedNode<Never>()
        for context in removed { context.removed(retired: &retired) }
        return retired
    }

    var stageNames: [String] { contexts.map(\.stageName) }

    /// Drops a context that removed itself; if it was the first, `replacement` is.
    func forget(_ context: any StageNode & InboundEventNode, replacement: any InboundEventNode) {
        contexts.removeAll { $0 === context }
        if first === context { first = replacement }
    }
}
