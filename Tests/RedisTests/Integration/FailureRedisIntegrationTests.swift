import RESP
import SwiftEV
import Synchronization
import XCTest
@testable import Redis
#if canImport(Glibc)
import Glibc
#endif

/// Connections that break: a server closing in the middle of a reply (a small fake server, the
/// one case a real server does not produce on demand), a real server killing the connection,
/// command timeouts, refused connects and queue limits.
final class FailureRedisIntegrationTests: RedisIntegrationTestCase {
    // MARK: Closed mid-reply

    /// The fake server answers HELLO properly, then answers the first command with half a bulk
    /// string (`$10\r\nabc`) and closes. Both commands that were sent fail with an unknown
    /// outcome (the write as well as the read); one sent after the close fails as not sent.
    func testServerClosingMidReplyFailsSentCommandsAsUnknownAndLaterOnesAsNotSent() async throws {
        let requests = Mutex<[String]>([])
        let server = try await TCPServer(group: group).bind(host: host, port: 0) { pipeline in
            pipeline.adding(HalfReplyServerStage { name in requests.withLock { $0.append(name) } })
        }.get()
        defer { server.close() }
        let port = server.localAddress!.port

        let connection = try await connect(port: port)
        XCTAssertEqual(connection.serverInfo.version, "7.0.0-fake", "HELLO was answered by the fake server")
        let replies = await connection.pipeline([RedisCommand("GET", "k"), RedisCommand("SET", "k", "v")])
        XCTAssertEqual(replies.count, 2)
        for (reply, name) in zip(replies, ["GET", "SET"]) {
            guard case .failure(let error as RedisError) = reply else {
                XCTFail("\(name): expected a RedisError, got \(reply)")
                continue
            }
            XCTAssertEqual(error.kind.closedOutcome, .unknown, "\(name) was sent, so its outcome is unknown: \(error)")
            XCTAssertEqual(error.command, name)
            XCTAssertFalse(error.isSafeToRetry, name)
        }
        try await connection.closeFuture.get()

        let late = await expectRedisError("a command after the close") { try await connection.send("GET", "k") }
        XCTAssertEqual(late?.kind.closedOutcome, .notSent, "\(String(describing: late))")
        XCTAssertEqual(late?.isSafeToRetry, true)
        XCTAssertEqual(requests.withLock { $0.first }, "HELLO")
        XCTAssertTrue(requests.withLock { $0.dropFirst().first } == "GET", "\(requests.withLock { $0 })")
    }

    /// Real server: `CLIENT KILL ID` from a second connection while the first waits in
    /// `BLPOP key 0`. The blocked command fails with connectionClosed(.unknown); the
    /// connection is closed and later commands fail as not sent.
    func testClientKillWhileBlockedFailsTheBlockedCommandWithUnknownOutcome() async throws {
        let victim = try await connect(port: environment.standalonePort)
        let killer = try await connect(port: environment.standalonePort)
        let id = victim.serverInfo.connectionID
        XCTAssertGreaterThan(id, 0)
        let list = "swiftev:it:\(runID):blpop"

        let blocked = Task { try await victim.send("BLPOP", list, 0) }
        // Wait until the server has the victim blocked (CLIENT LIST shows its BLPOP).
        var isBlocked = false
        for _ in 0..<200 where !isBlocked {
            let info = try await killer.send("CLIENT", "LIST", "ID", id, as: String.self)
            isBlocked = info.contains("cmd=blpop")
            if !isBlocked { try await Task.sleep(nanoseconds: 10_000_000) }
        }
        XCTAssertTrue(isBlocked, "BLPOP never blocked on the server")
        try await expectEqual(await killer.send("CLIENT", "KILL", "ID", id), .integer(1))

        do {
            let value = try await blocked.value
            XCTFail("BLPOP returned \(value) on a killed connection")
        } catch let error as RedisError {
            XCTAssertEqual(error.kind.closedOutcome, .unknown, "\(error)")
            XCTAssertEqual(error.command, "BLPOP")
        }
        try await victim.closeFuture.get()
        let late = await expectRedisError("GET after the kill") { try await victim.send("GET", list) }
        XCTAssertEqual(late?.kind.closedOutcome, .notSent, "\(String(describing: late))")
        // Nothing was popped: a later push is still there for the killer to read.
        try await expectEqual(await killer.send("RPUSH", list, "x"), .integer(1))
        try await expectEqual(await killer.send("LPOP", list, as: String?.self), "x")
        killer.close()
    }

    // MARK: Timeouts

    /// `DEBUG SLEEP 1` with a 200 ms command timeout fails with timeout(.unknown); the
    /// connection stays open, drops the late reply when it comes, and the next commands get
    /// their own replies.
    func testCommandTimeoutThenTheLateReplyIsDroppedAndCorrelationHolds() async throws {
        // A grace long enough that the node is not judged hung while it sleeps.
        let connection = try await connect(port: environment.standalonePort) {
            $0.commandTimeout = .milliseconds(200)
            $0.unresponsiveNodeGrace = .seconds(10)
        }
        let key = "swiftev:it:\(runID):timeout"
        try await expectEqual(await connection.send("SET", key, "before"), .simpleString("OK"))

        let error = await expectRedisError("DEBUG SLEEP 1 with a 200 ms timeout") { try await connection.send("DEBUG", "SLEEP", 1) }
        XCTAssertEqual(error?.kind.timeoutOutcome, .unknown, "\(String(describing: error))")
        XCTAssertEqual(error?.command, "DEBUG")
        XCTAssertEqual(error?.isSafeToRetry, false)

        // The late +OK is still owed: wait (bounded) until it has arrived and been dropped.
        try await expectEqual(await pendingCount(connection), 0, "a timed-out command no longer counts as pending")
        var pending = try await repliesOwed(connection)
        for _ in 0..<300 where pending > 0 {
            try await Task.sleep(nanoseconds: 10_000_000)
            pending = try await repliesOwed(connection)
        }
        XCTAssertEqual(pending, 0, "the reply to DEBUG SLEEP never came")

        try await expectEqual(await connection.send("PING"), .simpleString("PONG"), "PING gets PONG, not the late +OK")
        try await expectEqual(await connection.send("GET", key, as: String.self), "before")
        try await expectEqual(await connection.send("ECHO", "after", as: String.self), "after")
        try await expectEqual(await connection.eventLoop.submit { connection.channel.isActive }.get(), true)
        connection.close()
    }

    // MARK: Connect errors and limits

    /// A port with a socket bound but not listening refuses connections: SocketError
    /// connectionRefused naming 127.0.0.1:port.
    func testRefusedPortFailsWithSocketErrorNamingTheAddress() async throws {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        defer { close(fd) }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr(host)
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        let bound = withUnsafeMutablePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, length) == 0 && getsockname(fd, $0, &length) == 0 }
        }
        XCTAssertTrue(bound, "bind to 127.0.0.1:0")
        let port = Int(UInt16(bigEndian: address.sin_port))
        XCTAssertGreaterThan(port, 0)

        do {
            let connection = try await connect(port: port)
            XCTFail("connected to a port nobody listens on: \(connection.node)")
        } catch let error as SocketError {
            XCTAssertEqual(error.kind, .connectionRefused, "\(error)")
            XCTAssertEqual(error.address, "127.0.0.1:\(port)")
            XCTAssertEqual("\(error)", "connection refused by 127.0.0.1:\(port)")
        }
    }

    /// More commands than `maxPendingCommands` at once: the extra ones fail at once with
    /// tooManyPendingCommands (safe to retry); the others complete normally.
    func testPendingLimitRejectsTheExtraCommandsOnly() async throws {
        let connection = try await connect(port: environment.standalonePort) { $0.maxPendingCommands = 10 }
        let results = await connection.pipeline((0..<12).map { RedisCommand("ECHO", "m\($0)") })
        for (index, result) in results.enumerated() {
            if index < 10 {
                XCTAssertEqual(try result.get().decode(as: String.self), "m\(index)")
            } else {
                guard case .failure(let error as RedisError) = result, case .tooManyPendingCommands(10) = error.kind else {
                    XCTFail("command \(index): expected tooManyPendingCommands, got \(result)")
                    continue
                }
                XCTAssertTrue(error.isSafeToRetry)
            }
        }
        try await expectEqual(await connection.send("PING"), .simpleString("PONG"))
        connection.close()
    }
}

/// A fake Redis for one connection: answers `HELLO` with a valid RESP3 map, then answers the
/// next command with half a bulk string and closes.
final class HalfReplyServerStage: ChannelStage {
    typealias InboundIn = ByteBuffer
    typealias OutboundIn = ByteBuffer

    private var decoder = RESPDecoder()
    private var buffer = ByteBuffer()
    private let onRequest: (String) -> Void
    private var closing = false

    init(onRequest: @escaping (String) -> Void) {
        self.onRequest = onRequest
    }

    func channelRead(context: Context, data: ByteBuffer) {
        buffer.writeBuffer(data)
        while !closing, let request = try? decoder.decode(&buffer) {
            let name = ((try? request.decode(as: [String].self))?.first ?? "?").uppercased()
            onRequest(name)
            if name == "HELLO" {
                context.writeAndFlush(ByteBuffer(string: "%3\r\n+server\r\n+redis\r\n+version\r\n+7.0.0-fake\r\n+proto\r\n:3\r\n"))
            } else {
                // Close once the half reply has left (a close drops writes still queued).
                closing = true
                let written = context.eventLoop.makePromise(of: Void.self)
                context.writeAndFlush(ByteBuffer(string: "$10\r\nabc"), promise: written)
                written.futureResult.whenComplete { _ in context.close() }
            }
        }
    }
}
