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

    // Regression (issue 7, item 1): the stage after a removed one kept a relink that pointed at
    // the removed context, so a second removal re-pointed a dead link and messages were lost.
    func testTwoAdjacentStagesRemovingThemselvesLoseNothing() throws {
        let before = RecordingStage<ByteBuffer, ByteBuffer>()
        let b = RemoveAfterStage(limit: 1), c = RemoveAfterStage(limit: 2)
        let channel = EmbeddedChannel { $0.adding(before).adding(b).adding(c) }
        for text in ["1", "2", "3", "4"] { try channel.writeInbound(ByteBuffer(string: text)) }
        XCTAssertEqual(channel.readAllInbound().map(String.init(buffer:)), ["1", "2", "3", "4"])
        XCTAssertEqual([b.reads, c.reads], [1, 2])
        XCTAssertEqual(channel.channel.stageNames.count, 1)
        try channel.writeOutbound(ByteBuffer(string: "out"))
        XCTAssertEqual(channel.readAllOutbound(), [ByteBuffer(string: "out")], "outbound still reaches the transport")
        XCTAssertEqual(before.events.filter { $0 == "write" }.count, 1)
    }

    func testTwoAdjacentStagesAtTheFrontRemovingThemselvesLoseNothing() throws {
        let b = RemoveAfterStage(limit: 1), c = RemoveAfterStage(limit: 2)
        let after = RecordingStage<ByteBuffer, ByteBuffer>()
        let channel = EmbeddedChannel { $0.adding(b).adding(c).adding(after) }
        for text in ["1", "2", "3", "4"] { try channel.writeInbound(ByteBuffer(string: text)) }
        XCTAssertEqual(channel.readAllInbound().map(String.init(buffer:)), ["1", "2", "3", "4"])
        XCTAssertEqual(after.events.filter { $0 == "read" }.count, 4)
        channel.channel.triggerUserEvent("after")
        XCTAssertEqual(after.events.last, "user", "channel-level events start at the new first stage")
    }

    /// Every order of removal of four inbound-only stages, with a regular stage on each side:
    /// every message arrives, outbound writes pass, and only the regular stages remain.
    func testAnyNumberOfRemovalsInAnyOrderKeepEveryMessageFlowing() throws {
        for order in permutations([1, 2, 3, 4]) {
            for regularEnds in [false, true] {
                let removers = order.map { RemoveAfterStage(limit: $0) }
                let head = RecordingStage<ByteBuffer, ByteBuffer>(), tail = RecordingStage<ByteBuffer, ByteBuffer>()
                let channel = EmbeddedChannel { pipeline -> PipelineBuilder<ByteBuffer, ByteBuffer> in
                    var builder = regularEnds ? pipeline.adding(head) : pipeline
                    for stage in removers { builder = builder.adding(stage) }
                    return regularEnds ? builder.adding(tail) : builder
                }
                let messages = (1...6).map(String.init)
                for text in messages { try channel.writeInbound(ByteBuffer(string: text)) }
                XCTAssertEqual(channel.readAllInbound().map(String.init(buffer:)), messages, "order \(order), ends \(regularEnds)")
                XCTAssertEqual(removers.map(\.reads), order, "each stage saw exactly its messages")
                XCTAssertTrue(removers.allSatisfy(\.removed))
                XCTAssertEqual(channel.channel.stageNames.count, regularEnds ? 2 : 0)
                try channel.writeOutbound(ByteBuffer(string: "out"))
                XCTAssertEqual(channel.readAllOutbound(), [ByteBuffer(string: "out")])
                channel.channel.triggerUserEvent("ping")
                XCTAssertEqual(channel.userEvents.count, 1, "channel-level events reach the end")
            }
        }
    }

    /// A stage that removes itself and then passes the message on (in that order) still
    /// delivers it: the removed context keeps pointing at its successor.
    func testRemovingBeforeFiringStillDeliversTheMessage() throws {
        let stage = RemoveFirstStage()
        let channel = EmbeddedChannel { $0.adding(stage) }
        try channel.writeInbound(ByteBuffer(string: "a"))
        try channel.writeInbound(ByteBuffer(string: "b"))
        XCTAssertEqual(channel.readAllInbound().map(String.init(buffer:)), ["a", "b"])
    }
}

/// Removes itself on its first read, then passes that read on.
final class RemoveFirstStage: InboundOnlyStage {
    typealias InboundIn = ByteBuffer
    typealias OutboundIn = ByteBuffer
    func channelRead(context: Context, data: ByteBuffer) {
        context.removeStage()
        context.fireRead(data)
    }
}

func permutations<T>(_ items: [T]) -> [[T]] {
    guard items.count > 1 else { return [items] }
    return items.indices.flatMap { i -> [[T]] in
        var rest = items
        let first = rest.remove(at: i)
        return permutations(rest).map { [first] + $0 }
    }
}
