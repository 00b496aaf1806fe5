import Foundation
import Redis
import RESP
import SwiftEV
import XCTest
@testable import RedisCluster

/// Pipelines and transactions while the scratch cluster's slots move under a client with a
/// stale table: every command follows its own `MOVED`/`ASK`, a transaction re-runs on the new
/// owner only because nothing ran, and an unanswered `EXEC` is reported, never re-sent. The
/// base class restores the 3+3 layout; every key is flushed afterwards.
final class PipelineTransactionClusterTests: ScratchClusterClientTestCase {
    func makeClient(_ adjust: (inout RedisClusterConfiguration) -> Void = { _ in }) throws -> RedisClusterClient {
        try makeScratchClient { config in
            // No periodic refresh: the client keeps its stale table and meets MOVED/ASK for sure.
            config.slotsRefreshInterval = nil
            adjust(&config)
        }
    }

    func testTenThousandCommandPipelineOverAllSlotsKeepsCallOrderThroughMovedAndAsk() async throws {
        let client = try makeClient()
        try await client.connect()
        let bySlot = ClusterClientTestCase.keysCoveringEverySlot(prefix: "pipe")
        let (movedSlot, askSlot) = (7000, 12000)
        let movedKeys = SlotKeys.keys(inSlot: movedSlot, count: 20, prefix: "moved")
        let askKeys = SlotKeys.keys(inSlot: askSlot, count: 20, prefix: "ask")
        for key in movedKeys + askKeys { try await client.send("SET", key, 0) }

        // Halfway: one slot moved for good (the client's table still says the old owner) and
        // one caught mid-migration (keys already moved answer ASK).
        let movedOwner = try await control.owner(ofSlot: movedSlot)
        try await control.migrateSlot(movedSlot, to: try await otherPrimary(than: movedOwner.port))
        let askOwner = try await control.owner(ofSlot: askSlot)
        let migration = try await control.beginSlotMigration(askSlot, to: try await otherPrimary(than: askOwner.port),
                                                             keysPerStep: 5, stopHalfway: true)
        XCTAssertGreaterThan(migration.keysMoved, 0)

        let spread = (0..<5000).map { bySlot[$0 * HashSlot.count / 5000]! }
        let middle = movedKeys + askKeys
        let reads = spread.prefix(10_000 - spread.count - middle.count)
        var commands = spread.enumerated().map { RedisCommand("SET", $0.element, "v\($0.offset)") }
        commands += middle.map { RedisCommand("INCR", $0) }
        commands += reads.map { RedisCommand("GET", $0) }
        XCTAssertEqual(commands.count, 10_000)

        let results = await client.pipeline(commands)
        XCTAssertEqual(results.count, commands.count)
        var wrong: [String] = []
        for (index, result) in results.enumerated() {
            let expected: RESPValue
            switch index {
            case ..<spread.count: expected = .simpleString("OK")
            case ..<(spread.count + middle.count): expected = .integer(1)
            default: expected = .bulkString(ByteBuffer(string: "v\(index - spread.count - middle.count)"))
            }
            switch result {
            case .success(let value) where value == expected: break
            default: wrong.append("#\(index): \(result), expected \(expected)")
            }
        }
        XCTAssertEqual(wrong.count, 0, "first ones: \(wrong.prefix(5))")
        let stats = await client.statistics()
        XCTAssertGreaterThan(stats.movedFollowed, 0, "the moved slot's commands followed MOVED")
        XCTAssertGreaterThan(stats.askFollowed, 0, "the migrating slot's moved keys followed ASK")

        try await control.finish(migration)
        let after = try await client.send(RedisCommand(["MGET"] + middle)).decode(as: [String].self)
        XCTAssertEqual(after, Array(repeating: "1", count: middle.count), "each INCR ran exactly once")
    }

    func testTransactionFollowsMovedAndAskAndRunsOnce() async throws {
        let client = try makeClient()
        try await client.connect()
        let slot = 3333
        let key = SlotKeys.keys(inSlot: slot, count: 1, prefix: "tx")[0]
        try await client.send("SET", key, 0)
        let owner = try await control.owner(ofSlot: slot)
        try await control.migrateSlot(slot, to: try await otherPrimary(than: owner.port))

        let results = try await client.transaction([RedisCommand("INCR", key), RedisCommand("INCR", key)])
        XCTAssertEqual(try results.map { try $0.get() }, [.integer(1), .integer(2)])
        var stats = await client.statistics()
        XCTAssertEqual(stats.movedFollowed, 1, "discarded by MOVED, sent again to the new owner")
        let final = try await client.send("GET", key, as: String.self)
        XCTAssertEqual(final, "2", "ran once")

        // Mid-migration: a key already on the target is answered ASK; ASKING + MULTI there.
        let askSlot = 9999
        let keys = SlotKeys.keys(inSlot: askSlot, count: 20, prefix: "txask")
        for key in keys { try await client.send("SET", key, 10) }
        let askOwner = try await control.owner(ofSlot: askSlot)
        let migration = try await control.beginSlotMigration(askSlot, to: try await otherPrimary(than: askOwner.port),
                                                             keysPerStep: 5, stopHalfway: true)
        var movedKey: String?
        for key in keys {
            // The source answers ASK for a key it no longer has.
            do { _ = try await control.send(askOwner.port, ["GET", key]) } catch where "\(error)".contains("ASK") {
                movedKey = key
                break
            }
        }
        let moved = try XCTUnwrap(movedKey)
        let asked = try await client.transaction([RedisCommand("INCRBY", moved, 5), RedisCommand("GET", moved)])
        XCTAssertEqual(try asked[0].get(), .integer(15))
        XCTAssertEqual(try asked[1].get().decode(as: String.self), "15")
        stats = await client.statistics()
        XCTAssertEqual(stats.askFollowed, 1)
        try await control.finish(migration)
        let afterMigration = try await client.send("GET", moved, as: String.self)
        XCTAssertEqual(afterMigration, "15")
    }

    func testUnansweredExecIsReportedAsUnknownAndNeverResent() async throws {
        let client = try makeClient { config in
            config.commandTimeout = .milliseconds(300)
            // Keep the connection through the pause: the late EXEC reply is simply dropped.
            config.node.unresponsiveNodeGrace = .seconds(30)
        }
        try await client.connect()
        let key = "{unknown}:counter"
        let owner = try await control.owner(ofSlot: HashSlot.slot(forKey: key))
        // Writes (EXEC of a transaction with a write) wait on the node for 1.5 s.
        _ = try await control.send(owner.port, ["CLIENT", "PAUSE", 1500, "WRITE"])
        do {
            _ = try await client.transaction([RedisCommand("INCR", key)])
            XCTFail("EXEC cannot be answered within the timeout")
        } catch let error as ClusterTransactionError {
            XCTAssertEqual(error.kind, .outcomeUnknown, "\(error)")
            XCTAssertFalse(error.isSafeToRetry)
        }
        // Once the pause ends the server runs the EXEC it had: exactly once.
        var value: String?
        for _ in 0..<100 where value == nil {
            value = try await control.send(owner.port, ["GET", key]).decode(as: String?.self)
            if value == nil { try await Task.sleep(for: .milliseconds(50)) }
        }
        XCTAssertEqual(value, "1")
        let stats = await client.statistics()
        XCTAssertEqual(stats.retries + stats.movedFollowed + stats.askFollowed, 0, "nothing was sent again")
    }
}
