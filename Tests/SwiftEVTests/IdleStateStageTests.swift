import SwiftEV
import SwiftEVTesting
import XCTest

final class IdleStateStageTests: XCTestCase {
    typealias Idle = IdleStateStage<ByteBuffer, ByteBuffer>

    func testReadIdleFiresOnlyAfterAFullQuietPeriod() throws {
        let channel = EmbeddedChannel(stage: Idle(readTimeout: .seconds(10)))
        channel.loop.advanceTime(by: .seconds(6))
        try channel.writeInbound(ByteBuffer(string: "activity"))
        channel.loop.advanceTime(by: .seconds(6))
        XCTAssertTrue(channel.userEvents.isEmpty, "a read 6 s ago restarts the 10 s period")
        channel.loop.advanceTime(by: .seconds(4))
        XCTAssertEqual(channel.userEvents.compactMap { $0 as? Idle.Event }, [.readIdle])
        channel.loop.advanceTime(by: .seconds(10))
        XCTAssertEqual(channel.userEvents.compactMap { $0 as? Idle.Event }, [.readIdle, .readIdle], "and again each quiet period")
    }

    func testWriteIdleIsSeparateFromReads() throws {
        let channel = EmbeddedChannel(stage: Idle(writeTimeout: .seconds(5)))
        for _ in 0..<4 {
            channel.loop.advanceTime(by: .seconds(2))
            try channel.writeInbound(ByteBuffer(string: "reads do not count"))
        }
        XCTAssertEqual(channel.userEvents.compactMap { $0 as? Idle.Event }, [.writeIdle])
        try channel.writeOutbound(ByteBuffer(string: "w"))
        channel.loop.advanceTime(by: .seconds(4))
        XCTAssertEqual(channel.userEvents.count, 1)
    }

    func testTimersStopWhenTheChannelCloses() throws {
        let channel = EmbeddedChannel(stage: Idle(readTimeout: .seconds(1), writeTimeout: .seconds(1)))
        XCTAssertEqual(channel.loop.armedTimerCount, 2)
        try channel.close()
        XCTAssertEqual(channel.loop.armedTimerCount, 0)
        channel.loop.advanceTime(by: .seconds(5))
        XCTAssertTrue(channel.userEvents.isEmpty)
    }
}
