import SwiftEV

/// Upper-cases lines in both directions (the README's example stage).
final class UppercaseStage: ChannelStage {
    typealias InboundIn = String
    typealias OutboundIn = String

    func channelRead(context: Context, data: String) {
        context.fireRead(data.uppercased())
    }
}

/// Answers each line with "echo: <line>".
final class LineEchoStage: ChannelStage {
    typealias InboundIn = String
    typealias OutboundIn = String

    func channelRead(context: Context, data: String) {
        context.writeAndFlush("echo: \(data)")
    }
}

/// Records every event it sees, passing all of them on.
final class RecordingStage<In, Out>: ChannelStage {
    typealias InboundIn = In
    typealias OutboundIn = Out

    var events: [String] = []
    weak var lastContext: Context?

    func stageAdded(context: Context) { events.append("added"); lastContext = context }
    func stageRemoved(context: Context) { events.append("removed") }
    func channelActive(context: Context) { events.append("active"); context.fireActive() }
    func channelInactive(context: Context) { events.append("inactive"); context.fireInactive() }
    func channelRead(context: Context, data: In) { events.append("read"); context.fireRead(data) }
    func errorCaught(context: Context, error: any Error) { events.append("error"); context.fireError(error) }
    func userInboundEventTriggered(context: Context, event: Any) { events.append("user"); context.fireUserEvent(event) }
    func channelWritabilityChanged(context: Context) { events.append("writable=\(context.channel.isWritable)"); context.fireWritabilityChanged() }
    func write(context: Context, data: Out, promise: EventLoopPromise<Void>?) { events.append("write"); context.write(data, promise: promise) }
    func flush(context: Context) { events.append("flush"); context.flush() }
    func close(context: Context, promise: EventLoopPromise<Void>?) { events.append("close"); context.close(promise: promise) }
}
