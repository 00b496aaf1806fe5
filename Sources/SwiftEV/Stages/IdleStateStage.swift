/// Sends `IdleStateStage.Event` up the pipeline when nothing was read, or nothing written, for
/// a while; the stage after it decides what to do (close, send a ping).
///
/// ```swift
/// pipeline
///     .adding(IdleStateStage<ByteBuffer, ByteBuffer>(readTimeout: .seconds(30)))
///     .adding(CloseWhenIdleStage())
/// ```
///
/// One re-armable timer per direction; activity only records a time, and the timer checks it
/// when it fires (no re-arm per message).
public final class IdleStateStage<In, Out>: ChannelStage {
    public typealias InboundIn = In
    public typealias OutboundIn = Out

    public enum Event: Equatable, Sendable {
        case readIdle
        case writeIdle
    }

    private let readTimeout: TimeAmount?
    private let writeTimeout: TimeAmount?
    private var lastRead = Deadline.distantPast
    private var lastWrite = Deadline.distantPast
    private var readTimer: (any LoopTimer)?
    private var writeTimer: (any LoopTimer)?

    public init(readTimeout: TimeAmount? = nil, writeTimeout: TimeAmount? = nil) {
        self.readTimeout = readTimeout
        self.writeTimeout = writeTimeout
    }

    public func channelActive(context: Context) {
        let now = context.eventLoop.now
        lastRead = now
        lastWrite = now
        if let readTimeout {
            let timer = context.eventLoop.makeTimer { [unowned self, unowned context] in
                check(.readIdle, timeout: readTimeout, context: context)
            }
            timer.arm(at: now + readTimeout)
            readTimer = timer
        }
        if let writeTimeout {
            let timer = context.eventLoop.makeTimer { [unowned self, unowned context] in
                check(.writeIdle, timeout: writeTimeout, context: context)
            }
            timer.arm(at: now + writeTimeout)
            writeTimer = timer
        }
        context.fireActive()
    }

    private func check(_ event: Event, timeout: TimeAmount, context: Context) {
        let now = context.eventLoop.now
        let isRead = event == .readIdle
        let due = (isRead ? lastRead : lastWrite) + timeout
        let timer = isRead ? readTimer : writeTimer
        if due <= now {
            // Idle for a full period: tell, then measure the next period from now.
            if isRead { lastRead = now } else { lastWrite = now }
            timer?.arm(at: now + timeout)
            context.fireUserEvent(event)
        } else {
            timer?.arm(at: due)
        }
    }

    public func channelRead(context: Context, data: In) {
        lastRead = context.eventLoop.now
        context.fireRead(data)
    }

    public func write(context: Context, data: Out, promise: EventLoopPromise<Void>?) {
        lastWrite = context.eventLoop.now
        context.write(data, promise: promise)
    }

    public func channelInactive(context: Context) {
        stopTimers()
        context.fireInactive()
    }

    public func stageRemoved(context: Context) { stopTimers() }

    private func stopTimers() {
        readTimer?.cancel()
        writeTimer?.cancel()
        readTimer = nil
        writeTimer = nil
    }
}
