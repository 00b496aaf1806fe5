import SwiftEV
import SwiftEVTLS
import XCTest

/// `TLSFlushHold` on real loops and sockets: the embedded loop has no iterations, so only here do
/// flushes held in one iteration take the stage's shortcut (`heldThisIteration`).
final class TLSFlushHoldLoopTests: XCTestCase {
    struct HeldFlushNotReleased: Error {}

    /// Server side: collects what arrives and answers "ok" for each read, but only once the
    /// test allows it, so the client's next flushes are made while the first is unanswered.
    /// `@unchecked Sendable`: used on the server's loop only.
    final class HeldAnswerStage: ChannelStage, @unchecked Sendable {
        typealias InboundIn = ByteBuffer
        typealias OutboundIn = ByteBuffer
        var received = ""
        var context: Context?
        var answering = false
        let firstRead: EventLoopPromise<Void>
        var expected: (text: String, promise: EventLoopPromise<Void>)?

        init(firstRead: EventLoopPromise<Void>) { self.firstRead = firstRead }

        func channelRead(context: Context, data: ByteBuffer) {
            self.context = context
            received += String(buffer: data)
            firstRead.succeed()
            if answering { context.writeAndFlush(ByteBuffer(string: "ok")) }
            if let expected, received == expected.text {
                self.expected = nil
                expected.promise.succeed()
            }
        }

        func startAnswering() {
            answering = true
            context?.writeAndFlush(ByteBuffer(string: "ok"))
        }
    }

    /// Client side: keeps its context so the test can write from the client's loop.
    /// `@unchecked Sendable`: used on the client's loop only.
    final class ClientStage: ChannelStage, @unchecked Sendable {
        typealias InboundIn = ByteBuffer
        typealias OutboundIn = ByteBuffer
        var context: Context?
        let active: EventLoopPromise<Void>
        init(active: EventLoopPromise<Void>) { self.active = active }
        func channelActive(context: Context) {
            self.context = context
            active.succeed()
        }
    }

    func testFlushesHeldInOneIterationGoOutOnTheAnswer() throws {
        let serverGroup = LibevEventLoopGroup(numberOfThreads: 1), clientGroup = LibevEventLoopGroup(numberOfThreads: 1)
        defer {
            try? clientGroup.syncShutdown()
            try? serverGroup.syncShutdown()
        }
        let serverLoop = serverGroup.loops[0], clientLoop = clientGroup.loops[0]
        let serverContext = try TLSTestCertificates.server()
        let firstRead = serverLoop.makePromise(of: Void.self)
        let serverStage = HeldAnswerStage(firstRead: firstRead)
        let server = try TCPServer(group: serverGroup).bind(host: "127.0.0.1", port: 0) {
            $0.adding(TLSStage(server: serverContext, peer: "client")).adding(serverStage)
        }.wait()
        let clientContext = try TLSTestCertificates.client()
        let active = clientLoop.makePromise(of: Void.self)
        let clientStage = ClientStage(active: active)
        let channel = try TCPClient(loop: clientLoop).connect(host: "127.0.0.1", port: server.localAddress!.port) {
            // Held for up to an hour: only the answer can release the flushes below.
            $0.adding(TLSStage(client: clientContext, serverName: clientContext.configuration.serverName, peer: "server",
                               flushHold: TLSFlushHold(maximumWait: .seconds(3600))))
                .adding(clientStage)
        }.wait()
        try active.futureResult.wait()

        try clientLoop.submit { clientStage.context!.writeAndFlush(ByteBuffer(string: "a")) }.wait()
        try firstRead.futureResult.wait()
        // One iteration, several flushes, all while "a" is unanswered: held.
        try clientLoop.submit {
            for text in ["b", "c", "d"] { clientStage.context!.writeAndFlush(ByteBuffer(string: text)) }
        }.wait()
        let all = serverLoop.makePromise(of: Void.self)
        try serverLoop.submit {
            serverStage.expected = ("abcd", all)
            serverStage.startAnswering()
            // A bound on the wait, not a timing check: a flush left held would never arrive.
            serverLoop.scheduleTask(in: .seconds(20)) {
                if serverStage.expected != nil { all.fail(HeldFlushNotReleased()) }
            }
        }.wait()
        XCTAssertNoThrow(try all.futureResult.wait(), "the answer must release every held flush")
        try channel.close().wait()
        try server.close().wait()
    }
}
