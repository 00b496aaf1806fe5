// The links between stages. Each stage's context is a node; a node knows the next node inbound
// and the previous node outbound through existentials constrained by the message type
// (`any InboundNode<Stage.InboundOut>`), so a value crosses a link as its concrete type: no
// `Any` box, no cast, no allocation.

/// Receives inbound events that carry no message.
@usableFromInline
protocol InboundEventNode: AnyObject {
    func invokeActive()
    func invokeInactive()
    func invokeReadComplete()
    func invokeWritabilityChanged()
    func invokeError(_ error: any Error)
    func invokeUserEvent(_ event: Any)
}

/// Receives inbound messages of one type.
@usableFromInline
protocol InboundNode<In>: InboundEventNode {
    associatedtype In
    func invokeRead(_ data: In)
    /// The stage before this node removed itself: from now on `relink` is what re-points the
    /// link that leads here (so this node can remove itself later too).
    func adoptInboundLink(_ relink: @escaping (any InboundNode<In>) -> Void)
}

/// Receives outbound operations that carry no message.
@usableFromInline
protocol OutboundEventNode: AnyObject {
    func invokeFlush()
    func invokeClose(promise: EventLoopPromise<Void>?)
}

/// Receives outbound messages of one type.
@usableFromInline
protocol OutboundNode<Out>: OutboundEventNode {
    associatedtype Out
    func invokeWrite(_ data: Out, promise: EventLoopPromise<Void>?)
}

/// Lifecycle hooks the pipeline calls on every stage's context.
protocol StageNode: AnyObject {
    var stageName: String { get }
    func added()
    func removed(retired: inout [AnyObject])
}
