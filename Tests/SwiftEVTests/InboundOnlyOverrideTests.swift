import XCTest
@testable import SwiftEV
import SwiftEVTesting

/// Issue 7, item 6: an `InboundOnlyStage` is skipped by outbound operations, so its own
/// `write`/`flush`/`close` would silently never run. Swift cannot reject such an override at
/// compile time (a conforming class may always declare a method the protocol has a default
/// for), so debug builds trap the first time an outbound operation passes such a stage. The
/// trap goes through a hook the tests replace to observe it.
final class InboundOnlyOverrideTests: XCTestCase {
    #if DEBUG
    private var reports: [String] = []

    override func setUp() {
        super.setUp()
        reports = []
        inboundOnlyOverrideReport = { [unowned self] in reports.append($0) }
    }

    override func tearDown() {
        inboundOnlyOverrideReport = { preconditionFailure($0) }
        super.tearDown()
    }

    func testAnInboundOnlyStageThatOverridesFlushIsReported() throws {
        let channel = EmbeddedChannel { $0.adding(FlushOverridingStage(), name: "counting").adding(RecordingStage<ByteBuffer, ByteBuffer>()) }
        try channel.writeOutbound(ByteBuffer(string: "x"))
        XCTAssertEqual(reports.count, 1, "\(reports)")
        XCTAssertTrue(reports.first?.contains("counting") ?? false, "names the stage: \(reports)")
        XCTAssertTrue(reports.first?.contains("flush(context:)") ?? false, "names the method: \(reports)")
        try channel.writeOutbound(ByteBuffer(string: "y"))
        XCTAssertEqual(reports.count, 1, "checked once per operation")
    }

    func testAnInboundOnlyStageThatOverridesWriteOrCloseIsReported() throws {
        let channel = EmbeddedChannel { $0.adding(WriteAndCloseOverridingStage()) }
        try channel.writeOutbound(ByteBuffer(string: "x"))
        try channel.close()
        XCTAssertEqual(reports.count, 2, "\(reports)")
        XCTAssertTrue(reports.contains { $0.contains("write(context:data:promise:)") }, "\(reports)")
        XCTAssertTrue(reports.contains { $0.contains("close(context:promise:)") }, "\(reports)")
    }

    func testAPlainInboundOnlyStageIsNotReportedAndPassesEverythingOn() throws {
        let before = RecordingStage<ByteBuffer, ByteBuffer>()
        let channel = EmbeddedChannel { $0.adding(before).adding(RemoveAfterStage(limit: 5)) }
        try channel.writeOutbound(ByteBuffer(string: "x"))
        XCTAssertEqual(channel.readAllOutbound(), [ByteBuffer(string: "x")])
        try channel.close()
        XCTAssertEqual(reports, [])
        XCTAssertEqual(before.events.filter { ["write", "flush", "close"].contains($0) }, ["write", "flush", "close"])
    }
    #endif
}

private final class FlushOverridingStage: InboundOnlyStage {
    typealias InboundIn = ByteBuffer
    typealias OutboundIn = ByteBuffer
    var flushes = 0
    func flush(context: Context) {
        flushes += 1
        context.flush()
    }
}

private final class WriteAndCloseOverridingStage: InboundOnlyStage {
    typealias InboundIn = ByteBuffer
    typealias OutboundIn = ByteBuffer
    func write(context: Context, data: ByteBuffer, promise: EventLoopPromise<Void>?) { context.write(data, promise: promise) }
    func close(context: Context, promise: EventLoopPromise<Void>?) { context.close(promise: promise) }
}
