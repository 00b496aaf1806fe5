import COpenSSL
import SwiftEV
import SwiftEVTesting
import SwiftEVTLS
import XCTest

/// Renegotiation, which only TLS 1.2 has: a raw OpenSSL server (pinned to TLS 1.2, so it can
/// ask) against the stage in client mode. The stage refuses with an alert instead of starting
/// a new handshake, and stays open.
final class TLSRenegotiationTests: XCTestCase {
    /// A TLS 1.2 server on memory BIOs, driven by hand.
    final class RawServer {
        let context: OpaquePointer
        let ssl: OpaquePointer
        let input: OpaquePointer
        let output: OpaquePointer

        init() throws {
            context = try XCTUnwrap(SSL_CTX_new(TLS_server_method()))
            XCTAssertEqual(SSL_CTX_use_certificate_chain_file(context, TLSTestCertificates.path("server.crt")), 1)
            XCTAssertEqual(SSL_CTX_use_PrivateKey_file(context, TLSTestCertificates.path("server.key"), SSL_FILETYPE_PEM), 1)
            XCTAssertEqual(swiftev_ssl_ctx_set_max_proto_version(context, TLS1_2_VERSION), 1)
            ssl = try XCTUnwrap(SSL_new(context))
            input = try XCTUnwrap(swiftev_bio_new_mem())
            output = try XCTUnwrap(swiftev_bio_new_mem())
            SSL_set_bio(ssl, input, output)
            SSL_set_accept_state(ssl)
        }

        deinit {
            SSL_free(ssl)
            SSL_CTX_free(context)
        }

        func receive(_ bytes: ByteBuffer) {
            bytes.withUnsafeReadableBytes { raw in
                if raw.count > 0 { _ = BIO_write(input, raw.baseAddress, Int32(raw.count)) }
            }
        }

        func takeOutput() -> ByteBuffer {
            var buffer = ByteBuffer()
            let pending = Int(swiftev_bio_pending(output))
            if pending > 0 {
                buffer.writeWithUnsafeMutableBytes(minimumWritableBytes: pending) { raw in
                    Int(BIO_read(output, raw.baseAddress, Int32(pending)))
                }
            }
            return buffer
        }

        func write(_ text: String) { _ = text.withCString { SSL_write(ssl, $0, Int32(strlen($0))) } }
    }

    func testRenegotiationRequestIsRefusedAndTheConnectionStaysUp() throws {
        let server = try RawServer()
        let recorder = RecorderStage()
        let stage = TLSStage(client: try TLSTestCertificates.client(), serverName: "redis-tls.swiftev.invalid", peer: "raw:1")
        let client = TLSChannel { $0.adding(stage).adding(recorder) }
        for _ in 0..<5 {
            server.receive(TLSPair.drain(client))
            _ = SSL_do_handshake(server.ssl)
            TLSPair.deliver(server.takeOutput(), to: client)
        }
        XCTAssertEqual(recorder.events, ["active"])
        XCTAssertEqual(stage.protocolVersion, "TLSv1.2")

        // The server asks for a new handshake (HelloRequest).
        XCTAssertEqual(SSL_renegotiate(server.ssl), 1)
        _ = SSL_do_handshake(server.ssl)
        let request = server.takeOutput()
        XCTAssertGreaterThan(request.readableBytes, 0)
        TLSPair.deliver(request, to: client)

        let answer = TLSPair.drain(client)
        XCTAssertEqual(answer.getInteger(at: answer.readerIndex, as: UInt8.self), 21, "an alert (no_renegotiation), not a ClientHello")
        XCTAssertFalse(client.channel.isClosed, "refusing is not failing")
        XCTAssertTrue(recorder.errors.isEmpty, "\(recorder.errors)")
        XCTAssertEqual(recorder.events, ["active"])
    }
}
