import Foundation
import Redis
import RESP
import SwiftEV
import SwiftEVTLS
import XCTest

/// One connection over TLS to the real TLS nodes: commands, large values, long pipelines, and
/// each way the handshake can be refused, as a `TLSError` naming the node and the cause.
final class RedisTLSConnectionTests: XCTestCase {
    private typealias Env = TLSTestEnvironment

    private func expectTLSError(port: Int, _ configuration: RedisConnectionConfiguration,
                                file: StaticString = #filePath, line: UInt = #line) async throws -> TLSError {
        do {
            let connection = try await Env.connect(port: port, configuration)
            // Refusals after the client's handshake (TLS 1.3 client certificates) close the
            // connection before the Redis handshake completes; reaching here is a failure.
            try? await connection.close().get()
            XCTFail("connected to \(port)", file: file, line: line)
            throw TLSError(.handshakeFailed, peer: "", reason: "unexpectedly connected")
        } catch let error as TLSError {
            XCTAssertEqual(error.peer, "127.0.0.1:\(port)", "the error names the node", file: file, line: line)
            XCTAssertFalse(error.reason.isEmpty, "and OpenSSL's reason", file: file, line: line)
            return error
        }
    }

    func testCommandsOverTLS() async throws {
        let connection = try await Env.connect(port: try Env.port(.plain), Env.configuration(Env.context()))
        let key = "swiftev:tls:\(UUID())"
        try await connection.send("SET", key, "over tls")
        let value = try await connection.send("GET", key, as: String.self)
        XCTAssertEqual(value, "over tls")
        try await connection.send("DEL", key)
        try await connection.close().get()
    }

    func testOneMegabyteValues() async throws {
        let connection = try await Env.connect(port: try Env.port(.plain), Env.configuration(Env.context()))
        let key = "swiftev:tls:large:\(UUID())"
        let value = String((0..<(1 << 20)).map { Character(UnicodeScalar(UInt8(97 + $0 % 26))) })
        for _ in 0..<3 {
            try await connection.send("SET", key, value)
            let back = try await connection.send("GET", key, as: String.self)
            XCTAssertEqual(back.count, value.count)
            XCTAssertTrue(back == value, "1 MB came back intact")
        }
        try await connection.send("DEL", key)
        try await connection.close().get()
    }

    func testTenThousandPipelinedCommands() async throws {
        let connection = try await Env.connect(port: try Env.port(.plain), Env.configuration(Env.context()))
        let key = "swiftev:tls:pipeline:\(UUID())"
        let commands = (0..<10_000).map { _ in RedisCommand(["INCR", key]) }
        let results = await connection.pipeline(commands)
        XCTAssertEqual(results.count, 10_000)
        let counts = results.map { result -> Int in
            if case .success(let value) = result, case .integer(let n) = value { return Int(n) }
            return -1
        }
        XCTAssertEqual(counts, Array(1...10_000), "every reply, in order")
        try await connection.send("DEL", key)
        try await connection.close().get()
    }

    func testMutualTLS() async throws {
        let port = try Env.port(.clientCertificateRequired)
        let connection = try await Env.connect(port: port, Env.configuration(Env.context(clientCertificate: true)))
        let pong = try await connection.send("PING", as: String.self)
        XCTAssertEqual(pong, "PONG")
        try await connection.close().get()
    }

    func testMissingClientCertificateWhenRequired() async throws {
        let port = try Env.port(.clientCertificateRequired)
        let error = try await expectTLSError(port: port, Env.configuration(Env.context()))
        XCTAssertEqual(error.kind, .certificateRequired, "\(error)")
    }

    func testWrongCertificateAuthority() async throws {
        let port = try Env.port(.plain)
        let error = try await expectTLSError(port: port, Env.configuration(Env.context(trusting: "other-ca.crt")))
        XCTAssertEqual(error.kind, .unknownCertificateAuthority, "\(error)")
    }

    func testExpiredCertificate() async throws {
        let port = try Env.port(.expired)
        let error = try await expectTLSError(port: port, Env.configuration(Env.context()))
        XCTAssertEqual(error.kind, .certificateExpired, "\(error)")
    }

    func testCertificateForAnotherName() async throws {
        let port = try Env.port(.wrongName)
        let error = try await expectTLSError(port: port, Env.configuration(Env.context()))
        XCTAssertEqual(error.kind, .hostnameMismatch(expected: "127.0.0.1"), "\(error)")
    }

    func testServerOnlySpeakingTLS11() async throws {
        let port = try Env.port(.tls11Only)
        let error = try await expectTLSError(port: port, Env.configuration(Env.context()))
        XCTAssertEqual(error.kind, .protocolVersion, "\(error)")
    }

    /// A cluster node's certificate names node-K.tls.swiftev.invalid (and 127.0.0.1): dialled by
    /// address, it is verified against the name configured, not the address.
    func testVerifiedNameIsDecoupledFromTheAddressDialled() async throws {
        let port = try Env.clusterPorts()[1]
        let right = try await Env.connect(port: port, Env.configuration(Env.context(), serverName: "node-1.tls.swiftev.invalid"))
        let pong = try await right.send("PING", as: String.self)
        XCTAssertEqual(pong, "PONG")
        try await right.close().get()
        let wrong = try await expectTLSError(port: port, Env.configuration(Env.context(), serverName: "node-0.tls.swiftev.invalid"))
        XCTAssertEqual(wrong.kind, .hostnameMismatch(expected: "node-0.tls.swiftev.invalid"))
    }

    func testPlaintextClientOnATLSPortGetsAClearError() async throws {
        var configuration = RedisConnectionConfiguration()
        configuration.commandTimeout = .seconds(2)
        do {
            let connection = try await Env.connect(port: try Env.port(.plain), configuration)
            try? await connection.close().get()
            XCTFail("a plaintext handshake succeeded on a TLS port")
        } catch let error as RedisError {
            XCTAssertEqual(error.node, "127.0.0.1:\(try Env.port(.plain))")
        }
    }
}
