import RESP
import SwiftEV

/// Stage 2 of a node channel: runs the handshake (`HELLO`/`AUTH`/`SETNAME`/`READONLY`/`SELECT`)
/// when the channel becomes active, consuming the replies to its own commands.
///
/// On success it sends `RedisNodeEvent.ready` up the pipeline; the correlator holds user
/// commands until then. On refusal it reports `RedisError.handshakeFailed` naming the step and
/// the server's reason (`WRONGPASS`, `NOAUTH`, `NOPERM`, …) and closes the channel. A server
/// that does not answer within `timeout` fails it the same way.
public final class HandshakeStage: InboundOnlyStage {
    public typealias InboundIn = RESPValue
    public typealias OutboundIn = ByteBuffer

    /// The `command` of the error a refused handshake closes the channel with.
    public static let commandName = "handshake"

    private var machine: HandshakeStateMachine
    private var running = false
    private let node: String
    private let timeout: TimeAmount
    private var timer: (any LoopTimer)?

    public init(_ configuration: HandshakeStateMachine.Configuration, node: String, timeout: TimeAmount) {
        self.machine = HandshakeStateMachine(configuration)
        self.node = node
        self.timeout = timeout
    }

    public func channelActive(context: Context) {
        context.fireActive()
        running = true
        let timer = context.eventLoop.makeTimer { [unowned self, unowned context] in
            guard running else { return }
            fail(.timeout(.unknown), context: context)
        }
        timer.arm(in: timeout, on: context.eventLoop)
        self.timer = timer
        perform(machine.start(), context: context)
    }

    public func channelRead(context: Context, data: RESPValue) {
        guard running else { return context.fireRead(data) }
        if case .push = data { return context.fireRead(data) }
        perform(machine.receive(data), context: context)
    }

    public func channelInactive(context: Context) {
        running = false
        timer?.cancel()
        context.fireInactive()
    }

    public func stageRemoved(context: Context) {
        timer?.cancel()
        timer = nil
    }

    private func perform(_ action: HandshakeStateMachine.Action, context: Context) {
        switch action {
        case .wait:
            break
        case .send(let commands):
            for command in commands { context.write(command.bytes) }
            context.flush()
        case .succeed(let info):
            running = false
            timer?.cancel()
            context.fireUserEvent(RedisNodeEvent.ready(info))
            // Nothing left to do: replies no longer pass through this stage.
            context.removeStage()
        case .fail(let kind):
            fail(kind, context: context)
        }
    }

    private func fail(_ kind: RedisError.Kind, context: Context) {
        running = false
        timer?.cancel()
        context.fireError(RedisError(kind, node: node, command: Self.commandName))
        context.close()
    }
}
