/// A stage of a channel pipeline: it sees inbound events travelling from the transport towards
/// the application and outbound operations travelling back.
///
/// The four message types make the pipeline type-checked: a stage's `InboundOut` must be the
/// next stage's `InboundIn`, and its `OutboundIn` the next stage's `OutboundOut`, or
/// `PipelineBuilder.adding` does not compile. Every method has a default that passes the event
/// on unchanged, so a stage implements only what it cares about; the defaults for `channelRead`
/// and `write` exist only when the stage does not change the type.
///
/// A stage that upper-cases text lines and lets everything else through:
///
/// ```swift
/// final class UppercaseStage: ChannelStage {
///     typealias InboundIn = String
///     typealias OutboundIn = String
///
///     func channelRead(context: Context, data: String) {
///         context.fireRead(data.uppercased())
///     }
/// }
/// ```
///
/// All methods run on the channel's event loop. A stage settles its own state before calling
/// the context: a call out may re-enter the stage (a completed promise may write or close).
public protocol ChannelStage: AnyObject {
    /// What this stage receives from the stage before it (nearer the transport).
    associatedtype InboundIn
    /// What this stage passes on to the stage after it.
    associatedtype InboundOut = InboundIn
    /// What the stage after it writes into this stage.
    associatedtype OutboundIn
    /// What this stage writes towards the transport.
    associatedtype OutboundOut = OutboundIn

    typealias Context = StageContext<Self>

    /// The stage was added to a pipeline; `context` stays valid until `stageRemoved`.
    func stageAdded(context: Context)
    /// The channel closed and the pipeline is being torn down; drop any reference to `context`.
    func stageRemoved(context: Context)

    func channelActive(context: Context)
    func channelInactive(context: Context)
    func channelRead(context: Context, data: InboundIn)
    /// The end of a batch of reads (one readiness notification from the transport).
    func channelReadComplete(context: Context)
    /// `context.channel.isWritable` changed (the outbound backlog crossed a water mark).
    func channelWritabilityChanged(context: Context)
    func userInboundEventTriggered(context: Context, event: Any)
    func errorCaught(context: Context, error: any Error)

    func write(context: Context, data: OutboundIn, promise: EventLoopPromise<Void>?)
    func flush(context: Context)
    func close(context: Context, promise: EventLoopPromise<Void>?)
}

extension ChannelStage {
    public func stageAdded(context: Context) {}
    public func stageRemoved(context: Context) {}
    public func channelActive(context: Context) { context.fireActive() }
    public func channelInactive(context: Context) { context.fireInactive() }
    public func channelReadComplete(context: Context) { context.fireReadComplete() }
    public func channelWritabilityChanged(context: Context) { context.fireWritabilityChanged() }
    public func userInboundEventTriggered(context: Context, event: Any) { context.fireUserEvent(event) }
    public func errorCaught(context: Context, error: any Error) { context.fireError(error) }
    public func flush(context: Context) { context.flush() }
    public func close(context: Context, promise: EventLoopPromise<Void>?) { context.close(promise: promise) }
}

extension ChannelStage where InboundIn == InboundOut {
    public func channelRead(context: Context, data: InboundIn) { context.fireRead(data) }
}

extension ChannelStage where OutboundIn == OutboundOut {
    public func write(context: Context, data: OutboundIn, promise: EventLoopPromise<Void>?) {
        context.write(data, promise: promise)
    }
}

/// A stage that only takes part in inbound traffic. Writes, flushes and closes from the
/// stages after it go straight past it (the builder links them to the stage before), which
/// saves a call per message per such stage on the outbound path. It can still write itself
/// through its context, e.g. a handshake stage sending its own commands.
///
/// Declare it only for a stage whose outbound methods are the pass-through defaults: an
/// override of `write`, `flush` or `close` in an `InboundOnlyStage` is never called. Swift
/// cannot reject such an override at compile time, so debug builds trap, naming the stage and
/// the method, the first time that operation passes the stage.
///
/// ```swift
/// final class CountingStage: InboundOnlyStage {
///     typealias InboundIn = ByteBuffer
///     typealias OutboundIn = ByteBuffer
///     var bytes = 0
///     func channelRead(context: Context, data: ByteBuffer) {
///         bytes += data.readableBytes
///         context.fireRead(data)
///     }
/// }
/// ```
public protocol InboundOnlyStage: ChannelStage where OutboundIn == OutboundOut {}
