import SwiftEV
import SwiftEVTesting
import XCTest

// The stages from README.md, verbatim, so the README cannot drift from what compiles.
// The other tests use them too.

final class LineFramingStage: ChannelStage {
    typealias InboundIn = ByteBuffer      // from the socket
    typealias InboundOut = String         // to the next stage
    typealias OutboundIn = String         // from the next stage
    typealias OutboundOut = ByteBuffer    // to the socket

    private var pending = ByteBuffer()

    func channelRead(context: Context, data: ByteBuffer) {
        var data = data
        pending.writeBuffer(&data)
        while let end = pending.firstIndex(of: UInt8(ascii: "\n")) {
            context.fireRead(pending.readString(length: end - pending.readerIndex)!)
            pending.moveReaderIndex(forwardBy: 1)
        }
        pending.discardReadBytes()
    }

    func write(context: Context, data: String, promise: EventLoopPromise<Void>?) {
        context.write(ByteBuffer(string: data + "\n"), promise: promise)
    }
}

final class ShoutBackStage: ChannelStage {
    typealias InboundIn = String
    typealias OutboundIn = String

    func channelRead(context: Context, data: String) {
        context.writeAndFlush(data.uppercased())
    }
}

final class ReadmeExampleTests: XCTestCase {
    func testReadmeStagesOnTheHarness() throws {
        let channel = EmbeddedByteChannel<String, String> { $0.adding(LineFramingStage()) }
        try channel.writeInbound(ByteBuffer(string: "hello\nwor"))
        XCTAssertEqual(channel.readInbound(), "hello")
        try channel.writeOutbound("bye")
        XCTAssertEqual(channel.readOutbound(), ByteBuffer(string: "bye\n"))
    }

    func testReadmeServerOverLoopback() async throws {
        let group = LibevEventLoopGroup(numberOfThreads: 1)
        let server = try await TCPServer(group: group)
            .bind(host: "127.0.0.1", port: 0) { pipeline in
                pipeline
                    .adding(LineFramingStage())
                    .adding(ShoutBackStage())
            }
            .get()
        let loop = group.next()
        let done = loop.makePromise(of: ByteBuffer.self)
        let client = try await TCPClient(group: group).connect(host: "127.0.0.1", port: server.localAddress!.port) {
            $0.adding(EchoCheckStage(payload: ByteBuffer(string: "one\ntwo\n"), chunks: 2, done: done))
        }.get()
        let answer = try await done.futureResult.get()
        XCTAssertEqual(String(buffer: answer), "ONE\nTWO\n")
        try await client.close().get()
        try await group.shutdownGracefully()
    }
}
