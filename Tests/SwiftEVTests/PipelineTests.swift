import SwiftEV
import SwiftEVTesting
import XCTest

final class PipelineTests: XCTestCase {
    func testTypedStagesTransformBothDirections() throws {
        let channel = EmbeddedByteChannel<String, String> { pipeline in
            pipeline.adding(LineFramingStage()).adding(UppercaseStage())
        }
        try channel.writeInbound(ByteBuffer(string: "hello\nwor"))
        XCTAssertEqual(channel.readInbound(), "HELLO")
        XCTAssertNil(channel.readInbound(), "a partial line must wait for its end")
        try channel.writeInbound(ByteBuffer(string: "ld\n"))
        XCTAssertEqual(channel.readInbound(), "WORLD")

        try channel.writeOutbound("reply")
        XCTAssertEqual(channel.readOutbound().map(String.init(buffer:)), "reply\n")
    }

    func testStageAnswersThroughEarlierStages() throws {
        let channel = EmbeddedByteChannel<String, String> { pipeline in
            pipeline.adding(LineFramingStage()).adding(LineEchoStage())
        }
        try channel.writeInbound(ByteBuffer(string: "a\nb\n"))
        XCTAssertEqual(channel.readAllOutbound().map(String.init(buffer:)), ["echo: a\n", "echo: b\n"])
        XCTAssertNil(channel.readInbound(), "the echo stage consumes its input")
    }

    func testWritesWaitForFlush() throws {
        let recorder = RecordingStage<ByteBuffer, ByteBuffer>()
        let channel = EmbeddedChannel(stage: recorder)
        let context = try XCTUnwrap(recorder.lastContext)
        context.write(ByteBuffer(string: "x"))
        XCTAssertEqual(channel.unflushedOutboundCount, 1)
        XCTAssertNil(channel.readOutbound())
        context.flush()
        XCTAssertEqual(channel.readOutbound(), ByteBuffer(string: "x"))
    }

    func testEventsReachEveryStageInOrderAndCloseTearsDown() throws {
        let first = RecordingStage<ByteBuffer, ByteBuffer>()
        let second = RecordingStage<ByteBuffer, ByteBuffer>()
        let channel = EmbeddedChannel(activate: false) { $0.adding(first).adding(second) }
        XCTAssertEqual(channel.channel.stageNames.count, 2)
        channel.activate()
        try channel.writeInbound(ByteBuffer(string: "x"))
        channel.channel.triggerUserEvent("custom")
        channel.setWritable(false)
        try channel.writeOutbound(ByteBuffer(string: "y"))
        try channel.close()

        XCTAssertEqual(first.events, ["added", "active", "read", "user", "writable=false", "write", "flush", "close", "inactive", "removed"])
        XCTAssertEqual(second.events, first.events)
        XCTAssertEqual(channel.userEvents.count, 1)
        XCTAssertEqual(channel.userEvents.first as? String, "custom")
        XCTAssertFalse(channel.isActive)
        XCTAssertTrue(channel.channel.closeFuture.isFulfilled)
    }

    func testWritesAfterCloseFailWithTypedError() throws {
        let recorder = RecordingStage<ByteBuffer, ByteBuffer>()
        let channel = EmbeddedChannel(stage: recorder)
        let context = try XCTUnwrap(recorder.lastContext)
        try channel.close()
        let promise = channel.loop.makePromise(of: Void.self)
        context.write(ByteBuffer(string: "late"), promise: promise)
        XCTAssertThrowsError(try promise.futureResult.result?.get()) { error in
            XCTAssertEqual(error as? ChannelError, .ioOnClosedChannel)
        }
        XCTAssertThrowsError(try channel.close()) { XCTAssertEqual($0 as? ChannelError, .alreadyClosed) }
    }

    func testUnwrittenPromisesFailWhenThePeerGoes() throws {
        let recorder = RecordingStage<ByteBuffer, ByteBuffer>()
        let channel = EmbeddedChannel(stage: recorder)
        let promise = channel.loop.makePromise(of: Void.self)
        recorder.lastContext?.write(ByteBuffer(string: "never flushed"), promise: promise)
        struct Reset: Error {}
        channel.closeFromPeer(error: Reset())
        XCTAssertTrue(promise.futureResult.result.map { if case .failure = $0 { true } else { false } } ?? false)
        XCTAssertEqual(recorder.events.suffix(3), ["error", "inactive", "removed"])
        XCTAssertThrowsError(try channel.throwIfErrorCaught()) { XCTAssertTrue($0 is Reset) }
    }

    func testTeardownReleasesStagesAndChannel() throws {
        weak var weakStage: RecordingStage<ByteBuffer, ByteBuffer>?
        weak var weakChannel: Channel?
        do {
            let stage = RecordingStage<ByteBuffer, ByteBuffer>()
            weakStage = stage
            let channel = EmbeddedChannel(stage: stage)
            weakChannel = channel.channel
            try channel.writeInbound(ByteBuffer(string: "x"))
            try channel.close()
        }
        XCTAssertNil(weakStage, "a closed pipeline must not keep its stages alive")
        XCTAssertNil(weakChannel)
    }

    func testStageThatHoldsItsContextIsStillReleased() throws {
        final class Holder: ChannelStage {
            typealias InboundIn = ByteBuffer
            typealias OutboundIn = ByteBuffer
            var context: Context?
            func stageAdded(context: Context) { self.context = context }
        }
        weak var weakStage: Holder?
        do {
            let stage = Holder()
            weakStage = stage
            let channel = EmbeddedChannel(stage: stage)
            try channel.close()
        }
        XCTAssertNil(weakStage, "teardown must break the stage ↔ context cycle")
    }

    func testReentrantWriteFromPromiseCallbackKeepsOrder() throws {
        let recorder = RecordingStage<ByteBuffer, ByteBuffer>()
        let channel = EmbeddedChannel(stage: recorder)
        let context = try XCTUnwrap(recorder.lastContext)
        let first = channel.loop.makePromise(of: Void.self)
        first.futureResult.whenSuccess { context.writeAndFlush(ByteBuffer(string: "second")) }
        context.writeAndFlush(ByteBuffer(string: "first"), promise: first)
        XCTAssertEqual(channel.readAllOutbound().map(String.init(buffer:)), ["first", "second"])
    }
}
