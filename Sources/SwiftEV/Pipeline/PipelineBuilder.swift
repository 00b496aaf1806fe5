/// Assembles a channel's stages in order, from the transport towards the application, checking
/// at compile time that each stage fits the one before it.
///
/// `Inbound` is what the next stage added will receive; `Outbound` is what it must write.
/// A socket channel starts at `PipelineBuilder<ByteBuffer, ByteBuffer>`:
///
/// ```swift
/// TCPServer(group: group) { pipeline in
///     pipeline
///         .adding(LineFramingStage())   // ByteBuffer ⇄ String
///         .adding(UppercaseStage())     // String ⇄ String
///         .adding(EchoLineStage())
/// }
/// ```
///
/// Adding a stage whose `InboundIn` is not `Inbound` (or whose `OutboundOut` is not `Outbound`)
/// is a type error at the call site.
public struct PipelineBuilder<Inbound, Outbound> {
    let draft: PipelineDraft
    let link: (any InboundNode<Inbound>) -> Void
    let outbound: any OutboundNode<Outbound>

    /// The channel being built.
    public var channel: Channel { draft.channel }

    /// Appends `stage` after the stages added so far.
    public func adding<Stage: ChannelStage>(
        _ stage: Stage,
        name: String? = nil
    ) -> PipelineBuilder<Stage.InboundOut, Stage.OutboundIn>
    where Stage.InboundIn == Inbound, Stage.OutboundOut == Outbound {
        let context = attach(stage, name: name)
        draft.lastOutbound = context
        return PipelineBuilder<Stage.InboundOut, Stage.OutboundIn>(draft: draft, link: { context.linkNext(to: $0) }, outbound: context)
    }

    /// Appends an inbound-only stage: later stages' outbound operations bypass it.
    public func adding<Stage: InboundOnlyStage>(
        _ stage: Stage,
        name: String? = nil
    ) -> PipelineBuilder<Stage.InboundOut, Stage.OutboundIn>
    where Stage.InboundIn == Inbound, Stage.OutboundOut == Outbound {
        let context = attach(stage, name: name)
        context.relinkPreviousInbound = link
        #if DEBUG
        // Debug builds route outbound operations past the stage through a check that traps if
        // the stage overrides one of them (it would never be called; see InboundOnlyOverrideCheck).
        let check = InboundOnlyOverrideCheck(context: context, previous: outbound)
        draft.lastOutbound = check
        return PipelineBuilder<Stage.InboundOut, Stage.OutboundIn>(draft: draft, link: { context.linkNext(to: $0) }, outbound: check)
        #else
        // `outbound` stays what it was: the next stage writes to the stage before this one.
        return PipelineBuilder<Stage.InboundOut, Stage.OutboundIn>(draft: draft, link: { context.linkNext(to: $0) }, outbound: outbound)
        #endif
    }

    /// A context for `stage`, linked after the stages so far inbound and writing to `outbound`.
    private func attach<Stage: ChannelStage>(_ stage: Stage, name: String?) -> StageContext<Stage>
    where Stage.InboundIn == Inbound, Stage.OutboundOut == Outbound {
        let context = StageContext(
            stage: stage,
            name: name ?? String(describing: Stage.self),
            channel: draft.channel,
            next: DetachedNode<Stage.InboundOut>(),
            previous: outbound
        )
        link(context)
        draft.contexts.append(context)
        return context
    }
}

/// What the builder accumulates; shared by the chain of builder values.
final class PipelineDraft {
    unowned let channel: Channel
    var contexts: [any StageNode] = []
    var lastOutbound: (any OutboundEventNode)?
    var firstInbound: (any InboundEventNode)?

    init(channel: Channel) { self.channel = channel }
}

extension Channel {
    /// Builds the pipeline between `transport` and a tail, installs it, and returns the node
    /// the transport delivers inbound messages to.
    func installPipeline<Transport: ChannelTransport, In, Out>(
        transport: Transport,
        tail: TailNode<In>,
        _ initializer: (PipelineBuilder<Transport.Inbound, Transport.Outbound>) throws -> PipelineBuilder<In, Out>
    ) rethrows -> PipelineEntryPoint<Transport.Inbound> {
        let draft = PipelineDraft(channel: self)
        let head = HeadNode(transport: transport)
        let entry = PipelineEntryPoint<Transport.Inbound>(node: DetachedNode<Transport.Inbound>())
        let start = PipelineBuilder<Transport.Inbound, Transport.Outbound>(
            draft: draft,
            // Weak: this closure stays with an inbound-only first stage, and the draft holds every context.
            link: { [weak draft] node in entry.node = node; draft?.firstInbound = node },
            outbound: head
        )
        let end = try initializer(start)
        end.link(tail)
        pipeline = ChannelPipeline(
            contexts: draft.contexts,
            first: draft.firstInbound ?? tail,
            last: draft.lastOutbound ?? head
        )
        for context in draft.contexts { context.added() }
        return entry
    }
}
