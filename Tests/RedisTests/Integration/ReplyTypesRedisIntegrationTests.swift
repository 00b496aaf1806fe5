import RESP
import Synchronization
import SwiftEV
import XCTest
@testable import Redis

/// Every reply type, from real servers, over RESP3 and RESP2: the standalone node and each of
/// the 6 cluster nodes (writes go to the shard's primary; a replica is read with READONLY once
/// `WAIT` says it has the writes).
final class ReplyTypesRedisIntegrationTests: RedisIntegrationTestCase {
    func testCommandRepliesOverRESP3OnStandaloneAndEveryClusterNode() async throws {
        for node in try await allNodes() {
            try await checkCommandReplies(node, protocolVersion: 3)
        }
    }

    func testCommandRepliesOverRESP2OnStandaloneAndEveryClusterNode() async throws {
        for node in try await allNodes() {
            try await checkCommandReplies(node, protocolVersion: 2)
        }
    }

    /// `DEBUG PROTOCOL <type>` makes the server send each RESP3 type; the same request over
    /// RESP2 gives the RESP2 shape, and both convert to the same Swift value.
    func testEveryRESP3TypeFromDebugProtocolMatchesItsRESP2FormOnEveryNode() async throws {
        for node in try await allNodes() {
            try await checkDebugProtocol(node)
        }
    }

    // MARK: Commands

    private func checkCommandReplies(_ node: TestNode, protocolVersion proto: Int) async throws {
        let ctx = "\(node), RESP\(proto)"
        let writer = try await connect(port: node.primaryPort) { $0.protocolVersion = proto }
        let reader = node.role == .replica
            ? try await connect(port: node.port) { $0.protocolVersion = proto; $0.readOnly = true }
            : writer
        defer { writer.close(); reader.close() }

        // What the handshake learnt (HELLO fields on RESP3; RESP2 sends no HELLO).
        XCTAssertEqual(reader.serverInfo.protocolVersion, proto, ctx)
        if proto == 3 {
            XCTAssertEqual(reader.serverInfo.mode, node.isCluster ? "cluster" : "standalone", ctx)
            XCTAssertEqual(reader.serverInfo.role, node.role == .replica ? "replica" : "master", ctx)
            XCTAssertFalse(reader.serverInfo.version.isEmpty, ctx)
            let id = try await reader.send("CLIENT", "ID", as: Int.self)
            XCTAssertEqual(reader.serverInfo.connectionID, id, "\(ctx): HELLO's id is CLIENT ID")
        }

        let string = node.key("r\(proto):string"), counter = node.key("r\(proto):counter")
        let list = node.key("r\(proto):list"), hash = node.key("r\(proto):hash")
        let set = node.key("r\(proto):set"), zset = node.key("r\(proto):zset")
        let missing = node.key("r\(proto):missing")

        // Writes, on the shard's primary.
        try await expectEqual(await writer.send("SET", string, "hello"), .simpleString("OK"), "\(ctx): simple string")
        try await expectEqual(await writer.send("INCR", counter), .integer(1), "\(ctx): integer")
        try await expectEqual(await writer.send("INCRBY", counter, 41), .integer(42), "\(ctx): integer")
        try await expectEqual(await writer.send("RPUSH", list, "a", "b", "c"), .integer(3), ctx)
        try await expectEqual(await writer.send("HSET", hash, "f1", "v1", "f2", "v2"), .integer(2), ctx)
        try await expectEqual(await writer.send("SADD", set, "x", "y", "z"), .integer(3), ctx)
        try await expectEqual(await writer.send("ZADD", zset, 1.5, "m"), .integer(1), ctx)
        let incremented = try await writer.send("ZINCRBY", zset, 1, "m")
        XCTAssertEqual(incremented, proto == 3 ? .double(2.5) : .bulkString("2.5"), "\(ctx): ZINCRBY")
        XCTAssertEqual(try incremented.decode(as: Double.self), 2.5, ctx)
        // Error replies: the command fails with the server's code; the connection goes on.
        await expectServerError("WRONGTYPE", "\(ctx): INCR on a list") { try await writer.send("INCR", list) }
        await expectServerError("ERR", "\(ctx): INCR on a non-number") { try await writer.send("INCR", string) }
        if node.role == .replica {
            try await waitForReplica(writer)
            // A replica refuses writes even in READONLY mode: it redirects to its primary.
            let error = await expectRedisError("\(ctx): SET on a replica") { try await reader.send("SET", string, "x") }
            guard case .moved(_, _, let port)? = error?.kind.redirection else {
                return XCTFail("\(ctx): expected MOVED, got \(String(describing: error))")
            }
            XCTAssertEqual(port, node.primaryPort, ctx)
        }

        // Reads, on the node under test.
        try await expectEqual(await reader.send("PING"), .simpleString("PONG"), "\(ctx): simple string")
        try await expectEqual(await reader.send("GET", string), .bulkString("hello"), "\(ctx): bulk string")
        try await expectEqual(await reader.send("GET", counter, as: Int.self), 42, ctx)
        try await expectEqual(await reader.send("STRLEN", string), .integer(5), "\(ctx): integer")
        let absent = try await reader.send("GET", missing)
        XCTAssertEqual(absent, proto == 3 ? .null : .bulkString(nil), "\(ctx): null")
        XCTAssertNil(try absent.decode(as: String?.self), ctx)
        try await expectEqual(await reader.send("LRANGE", list, 0, -1), .array([.bulkString("a"), .bulkString("b"), .bulkString("c")]),
                       "\(ctx): array")
        try await expectEqual(await reader.send("LRANGE", missing, 0, -1), .array([]), "\(ctx): empty array")

        let fields = try await reader.send("HGETALL", hash)
        switch (proto, fields) {
        case (3, .map(let pairs)): XCTAssertEqual(pairs.count, 2, ctx)
        case (2, .array(let flat?)): XCTAssertEqual(flat.count, 4, ctx)
        default: XCTFail("\(ctx): HGETALL gave \(fields.typeName)")
        }
        XCTAssertEqual(try fields.decode(as: [String: String].self), ["f1": "v1", "f2": "v2"], ctx)

        let members = try await reader.send("SMEMBERS", set)
        switch (proto, members) {
        case (3, .set(let elements)), (2, .array(let elements?)): XCTAssertEqual(elements.count, 3, ctx)
        default: XCTFail("\(ctx): SMEMBERS gave \(members.typeName)")
        }
        XCTAssertEqual(try members.decode(as: Set<String>.self), ["x", "y", "z"], ctx)

        let score = try await reader.send("ZSCORE", zset, "m")
        XCTAssertEqual(score, proto == 3 ? .double(2.5) : .bulkString("2.5"), "\(ctx): double")
        XCTAssertEqual(try score.decode(as: Double.self), 2.5, ctx)
        try await expectEqual(await reader.send("ZSCORE", zset, "absent"), proto == 3 ? .null : .bulkString(nil), ctx)

        await expectServerError("WRONGTYPE", "\(ctx): LRANGE on a string") { try await reader.send("LRANGE", string, 0, -1) }
        // The connection is still in step after the errors.
        try await expectEqual(await reader.send("ECHO", "still here", as: String.self), "still here", ctx)
        try await expectEqual(await pendingCount(reader), 0, ctx)
    }

    // MARK: DEBUG PROTOCOL

    private final class Pushes: Sendable {
        let values = Mutex<[RESPValue]>([])
    }

    private func checkDebugProtocol(_ node: TestNode) async throws {
        let resp3 = try await connect(port: node.port)
        let resp2 = try await connect(port: node.port) { $0.protocolVersion = 2 }
        defer { resp3.close(); resp2.close() }
        let pushes = Pushes()
        try await resp3.eventLoop.submit { resp3.setPushHandler { push in pushes.values.withLock { $0.append(push) } } }.get()

        func debug(_ type: String) async throws -> (RESPValue, RESPValue) {
            (try await resp3.send("DEBUG", "PROTOCOL", type), try await resp2.send("DEBUG", "PROTOCOL", type))
        }
        let ctx = "\(node): DEBUG PROTOCOL"

        var (v3, v2) = try await debug("string")
        XCTAssertTrue(v3.isBulk && v2.isBulk, "\(ctx) string: \(v3) / \(v2)")
        XCTAssertEqual(v3, v2, ctx)

        (v3, v2) = try await debug("integer")
        guard case .integer(let n) = v3 else { return XCTFail("\(ctx) integer: \(v3)") }
        XCTAssertEqual(v2, .integer(n), ctx)

        (v3, v2) = try await debug("bignum")
        guard case .bigNumber(let digits) = v3 else { return XCTFail("\(ctx) bignum: \(v3)") }
        XCTAssertEqual(v2, .bulkString(digits), "\(ctx) bignum over RESP2 is a bulk string of the same digits")
        let text = String(buffer: digits)
        XCTAssertTrue(text.count > 19 && text.allSatisfy(\.isNumber), "\(ctx) bignum: \(text)")
        XCTAssertThrowsError(try v3.decode(as: Int64.self), "\(ctx): \(text) does not fit Int64")
        XCTAssertEqual(try v3.decode(as: String.self), text, ctx)

        (v3, v2) = try await debug("double")
        guard case .double(let d) = v3 else { return XCTFail("\(ctx) double: \(v3)") }
        XCTAssertTrue(v2.isBulk, "\(ctx) double over RESP2: \(v2)")
        XCTAssertEqual(try v2.decode(as: Double.self), d, ctx)

        for (type, expected) in [("true", true), ("false", false)] {
            (v3, v2) = try await debug(type)
            XCTAssertEqual(v3, .boolean(expected), "\(ctx) \(type)")
            XCTAssertEqual(v2, .integer(expected ? 1 : 0), "\(ctx) \(type) over RESP2")
            XCTAssertEqual(try v2.decode(as: Bool.self), expected, ctx)
        }

        (v3, v2) = try await debug("null")
        XCTAssertEqual(v3, .null, "\(ctx) null")
        XCTAssertEqual(v2, .bulkString(nil), "\(ctx) null over RESP2")

        (v3, v2) = try await debug("map")
        guard case .map(let pairs) = v3, !pairs.isEmpty else { return XCTFail("\(ctx) map: \(v3)") }
        guard case .array(let flat?) = v2 else { return XCTFail("\(ctx) map over RESP2: \(v2)") }
        XCTAssertEqual(flat.count, pairs.count * 2, ctx)
        XCTAssertEqual(try v3.decode(as: [Int: Bool].self), try v2.decode(as: [Int: Bool].self), ctx)

        (v3, v2) = try await debug("set")
        guard case .set(let elements) = v3, !elements.isEmpty else { return XCTFail("\(ctx) set: \(v3)") }
        XCTAssertEqual(v2, .array(elements), "\(ctx) set over RESP2 is an array of the same elements")
        XCTAssertEqual(try v3.decode(as: Set<Int>.self), try v2.decode(as: Set<Int>.self), ctx)

        (v3, v2) = try await debug("verbatim")
        guard case .verbatimString(let format, let body) = v3 else { return XCTFail("\(ctx) verbatim: \(v3)") }
        XCTAssertEqual(format, "txt", ctx)
        XCTAssertEqual(v2, .bulkString(body), "\(ctx) verbatim over RESP2 is the text alone")
        XCTAssertEqual(try v3.decode(as: String.self), try v2.decode(as: String.self), ctx)

        (v3, v2) = try await debug("attrib")
        guard case .attribute(let attributes, let annotated) = v3, !attributes.isEmpty else {
            return XCTFail("\(ctx) attrib: \(v3)")
        }
        XCTAssertEqual(annotated, v2, "\(ctx) attrib: the annotated reply is what RESP2 gets")
        XCTAssertEqual(try v3.decode(as: String.self), try v2.decode(as: String.self), "\(ctx): decoding looks through attributes")

        // A push frame goes to the push handler, the reply after it to the command.
        let reply = try await resp3.send("DEBUG", "PROTOCOL", "push")
        XCTAssertTrue(reply.isBulk, "\(ctx) push: the command's own reply: \(reply)")
        let received = pushes.values.withLock { $0 }
        XCTAssertEqual(received.count, 1, "\(ctx) push: \(received)")
        if case .push(let items)? = received.first {
            XCTAssertFalse(items.isEmpty, ctx)
        } else {
            XCTFail("\(ctx) push: \(received)")
        }
        await expectServerError("ERR", "\(ctx) push over RESP2") { try await resp2.send("DEBUG", "PROTOCOL", "push") }

        try await expectEqual(await resp3.send("PING"), .simpleString("PONG"), ctx)
        try await expectEqual(await resp2.send("PING"), .simpleString("PONG"), ctx)
    }
}

extension RESPValue {
    var isBulk: Bool { if case .bulkString(_?) = self { return true } else { return false } }
}
