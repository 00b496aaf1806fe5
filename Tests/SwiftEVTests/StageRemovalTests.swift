import SwiftEV
import SwiftEVTesting
import XCTest

/// Counts reads, and takes itself out of the pipeline after `limit` of them.
final class RemoveAfterStage: InboundOnlyStage {
    typealias InboundIn = ByteBuffer
    typealias OutboundIn = ByteBuffer
    let limit: Int
    var reads = 0
    var removed = false
    init(limit: Int) { self.limit = limit }
    func channelRead(context: Context, data: ByteBuffer) {
        reads += 1
        context.fireRead(data)
        if reads == limit { context.removeStage() }
    }
    func stageRemoved(context: Context) { removed = true }
}

final class StageRemovalTests: XCTestCase {
    func testFirstStageRemovesItselfAndLaterReadsBypassIt() throws {
        let first = RemoveAfterStage(limit: 1)
        let second = RecordingStage<ByteBuffer, ByteBuffer>()
        let channel = EmbeddedChannel { $0.adding(first).adding(second) }
        try channel.writeInbound(ByteBuffer(string: "a"))
        XCTAssertTrue(first.removed)
        XCTAssertEqual(channel.channel.stageNames.count, 1)
        try channel.writeInbound(ByteBuffer(string: "b"))
        try channel.writeInbound(ByteBuffer(string: "c"))
        XCTAssertEqual(first.reads, 1, "the transport must now deliver straight to the second stage")
        XCTAssertEqual(second.events.filter { $0 == "read" }.count, 3)
        XCTAssertEqual(channel.readAllInbound().map(String.init(buffer:)), ["a", "b", "c"])
        channel.channel.triggerUserEvent("after")
        XCTAssertEqual(second.events.last, "user", "channel-level events start at the new first stage")
    }

    func testMiddleStageRemovesItself() throws {
        let before = RecordingStage<ByteBuffer, ByteBuffer>()
        let middle = RemoveAfterStage(limit: 2)
        let channel = EmbeddedChannel { $0.adding(before).adding(middle) }
        for text in ["1", "2", "3", "4"] { try channel.writeInbound(ByteBuffer(string: text)) }
        XCTAssertEqual(middle.reads, 2)
        XCTAssertEqual(channel.readAllInbound().count, 4, "nothing is lost around the removal")
        try channel.writeOutbound(ByteBuffer(string: "out"))
        XCTAssertEqual(channel.readOutbound(), ByteBuffer(string: "out"))
        try channel.close()
        XCTAssertEqual(before.events.suffix(2), ["inactive", "removed"])
    }
}
