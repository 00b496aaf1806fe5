// Outbound operations skip an `InboundOnlyStage`, so an override of its `write`, `flush` or
// `close` would never run. Swift cannot reject the override at compile time (a class may always
// declare a method its protocol has a default for), so debug builds check at run time: the
// defaults below mark the context when they run, and a check node in the outbound path calls
// the stage's method the first time each operation passes; if the default did not run, the
// stage overrides it, and the build traps with the stage's name. Release builds keep the
// direct link and pay nothing.

extension InboundOnlyStage {
    public func write(context: Context, data: OutboundIn, promise: EventLoopPromise<Void>?) {
        context.markPassedOver()
        context.write(data, promise: promise)
    }

    public func flush(context: Context) {
        context.markPassedOver()
        context.flush()
    }

    public func close(context: Context, promise: EventLoopPromise<Void>?) {
        context.markPassedOver()
        context.close(promise: promise)
    }
}

#if DEBUG
/// What debug builds do when an `InboundOnlyStage` overrides an outbound method. Replaced by
/// tests to observe the report; set only while no pipeline is in use on another thread.
nonisolated(unsafe) var inboundOnlyOverrideReport: (String) -> Void = { preconditionFailure($0) }

/// Debug builds: stands where outbound operations skip an inbound-only stage (see above).
final class InboundOnlyOverrideCheck<Stage: InboundOnlyStage>: OutboundNode {
    typealias Out = Stage.OutboundIn
    // Where the operations really go: the node before the stage.
    let previous: any OutboundNode<Stage.OutboundOut>
    weak var context: StageContext<Stage>?
    private var checkedWrite = false, checkedFlush = false, checkedClose = false

    init(context: StageContext<Stage>, previous: any OutboundNode<Stage.OutboundOut>) {
        self.context = context
        self.previous = previous
    }

    func invokeWrite(_ data: Out, promise: EventLoopPromise<Void>?) {
        guard !checkedWrite, let context, let stage = context.stage else { return previous.invokeWrite(data, promise: promise) }
        checkedWrite = true
        probe(context, "write(context:data:promise:)") { stage.write(context: context, data: data, promise: promise) }
    }

    func invokeFlush() {
        guard !checkedFlush, let context, let stage = context.stage else { return previous.invokeFlush() }
        checkedFlush = true
        probe(context, "flush(context:)") { stage.flush(context: context) }
    }

    func invokeClose(promise: EventLoopPromise<Void>?) {
        guard !checkedClose, let context, let stage = context.stage else { return previous.invokeClose(promise: promise) }
        checkedClose = true
        probe(context, "close(context:promise:)") { stage.close(context: context, promise: promise) }
    }

    private func probe(_ context: StageContext<Stage>, _ method: String, _ call: () -> Void) {
        context.passedOver = false
        call()
        if !context.passedOver {
            inboundOnlyOverrideReport("""
                stage '\(context.name)' (\(Stage.self)) is an InboundOnlyStage but implements \(method), \
                which is never called in release builds: outbound operations skip inbound-only stages. \
                Conform to ChannelStage instead.
                """)
        }
    }
}
#endif
