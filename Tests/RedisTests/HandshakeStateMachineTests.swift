import RESP
import SwiftEV
import XCTest
@testable import Redis

final class HandshakeStateMachineTests: XCTestCase {
    private func words(_ action: HandshakeStateMachine.Action) -> [[String]] {
        guard case .send(let commands) = action else { return [] }
        return commands.map { command in
            var decoder = RESPDecoder()
            var bytes = command.bytes
            guard case .array(let items?)? = try? decoder.decode(&bytes) else { return [] }
            return items.compactMap { try? $0.decode(as: String.self) }
        }
    }

    private let helloReply: RESPValue = .map([
        (key: .bulkString("server"), value: .bulkString("redis")),
        (key: .bulkString("version"), value: .bulkString("7.0.15")),
        (key: .bulkString("proto"), value: .integer(3)),
        (key: .bulkString("id"), value: .integer(42)),
        (key: .bulkString("mode"), value: .bulkString("cluster")),
        (key: .bulkString("role"), value: .bulkString("master")),
    ])

    func testResp3HelloCarriesAuthAndNameThenSetupSteps() {
        var machine = HandshakeStateMachine(.init(username: "alice", password: "pw", clientName: "svc", readOnly: true, database: nil))
        XCTAssertEqual(words(machine.start()), [["HELLO", "3", "AUTH", "alice", "pw", "SETNAME", "svc"]])
        XCTAssertEqual(words(machine.receive(helloReply)), [["READONLY"]])
        guard case .succeed(let info) = machine.receive(.simpleString("OK")) else { return XCTFail("expected success") }
        XCTAssertEqual(info, RedisServerInfo(protocolVersion: 3, version: "7.0.15", role: "master", mode: "cluster", connectionID: 42))
    }

    func testPasswordWithoutUserAuthenticatesAsDefault() {
        var machine = HandshakeStateMachine(.init(password: "pw"))
        XCTAssertEqual(words(machine.start()), [["HELLO", "3", "AUTH", "default", "pw"]])
        guard case .succeed = machine.receive(helloReply) else { return XCTFail("no setup steps: done after HELLO") }
    }

    func testServerWithoutHelloFallsBackToResp2Auth() {
        var machine = HandshakeStateMachine(.init(password: "pw", clientName: "svc", database: 2))
        _ = machine.start()
        let next = machine.receive(.simpleError("ERR unknown command 'HELLO', with args beginning with: '3'"))
        XCTAssertEqual(words(next), [["AUTH", "pw"], ["CLIENT", "SETNAME", "svc"], ["SELECT", "2"]])
        XCTAssertTrue({ if case .wait = machine.receive(.simpleString("OK")) { true } else { false } }())
        XCTAssertTrue({ if case .wait = machine.receive(.simpleString("OK")) { true } else { false } }())
        guard case .succeed(let info) = machine.receive(.simpleString("OK")) else { return XCTFail() }
        XCTAssertEqual(info.protocolVersion, 2)
    }

    func testNoProtoAlsoFallsBack() {
        var machine = HandshakeStateMachine(.init())
        _ = machine.start()
        guard case .succeed(let info) = machine.receive(.simpleError("NOPROTO unsupported protocol version")) else { return XCTFail() }
        XCTAssertEqual(info.protocolVersion, 2)
    }

    func testWrongPasswordFailsNamingStepAndCode() {
        var machine = HandshakeStateMachine(.init(password: "bad"))
        _ = machine.start()
        guard case .fail(.handshakeFailed(let step, let error)) = machine.receive(.simpleError("WRONGPASS invalid username-password pair or user is disabled.")) else {
            return XCTFail("expected handshakeFailed")
        }
        XCTAssertEqual(step, "HELLO")
        XCTAssertEqual(error.code, "WRONGPASS")
    }

    func testFailingSetupStepIsNamed() {
        var machine = HandshakeStateMachine(.init(protocolVersion: 2, password: "pw", readOnly: true))
        XCTAssertEqual(words(machine.start()), [["AUTH", "pw"], ["READONLY"]])
        XCTAssertTrue({ if case .wait = machine.receive(.simpleString("OK")) { true } else { false } }())
        guard case .fail(.handshakeFailed(let step, let error)) = machine.receive(.simpleError("ERR This instance has cluster support disabled")) else {
            return XCTFail()
        }
        XCTAssertEqual(step, "READONLY")
        XCTAssertEqual(error.code, "ERR")
    }

    func testResp2WithNothingToSayIsReadyAtOnce() {
        var machine = HandshakeStateMachine(.init(protocolVersion: 2))
        guard case .succeed(let info) = machine.start() else { return XCTFail() }
        XCTAssertEqual(info.protocolVersion, 2)
    }
}
