import SwiftEV
import SwiftEVTesting
import SwiftEVTLS
import XCTest

final class TLSStageTests: XCTestCase {
    private func pair(client: TLSContext? = nil, server: TLSContext? = nil, serverName: String? = nil) throws -> TLSPair {
        TLSPair(client: try client ?? TLSTestCertificates.client(), server: try server ?? TLSTestCertificates.server(), serverName: serverName)
    }

    private func tlsError(_ errors: [any Error], file: StaticString = #filePath, line: UInt = #line) -> TLSError? {
        let found = errors.compactMap { $0 as? TLSError }.first
        XCTAssertNotNil(found, "expected a TLSError, got \(errors)", file: file, line: line)
        return found
    }

    func testHandshakeThenDataBothWays() throws {
        let pair = try pair()
        pair.clientRecorder.writeOnActive = ByteBuffer(string: "PING\r\n")
        pair.start()
        XCTAssertEqual(pair.clientRecorder.events, ["active"])
        XCTAssertEqual(pair.serverRecorder.events, ["active"])
        XCTAssertEqual(pair.clientStage.protocolVersion, "TLSv1.3")
        XCTAssertEqual(String(buffer: pair.serverRecorder.received), "PING\r\n")
        try pair.server.writeOutbound(ByteBuffer(string: "+PONG\r\n"))
        pair.shuttle()
        XCTAssertEqual(String(buffer: pair.clientRecorder.received), "+PONG\r\n")
    }

    func testCiphertextIsNotPlaintext() throws {
        let pair = try pair()
        pair.start()
        try pair.client.writeOutbound(ByteBuffer(string: "SET secret-value"))
        let wire = TLSPair.drain(pair.client)
        XCTAssertGreaterThan(wire.readableBytes, 16)
        XCTAssertNil(String(buffer: wire).range(of: "secret"))
        XCTAssertEqual(wire.getInteger(at: wire.readerIndex, as: UInt8.self), 23, "an application_data record")
        TLSPair.deliver(wire, to: pair.server)
        XCTAssertEqual(String(buffer: pair.serverRecorder.received), "SET secret-value")
    }

    /// Every flight delivered one byte at a time: every possible split of every record. The
    /// application sees `active` only once the handshake is complete: on the last byte of the
    /// peer's final handshake flight, never part way through it.
    func testHandshakeFedOneByteAtATime() throws {
        let pair = try pair()
        pair.server.activate()
        pair.client.activate()
        func feed(_ flight: ByteBuffer, to channel: TLSChannel, _ recorder: RecorderStage) throws {
            var bytes = flight
            while bytes.readableBytes > 0 {
                let wasActive = recorder.events.contains("active")
                try channel.writeInbound(bytes.readSlice(length: 1)!)
                if !wasActive && recorder.events.contains("active") {
                    XCTAssertEqual(bytes.readableBytes, 0, "active with \(bytes.readableBytes) bytes of the flight still to come")
                }
            }
        }
        for _ in 0..<10 {
            let toServer = TLSPair.drain(pair.client)
            let toClient = TLSPair.drain(pair.server)
            if toServer.readableBytes == 0 && toClient.readableBytes == 0 { break }
            try feed(toServer, to: pair.server, pair.serverRecorder)
            try feed(toClient, to: pair.client, pair.clientRecorder)
        }
        XCTAssertEqual(pair.clientRecorder.events, ["active"])
        XCTAssertEqual(pair.serverRecorder.events, ["active"])
        try pair.client.writeOutbound(ByteBuffer(string: "hello"))
        var record = TLSPair.drain(pair.client)
        while record.readableBytes > 0 { try pair.server.writeInbound(record.readSlice(length: 1)!) }
        XCTAssertEqual(String(buffer: pair.serverRecorder.received), "hello")
    }

    func testWritesBeforeTheHandshakeWaitForIt() throws {
        let pair = try pair()
        pair.server.activate()
        pair.client.activate()
        // Written and flushed while the handshake is under way: not plaintext on the wire.
        try pair.client.writeOutbound(ByteBuffer(string: "early"))
        let hello = TLSPair.drain(pair.client)
        XCTAssertNil(String(decoding: hello.readableBytesArray, as: UTF8.self).range(of: "early"))
        TLSPair.deliver(hello, to: pair.server)
        pair.shuttle()
        XCTAssertEqual(String(buffer: pair.serverRecorder.received), "early")
    }

    func testCloseSendsCloseNotifyAndThePeerClosesToo() throws {
        let pair = try pair()
        pair.start()
        try pair.client.close()
        let alert = TLSPair.drain(pair.client)
        XCTAssertEqual(alert.getInteger(at: alert.readerIndex, as: UInt8.self), 23, "TLS 1.3 wraps the alert as application data")
        XCTAssertTrue(pair.client.channel.isClosed)
        TLSPair.deliver(alert, to: pair.server)
        XCTAssertTrue(pair.server.channel.isClosed, "close_notify closes the receiving side")
        XCTAssertEqual(pair.serverRecorder.events, ["active", "inactive"])
        XCTAssertTrue(pair.serverRecorder.errors.isEmpty, "a clean close is not an error: \(pair.serverRecorder.errors)")
    }

    func testGarbageInsteadOfARecordIsATypedError() throws {
        let pair = try pair()
        pair.client.activate()
        _ = TLSPair.drain(pair.client)  // the ClientHello, to a server that does not speak TLS
        TLSPair.deliver(ByteBuffer(string: "-ERR unknown command\r\n"), to: pair.client)
        let error = tlsError(pair.clientRecorder.errors)
        XCTAssertEqual(error?.kind, .protocolError)
        XCTAssertEqual(error?.peer, "server.test:1")
        XCTAssertFalse(error?.reason.isEmpty ?? true)
        XCTAssertTrue(pair.client.channel.isClosed)
        XCTAssertEqual(pair.clientRecorder.events, ["inactive"], "never active")
    }

    func testGarbageAfterTheHandshakeIsATypedError() throws {
        let pair = try pair()
        pair.start()
        TLSPair.deliver(ByteBuffer(bytes: [23, 3, 3, 0, 5, 1, 2, 3, 4, 5]), to: pair.client)
        XCTAssertEqual(tlsError(pair.clientRecorder.errors)?.kind, .protocolError)
        XCTAssertTrue(pair.client.channel.isClosed)
    }

    func testHandshakeTimeout() throws {
        var configuration = TLSConfiguration.client
        configuration.trustRoots = .file(TLSTestCertificates.path("ca.crt"))
        configuration.handshakeTimeout = .seconds(2)
        let pair = try pair(client: TLSContext(configuration: configuration))
        pair.client.activate()
        pair.loop.advanceTime(by: .seconds(1))
        XCTAssertFalse(pair.client.channel.isClosed)
        pair.loop.advanceTime(by: .seconds(1))
        XCTAssertEqual(tlsError(pair.clientRecorder.errors)?.kind, .handshakeTimeout(.seconds(2)))
        XCTAssertTrue(pair.client.channel.isClosed)
    }

    func testUnknownCertificateAuthority() throws {
        let pair = try pair(client: TLSTestCertificates.client(trusting: "other-ca.crt"))
        pair.start()
        let error = tlsError(pair.clientRecorder.errors)
        XCTAssertEqual(error?.kind, .unknownCertificateAuthority)
        XCTAssertTrue(error?.reason.contains("certificate verify failed") ?? false, error?.reason ?? "")
        XCTAssertEqual(pair.clientRecorder.events, ["inactive"])
        XCTAssertEqual(tlsError(pair.serverRecorder.errors)?.kind, .peerRejectedCertificate, "the alert tells the server why")
    }

    func testExpiredCertificate() throws {
        let pair = try pair(server: TLSTestCertificates.server("expired"))
        pair.start()
        XCTAssertEqual(tlsError(pair.clientRecorder.errors)?.kind, .certificateExpired)
    }

    func testHostnameMismatch() throws {
        let pair = try pair(server: TLSTestCertificates.server("wrong-name"))
        pair.start()
        XCTAssertEqual(tlsError(pair.clientRecorder.errors)?.kind, .hostnameMismatch(expected: "redis-tls.swiftev.invalid"))
    }

    func testVerifiedNameIsTheConfiguredOneNotTheAddress() throws {
        // The certificate names redis-tls.swiftev.invalid and 127.0.0.1: an address it lacks fails,
        // the name it has passes whatever the stage's peer address is.
        let byAddress = try pair(client: TLSTestCertificates.client(serverName: nil), serverName: "127.0.0.2")
        byAddress.start()
        XCTAssertEqual(tlsError(byAddress.clientRecorder.errors)?.kind, .hostnameMismatch(expected: "127.0.0.2"))
        let byName = try pair(client: TLSTestCertificates.client(serverName: nil), serverName: "redis-tls.swiftev.invalid")
        byName.start()
        XCTAssertEqual(byName.clientRecorder.events, ["active"])
    }

    func testVerificationOptOutIsExplicit() throws {
        var configuration = TLSConfiguration.client
        configuration.trustRoots = .file(TLSTestCertificates.path("other-ca.crt"))
        configuration.verification = .insecureNoVerification
        let pair = try pair(client: TLSContext(configuration: configuration))
        pair.start()
        XCTAssertEqual(pair.clientRecorder.events, ["active"])
    }

    func testMissingClientCertificateWhenRequired() throws {
        let pair = try pair(server: TLSTestCertificates.server(requireClientCertificate: true))
        pair.start()
        XCTAssertEqual(tlsError(pair.serverRecorder.errors)?.kind, .certificateRequired)
        // TLS 1.3: the client learns it from the server's alert, after its own handshake ended.
        XCTAssertEqual(tlsError(pair.clientRecorder.errors)?.kind, .certificateRequired)
        XCTAssertTrue(pair.client.channel.isClosed)
    }

    func testMutualTLS() throws {
        let pair = try pair(client: TLSTestCertificates.client(certificate: "client"),
                            server: TLSTestCertificates.server(requireClientCertificate: true))
        pair.clientRecorder.writeOnActive = ByteBuffer(string: "hi")
        pair.start()
        XCTAssertEqual(String(buffer: pair.serverRecorder.received), "hi")
    }

    func testBadConfigurationIsATypedError() {
        var configuration = TLSConfiguration.client
        configuration.trustRoots = .file("/nonexistent/ca.crt")
        XCTAssertThrowsError(try TLSContext(configuration: configuration)) { error in
            XCTAssertEqual((error as? TLSError)?.kind, .configuration)
        }
        configuration = .server(certificateChainFile: TLSTestCertificates.path("server.crt"), privateKeyFile: TLSTestCertificates.path("client.key"))
        XCTAssertThrowsError(try TLSContext(configuration: configuration)) { error in
            XCTAssertEqual((error as? TLSError)?.kind, .configuration)
            XCTAssertTrue("\(error)".contains("client.key"), "names the file: \(error)")
        }
    }

    func testLargeWriteArrivesWhole() throws {
        let pair = try pair()
        pair.start()
        let value = ByteBuffer(bytes: (0..<(1 << 20)).map { UInt8(truncatingIfNeeded: $0 &* 31) })
        try pair.client.writeOutbound(value)
        pair.shuttle(chunk: 65_536)
        XCTAssertEqual(pair.serverRecorder.received, value)
    }
}
