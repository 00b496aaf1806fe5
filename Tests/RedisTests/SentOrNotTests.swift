import RESP
import SwiftEV
import SwiftEVTesting
import XCTest
@testable import Redis

/// "Never sent" must mean it: with stages between the correlator and the socket that merge or
/// split writes, a command whose bytes may have reached the socket is never reported as not sent
/// (the cluster layer would run it a second time).
final class SentOrNotTests: XCTestCase {
    func testMergedWritesThatLeftAreOutcomeUnknown() throws {
        let merging = MergingStage()
        let h = NodeHarness(handshake: false, front: { $0.adding(merging) })
        let writes = h.sendBatch([RedisCommand("SET", "a", "1"), RedisCommand("INCR", "b")])
        XCTAssertEqual(h.written().count, 1, "the stage merged both commands into one write, and it left")
        XCTAssertEqual(merging.mergedWrites, 1)
        h.channel.closeFromPeer()
        for write in writes {
            guard case .connectionClosed(.unknown)? = redisError(write)?.kind else { return XCTFail("\(String(describing: write.result))") }
        }
        XCTAssertTrue(h.delegate.returned.isEmpty, "a write that may have run is never handed back")
    }

    func testMergedWritesHeldBeforeTheSocketAreNotSent() throws {
        let merging = MergingStage()
        let h = NodeHarness(handshake: false, front: { $0.adding(merging) })
        h.channel.holdFlushes = true
        _ = h.sendBatch([RedisCommand("SET", "a", "1"), RedisCommand("INCR", "b")])
        h.channel.closeFromPeer()
        XCTAssertEqual(h.delegate.returned.map(\.command.name), ["SET", "INCR"])
        XCTAssertEqual(h.delegate.returned.map(\.wasSent), [false, false])
    }

    func testSplitWriteWhoseFirstPieceLeftIsOutcomeUnknown() throws {
        let splitting = SplittingStage()
        let h = NodeHarness(handshake: false, front: { $0.adding(splitting) })
        splitting.afterFirstPiece = { h.channel.holdFlushes = true }  // the socket takes the first piece only
        let write = h.send(RedisCommand("SET", "a", "1"))
        XCTAssertEqual(h.channel.unflushedOutboundCount, 1, "the second piece is still waiting")
        h.channel.closeFromPeer()
        guard case .connectionClosed(.unknown)? = redisError(write)?.kind else { return XCTFail("\(String(describing: write.result))") }
        XCTAssertTrue(h.delegate.returned.isEmpty)
    }

    func testWritesQueuedBehindAPartlySentOneAreConservativelyUnknown() throws {
        // Bytes of earlier commands may be partly sent; a later command's bytes have not left,
        // but the transport cannot tell which stage produced which bytes: the answer is "maybe".
        let h = NodeHarness(handshake: false)
        let first = h.send(RedisCommand("SET", "a", "1"))
        h.channel.holdFlushes = true
        let second = h.send(RedisCommand("SET", "b", "2"))
        h.channel.closeFromPeer()
        guard case .connectionClosed(.unknown)? = redisError(first)?.kind else { return XCTFail("\(String(describing: first.result))") }
        XCTAssertNil(second.result, "never reached the transport's sending end: returned")
        XCTAssertEqual(h.delegate.returned.map(\.wasSent), [false])
    }
}
