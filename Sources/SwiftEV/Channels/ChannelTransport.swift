/// What moves a channel's bytes (or messages): a socket, or an in-memory transport in tests.
///
/// The pipeline's outbound end calls these methods; the transport reports back through the
/// `Channel` (`transportBecameActive`, `transportDidClose`, …) and delivers inbound messages
/// to the node returned by `Channel.install`. All calls happen on the channel's loop. A
/// transport that counts writes reports them with `Channel.transportQueuedWrite()` and
/// `transportStartedWrite()` (see `Channel.outboundWritesQueued`).
public protocol ChannelTransport: AnyObject {
    /// What the transport delivers into the pipeline (`ByteBuffer` for sockets).
    associatedtype Inbound
    /// What the pipeline writes into the transport (`ByteBuffer` for sockets).
    associatedtype Outbound

    /// Queues `data`; it is sent at the next flush.
    func transportWrite(_ data: Outbound, promise: EventLoopPromise<Void>?)
    /// Sends everything queued so far (sockets: at the end of this loop iteration, in one `writev`).
    func transportFlush()
    /// Bytes written but not yet handed to the kernel (0 if the transport does not buffer).
    var bufferedOutboundBytes: Int { get }
    /// Closes the transport; `error` is the cause when the close is not a clean one.
    func transportClose(error: (any Error)?, promise: EventLoopPromise<Void>?)
    /// Stops (`false`) or resumes (`true`) taking input from the peer (see `Channel.pauseReading`).
    func transportSetReading(_ enabled: Bool)
    /// Ends the sending side once what was written so far has left (see `Channel.shutdownOutput`).
    func transportShutdownOutput()
}

extension ChannelTransport {
    public var bufferedOutboundBytes: Int { 0 }
    /// A transport that cannot pause its input delivers it regardless.
    public func transportSetReading(_ enabled: Bool) {}
    /// A transport without a half-close sends on until it is closed.
    public func transportShutdownOutput() {}
}
