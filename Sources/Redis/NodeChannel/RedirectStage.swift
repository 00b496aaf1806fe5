import RESP
import SwiftEV

/// Stage 3 of a node channel: sorts replies into plain values, redirect/retry signals
/// (`MOVED`, `ASK`, `TRYAGAIN`, `CLUSTERDOWN`, `LOADING`, `MASTERDOWN`) and push frames.
///
/// Only error replies are inspected, so ordinary replies pass at the cost of one switch.
public final class RedirectStage: InboundOnlyStage {
    public typealias InboundIn = RESPValue
    public typealias InboundOut = NodeReply
    public typealias OutboundIn = ByteBuffer

    private let currentHost: String

    /// - Parameter currentHost: the host this channel is connected to; a redirect with an
    ///   empty host (Redis 7's unknown endpoint) means this host.
    public init(currentHost: String) {
        self.currentHost = currentHost
    }

    public func channelRead(context: Context, data: RESPValue) {
        switch data {
        case .simpleError(let text), .bulkError(let text):
            if let redirection = Redirection(errorText: String(buffer: text), currentHost: currentHost) {
                context.fireRead(.redirect(redirection))
            } else {
                context.fireRead(.value(data))
            }
        case .push:
            context.fireRead(.push(data))
        default:
            context.fireRead(.value(data))
        }
    }
}
