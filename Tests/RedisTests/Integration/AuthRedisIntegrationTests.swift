import RESP
import SwiftEV
import XCTest
@testable import Redis

/// The handshake against the auth node (`requirepass swiftev-secret`, ACL users `alice` with
/// every command and `limited` with only GET/PING/HELLO/AUTH/CLIENT SETNAME), over RESP3
/// (credentials in `HELLO 3 AUTH`) and RESP2 (`AUTH`, `CLIENT SETNAME`), plus the setup steps
/// (`SELECT`, and `SELECT` refused by a cluster node).
final class AuthRedisIntegrationTests: RedisIntegrationTestCase {
    private func connectAuth(
        protocolVersion: Int, username: String? = nil, password: String?, clientName: String? = nil
    ) async throws -> RedisConnection {
        try await connect(port: environment.authPort) {
            $0.protocolVersion = protocolVersion
            $0.username = username
            $0.password = password
            $0.clientName = clientName
        }
    }

    private func expectHandshakeFailure(
        step: String, code: String, _ what: String, file: StaticString = #filePath, line: UInt = #line,
        _ body: () async throws -> RedisConnection
    ) async {
        guard let error = await expectRedisError(what, file: file, line: line, body) else { return }
        guard let failure = error.kind.handshakeFailure else {
            return XCTFail("\(what): expected handshakeFailed, got \(error)", file: file, line: line)
        }
        XCTAssertEqual(failure.step, step, "\(what): \(error)", file: file, line: line)
        XCTAssertEqual(failure.reply.code, code, "\(what): \(error)", file: file, line: line)
        XCTAssertEqual(error.node, "127.0.0.1:\(environment.authPort)", what, file: file, line: line)
        XCTAssertTrue(error.isSafeToRetry, "\(what): refused before any command was sent", file: file, line: line)
    }

    /// Whoever the connection is logged in as, and that it can write and read back.
    private func checkLoggedIn(_ connection: RedisConnection, as user: String, _ ctx: String) async throws {
        try await expectEqual(await connection.send("ACL", "WHOAMI", as: String.self), user, ctx)
        let key = "swiftev:it:\(runID):auth:\(user):\(connection.serverInfo.protocolVersion)"
        try await expectEqual(await connection.send("SET", key, "v-\(user)"), .simpleString("OK"), ctx)
        try await expectEqual(await connection.send("GET", key, as: String.self), "v-\(user)", ctx)
    }

    func testPasswordForTheDefaultUserOverRESP3AndRESP2() async throws {
        for proto in [3, 2] {
            let connection = try await connectAuth(protocolVersion: proto, password: "swiftev-secret", clientName: "swiftev-it-default")
            XCTAssertEqual(connection.serverInfo.protocolVersion, proto)
            try await checkLoggedIn(connection, as: "default", "RESP\(proto)")
            try await expectEqual(await connection.send("CLIENT", "GETNAME", as: String.self), "swiftev-it-default", "RESP\(proto)")
            connection.close()
        }
    }

    func testACLUserAliceOverRESP3AndRESP2() async throws {
        for proto in [3, 2] {
            let connection = try await connectAuth(protocolVersion: proto, username: "alice", password: "alice-pw", clientName: "swiftev-it-alice")
            try await checkLoggedIn(connection, as: "alice", "RESP\(proto)")
            try await expectEqual(await connection.send("CLIENT", "GETNAME", as: String.self), "swiftev-it-alice", "RESP\(proto)")
            connection.close()
        }
    }

    func testWrongPasswordFailsTheHandshakeWithWRONGPASS() async {
        await expectHandshakeFailure(step: "HELLO", code: "WRONGPASS", "RESP3, default user, wrong password") {
            try await self.connectAuth(protocolVersion: 3, password: "not-the-password")
        }
        await expectHandshakeFailure(step: "HELLO", code: "WRONGPASS", "RESP3, alice, wrong password") {
            try await self.connectAuth(protocolVersion: 3, username: "alice", password: "swiftev-secret")
        }
        await expectHandshakeFailure(step: "HELLO", code: "WRONGPASS", "RESP3, unknown user") {
            try await self.connectAuth(protocolVersion: 3, username: "nobody", password: "alice-pw")
        }
        await expectHandshakeFailure(step: "AUTH", code: "WRONGPASS", "RESP2, default user, wrong password") {
            try await self.connectAuth(protocolVersion: 2, password: "not-the-password")
        }
        await expectHandshakeFailure(step: "AUTH", code: "WRONGPASS", "RESP2, alice, wrong password") {
            try await self.connectAuth(protocolVersion: 2, username: "alice", password: "nope")
        }
    }

    /// Redis 7 refuses `HELLO` before authentication (NOAUTH), so over RESP3 the handshake
    /// itself fails. Over RESP2 there is no handshake command to refuse: the connection opens
    /// and the first command gets NOAUTH.
    func testNoPasswordOnTheAuthNode() async throws {
        await expectHandshakeFailure(step: "HELLO", code: "NOAUTH", "RESP3 without a password") {
            try await self.connectAuth(protocolVersion: 3, password: nil)
        }
        let connection = try await connectAuth(protocolVersion: 2, password: nil)
        await expectServerError("NOAUTH", "RESP2 without a password: GET") { try await connection.send("GET", "k") }
        await expectServerError("NOAUTH", "RESP2 without a password: SET") { try await connection.send("SET", "k", "v") }
        // Authenticating afterwards works on the same connection.
        try await expectEqual(await connection.send("AUTH", "swiftev-secret"), .simpleString("OK"))
        try await checkLoggedIn(connection, as: "default", "RESP2 after AUTH")
        connection.close()
    }

    /// `limited` may GET but not SET: the handshake succeeds (HELLO and CLIENT SETNAME are
    /// allowed), GET works, SET fails with NOPERM and the connection carries on.
    func testLimitedUserCanGetButSetFailsWithNOPERM() async throws {
        let admin = try await connectAuth(protocolVersion: 3, password: "swiftev-secret")
        let key = "swiftev:it:\(runID):limited"
        try await expectEqual(await admin.send("SET", key, "readable"), .simpleString("OK"))
        for proto in [3, 2] {
            let ctx = "limited, RESP\(proto)"
            let connection = try await connectAuth(protocolVersion: proto, username: "limited", password: "limited-pw", clientName: "swiftev-it-limited")
            try await expectEqual(await connection.send("GET", key, as: String.self), "readable", ctx)
            await expectServerError("NOPERM", "\(ctx): SET") { try await connection.send("SET", key, "overwritten") }
            await expectServerError("NOPERM", "\(ctx): ACL WHOAMI") { try await connection.send("ACL", "WHOAMI") }
            try await expectEqual(await connection.send("PING"), .simpleString("PONG"), ctx)
            connection.close()
        }
        try await expectEqual(await admin.send("GET", key, as: String.self), "readable", "SET by limited had no effect")
        admin.close()
    }

    /// The `SELECT` setup step: keys written in database 5 are not in database 0; a cluster
    /// node refuses SELECT, failing the handshake at that step.
    func testSelectedDatabaseAndSelectRefusedByAClusterNode() async throws {
        let key = "swiftev:it:\(runID):db"
        let db5 = try await connect(port: environment.standalonePort) { $0.database = 5 }
        let db0 = try await connect(port: environment.standalonePort)
        try await expectEqual(await db5.send("SET", key, "in-5"), .simpleString("OK"))
        try await expectEqual(await db5.send("GET", key, as: String?.self), "in-5")
        try await expectEqual(await db0.send("GET", key, as: String?.self), nil)
        try await expectEqual(await db5.send("CLIENT", "INFO", as: String.self).contains(" db=5 "), true)

        guard let error = await expectRedisError("SELECT on a cluster node", {
            try await self.connect(port: self.environment.clusterPorts[0]) { $0.database = 1 }
        }) else { return }
        guard let failure = error.kind.handshakeFailure else { return XCTFail("expected handshakeFailed, got \(error)") }
        XCTAssertEqual(failure.step, "SELECT", "\(error)")
        XCTAssertEqual(failure.reply.code, "ERR", "\(error)")
    }
}
