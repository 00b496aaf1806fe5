import Redis
import RESP
import SwiftEV
import XCTest
@testable import RedisCluster

/// The policies read from COMMAND tips, the per-slot split of multi-key commands and the
/// merging of replies: plain values, no sockets.
final class CommandPolicyTests: XCTestCase {
    func testPoliciesComeFromTheServersTips() {
        XCTAssertEqual(ClusterCommandPolicy.of(RedisCommand("DBSIZE")), .fanOut(.allShards, .aggSum))
        XCTAssertEqual(ClusterCommandPolicy.of(RedisCommand("KEYS", "*")), .fanOut(.allShards, nil))
        XCTAssertEqual(ClusterCommandPolicy.of(RedisCommand("SCRIPT", "LOAD", "return 1")), .fanOut(.allNodes, .allSucceeded))
        XCTAssertEqual(ClusterCommandPolicy.of(RedisCommand("script", "exists", "abc")), .fanOut(.allShards, .aggLogicalAnd))
        XCTAssertEqual(ClusterCommandPolicy.of(RedisCommand("FUNCTION", "LOAD", "x")), .fanOut(.allShards, .allSucceeded))
        XCTAssertEqual(ClusterCommandPolicy.of(RedisCommand("CONFIG", "SET", "a", "b")), .fanOut(.allNodes, .allSucceeded))
        XCTAssertEqual(ClusterCommandPolicy.of(RedisCommand("INFO")), .fanOut(.allShards, .special))
        XCTAssertEqual(ClusterCommandPolicy.of(RedisCommand("MGET", "a")), .split(nil))
        XCTAssertEqual(ClusterCommandPolicy.of(RedisCommand("MSET", "a", 1)), .split(.allSucceeded))
        for name in ["DEL", "EXISTS", "UNLINK", "TOUCH"] {
            XCTAssertEqual(ClusterCommandPolicy.of(RedisCommand(name, "a")), .split(.aggSum), name)
        }
        // Tips the client deliberately does not follow.
        XCTAssertEqual(ClusterCommandPolicy.of(RedisCommand("MSETNX", "a", 1)), .route, "all-or-nothing cannot be split")
        XCTAssertEqual(ClusterCommandPolicy.of(RedisCommand("WAIT", 1, 0)), .route)
        XCTAssertEqual(ClusterCommandPolicy.of(RedisCommand("SCAN", 0)), .route)
        XCTAssertEqual(ClusterCommandPolicy.of(RedisCommand("GET", "a")), .route)
        XCTAssertEqual(ClusterCommandPolicy.of(RedisCommand("NOSUCHCOMMAND")), .route)
    }

    func testMGetSplitsPerSlotKeepingFirstAppearanceAndCallerPositions() throws {
        // "a" and "{a}x" share a slot; "b" is elsewhere.
        let split = try XCTUnwrap(MultiKeySplit(RedisCommand("MGET", "a", "b", "{a}x", "b")))
        XCTAssertEqual(split.keyCount, 4)
        XCTAssertEqual(split.parts.map(\.slot), [HashSlot.slot(forKey: "a"), HashSlot.slot(forKey: "b")])
        XCTAssertEqual(split.parts.map { Array($0.keyIndices) }, [[0, 2], [1, 3]])
        XCTAssertEqual(split.parts[0].command.bytes, RedisCommand("MGET", "a", "{a}x").bytes)
        XCTAssertEqual(split.parts[1].command.bytes, RedisCommand("MGET", "b", "b").bytes)
        XCTAssertTrue(split.parts[0].command.isReadOnly)
        let merged = split.merge([.success(.array([.bulkString("A"), .bulkString("X")])),
                                  .success(.array([.bulkString("B"), .bulkString("B")]))])
        XCTAssertEqual(try merged.get(), .array([.bulkString("A"), .bulkString("B"), .bulkString("X"), .bulkString("B")]))
    }

    func testMSetSplitCarriesEachKeysValue() throws {
        let split = try XCTUnwrap(MultiKeySplit(RedisCommand("MSET", "a", "1", "b", "2", "{a}c", "3")))
        XCTAssertEqual(split.parts.map { $0.command.bytes }, [RedisCommand("MSET", "a", "1", "{a}c", "3").bytes,
                                                             RedisCommand("MSET", "b", "2").bytes])
        XCTAssertFalse(split.parts[0].command.isReadOnly)
        XCTAssertEqual(try split.merge([.success(.simpleString("OK")), .success(.simpleString("OK"))]).get(), .simpleString("OK"))
    }

    func testCountsAreSummedAndAFailedPartNamesWhatRan() throws {
        let split = try XCTUnwrap(MultiKeySplit(RedisCommand("DEL", "a", "b", "{b}c")))
        XCTAssertEqual(try split.merge([.success(.integer(1)), .success(.integer(2))]).get(), .integer(3))
        let lost = RedisError(.connectionClosed(.unknown), node: "127.0.0.1:7001", command: "DEL")
        guard case .failure(let error as ClusterPartialFailure) = split.merge([.success(.integer(1)), .failure(lost)]) else {
            return XCTFail("a failed part fails the command")
        }
        XCTAssertEqual(error.succeeded, ["slot \(HashSlot.slot(forKey: "a"))"])
        XCTAssertEqual(error.failures.map(\.target), ["slot \(HashSlot.slot(forKey: "b"))"])
        XCTAssertFalse(error.isSafeToRetry, "one part ran")
        XCTAssertTrue(error.description.contains("outcome unknown"), error.description)
    }

    func testACancelledSplitIsUnsentOnlyWhenNoPartWasWritten() throws {
        let split = try XCTUnwrap(MultiKeySplit(RedisCommand("MSET", "a", "1", "b", "2")))
        // Every part withdrawn before it was written: nothing ran, as a single command would say.
        guard case .failure(let unsent) = split.merge([.failure(CancellationError()), .failure(CancellationError())]) else {
            return XCTFail("a cancelled split fails")
        }
        XCTAssertTrue(unsent is CancellationError, "\(unsent)")
        // One part written before the cancellation (its reply dropped): it may have run.
        let written = RedisError(.cancelled, node: "127.0.0.1:7001", command: "MSET")
        guard case .failure(let maybe as ClusterPartialFailure) = split.merge([.failure(CancellationError()), .failure(written)]) else {
            return XCTFail("a written part keeps the partial failure")
        }
        XCTAssertFalse(maybe.isSafeToRetry, "the written part may have run")
        guard case .failure(let ran as ClusterPartialFailure) = split.merge([.success(.simpleString("OK")), .failure(CancellationError())]) else {
            return XCTFail("an answered part keeps the partial failure")
        }
        XCTAssertEqual(ran.succeeded, ["slot \(HashSlot.slot(forKey: "a"))"])
        XCTAssertFalse(ran.isSafeToRetry)
        // Fan-outs the same way.
        guard case .failure(let fanOut) = ReplyMerger.fanOut([("n0", .failure(CancellationError())), ("n1", .failure(CancellationError()))],
                                                             policy: .aggSum, command: "DBSIZE") else { return XCTFail() }
        XCTAssertTrue(fanOut is CancellationError, "\(fanOut)")
        let partial = ClusterPartialFailure(command: "DBSIZE", parts: [.init(target: "n0", result: .failure(CancellationError())),
                                                                        .init(target: "n1", result: .failure(RedisError(.connectionClosed(.notSent), node: "n1")))])
        XCTAssertTrue(partial.isSafeToRetry, "withdrawn or never sent: nothing ran")
    }

    func testTheCoordinatorsRouteSkipsListingCrossSlotKeys() {
        XCTAssertEqual(CommandRouter.routeWithoutListing(RedisCommand("MGET", "a", "b")), .crossSlot([]))
        XCTAssertEqual(CommandRouter.routeWithoutListing(RedisCommand("ZUNIONSTORE", "d", 2, "a", "b")), .crossSlot([]))
        XCTAssertEqual(CommandRouter.routeWithoutListing(RedisCommand("MGET", "{t}a", "{t}b")), .slot(HashSlot.slot(forKey: "t")))
        XCTAssertEqual(CommandRouter.routeWithoutListing(RedisCommand("PING")), .keyless)
        guard case .crossSlot(let keys) = CommandRouter.route(RedisCommand("MGET", "a", "b")) else { return XCTFail() }
        XCTAssertEqual(keys.map(\.key), ["a", "b"], "the public route still lists them")
    }

    func testOnlySplittableCommandsSplit() {
        XCTAssertNil(MultiKeySplit(RedisCommand("MSETNX", "a", 1, "b", 2)))
        XCTAssertNil(MultiKeySplit(RedisCommand("SINTERSTORE", "d", "a", "b")))
        XCTAssertNil(MultiKeySplit(RedisCommand("GET", "a")))
        XCTAssertNil(MultiKeySplit(RedisCommand("MGET")), "no keys: the server reports the arity error")
        // One slot still "splits" into one part (the router never asks then, but it is sound).
        XCTAssertEqual(MultiKeySplit(RedisCommand("MGET", "{t}a", "{t}b"))?.parts.count, 1)
    }

    func testAMismatchedPartReplyIsAnErrorNotACrash() throws {
        let split = try XCTUnwrap(MultiKeySplit(RedisCommand("MGET", "a", "b")))
        guard case .failure(let error) = split.merge([.success(.array([.null])), .success(.integer(1))]) else { return XCTFail() }
        XCTAssertTrue(error is UnmergeableReply, "\(error)")
    }

    func testFanOutMergesByResponsePolicy() throws {
        func ok(_ values: RESPValue...) -> [(target: String, result: Result<RESPValue, any Error>)] {
            values.enumerated().map { ("n\($0.offset)", .success($0.element)) }
        }
        XCTAssertEqual(try ReplyMerger.fanOut(ok(.integer(3), .integer(4)), policy: .aggSum, command: "DBSIZE").get(), .integer(7))
        XCTAssertEqual(try ReplyMerger.fanOut(ok(.integer(3), .integer(1)), policy: .aggMin, command: "X").get(), .integer(1))
        XCTAssertEqual(try ReplyMerger.fanOut(ok(.integer(3), .integer(9)), policy: .aggMax, command: "X").get(), .integer(9))
        XCTAssertEqual(try ReplyMerger.fanOut(ok(.array([.integer(1), .integer(1)]), .array([.integer(1), .integer(0)])),
                                              policy: .aggLogicalAnd, command: "SCRIPT").get(), .array([.integer(1), .integer(0)]))
        XCTAssertEqual(try ReplyMerger.fanOut(ok(.integer(0), .boolean(true)), policy: .aggLogicalOr, command: "X").get(), .integer(1))
        XCTAssertEqual(try ReplyMerger.fanOut(ok(.array([.bulkString("a")]), .array([]), .array([.bulkString("b")])),
                                              policy: nil, command: "KEYS").get(), .array([.bulkString("a"), .bulkString("b")]))
        XCTAssertEqual(try ReplyMerger.fanOut(ok(.bulkString(nil), .bulkString("k")), policy: nil, command: "RANDOMKEY").get(), .bulkString("k"))
        XCTAssertEqual(try ReplyMerger.fanOut(ok(.simpleString("OK"), .simpleString("OK")), policy: .allSucceeded, command: "X").get(),
                       .simpleString("OK"))
        XCTAssertEqual(try ReplyMerger.fanOut(ok(.bulkString("i0"), .bulkString("i1")), policy: .special, command: "INFO").get(),
                       .map([(.bulkString("n0"), .bulkString("i0")), (.bulkString("n1"), .bulkString("i1"))]))
        guard case .failure(let error) = ReplyMerger.fanOut(ok(.integer(1), .bulkString("x")), policy: .aggSum, command: "X") else {
            return XCTFail("text cannot be summed")
        }
        XCTAssertTrue(error is UnmergeableReply)
    }

    func testFanOutFailures() throws {
        let busy = RedisError(.server(.init(code: "NOTBUSY", message: "No scripts in execution right now.")), node: "n0")
        let lost = RedisError(.connectionClosed(.notSent), node: "n1")
        // one_succeeded: one success is enough.
        XCTAssertEqual(try ReplyMerger.fanOut([("n0", .failure(busy)), ("n1", .success(.simpleString("OK")))],
                                              policy: .oneSucceeded, command: "SCRIPT").get(), .simpleString("OK"))
        // Every node gave the same server error: that error, as a single node would.
        guard case .failure(let same as RedisError) = ReplyMerger.fanOut([("n0", .failure(busy)), ("n1", .failure(busy))],
                                                                         policy: .oneSucceeded, command: "SCRIPT") else { return XCTFail() }
        XCTAssertEqual(same, busy)
        // all_succeeded with one node lost: a partial failure naming both.
        guard case .failure(let partial as ClusterPartialFailure) = ReplyMerger.fanOut(
            [("n0", .success(.simpleString("OK"))), ("n1", .failure(lost))], policy: .allSucceeded, command: "FLUSHALL") else {
            return XCTFail()
        }
        XCTAssertEqual(partial.succeeded, ["n0"])
        XCTAssertEqual(partial.failures.map(\.target), ["n1"])
        XCTAssertFalse(partial.isSafeToRetry)
        guard case .failure(let unsent as ClusterPartialFailure) = ReplyMerger.fanOut(
            [("n0", .failure(lost)), ("n1", .failure(lost))], policy: .aggSum, command: "DBSIZE") else { return XCTFail() }
        XCTAssertTrue(unsent.isSafeToRetry, "nothing ran anywhere")
    }
}
