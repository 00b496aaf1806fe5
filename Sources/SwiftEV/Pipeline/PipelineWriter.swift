/// Writes into a pipeline at one point, as a stage placed there would: what you write goes
/// through every stage before that point on its way to the transport.
///
/// Take it from a builder (`builder.writer`) to feed a pipeline from outside any stage — a test
/// harness, or a client object that owns the channel. Loop-confined.
///
/// ```swift
/// var writer: PipelineWriter<String>?
/// _ = channel.install(transport: t) { pipeline in
///     let end = pipeline.adding(LineFramingStage())
///     writer = end.writer
///     return end
/// }
/// writer?.writeAndFlush("PING")
/// ```
public struct PipelineWriter<Outbound> {
    @usableFromInline let node: any OutboundNode<Outbound>

    @inlinable public func write(_ data: Outbound, promise: EventLoopPromise<Void>? = nil) {
        node.invokeWrite(data, promise: promise)
    }

    public func flush() { node.invokeFlush() }

    @inlinable public func writeAndFlush(_ data: Outbound, promise: EventLoopPromise<Void>? = nil) {
        node.invokeWrite(data, promise: promise)
        node.invokeFlush()
    }

    public func close(promise: EventLoopPromise<Void>? = nil) { node.invokeClose(promise: promise) }
}

extension PipelineBuilder {
    /// A writer that enters the pipeline after the stages added so far.
    public var writer: PipelineWriter<Outbound> { PipelineWriter(node: outbound) }
}
