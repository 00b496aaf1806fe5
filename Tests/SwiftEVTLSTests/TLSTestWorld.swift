import Foundation
import SwiftEV
import SwiftEVTesting
import SwiftEVTLS
import XCTest

/// Certificates from scripts/tls-certs.sh, generated once per test run into a temporary folder.
enum TLSTestCertificates {
    static let directory: String = {
        let repo = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("swiftev-tls-\(getpid())").path
        let process = Process()
        process.executableURL = repo.appendingPathComponent("scripts/tls-certs.sh")
        process.arguments = [dir, "1"]
        do {
            try process.run()
            process.waitUntilExit()
        } catch {
            fatalError("scripts/tls-certs.sh did not run: \(error)")
        }
        precondition(process.terminationStatus == 0, "scripts/tls-certs.sh failed")
        return dir
    }()

    static func path(_ name: String) -> String { "\(directory)/\(name)" }

    static func client(trusting ca: String = "ca.crt", serverName: String? = "redis-tls.swiftev.invalid",
                       certificate: String? = nil) throws -> TLSContext {
        var configuration = TLSConfiguration.client
        configuration.trustRoots = .file(path(ca))
        configuration.serverName = serverName
        if let certificate {
            configuration.certificateChainFile = path("\(certificate).crt")
            configuration.privateKeyFile = path("\(certificate).key")
        }
        return try TLSContext(configuration: configuration)
    }

    static func server(_ name: String = "server", requireClientCertificate: Bool = false) throws -> TLSContext {
        var configuration = TLSConfiguration.server(certificateChainFile: path("\(name).crt"), privateKeyFile: path("\(name).key"),
                                                    requireClientCertificate: requireClientCertificate)
        configuration.trustRoots = .file(path("ca.crt"))
        return try TLSContext(configuration: configuration)
    }
}

/// Records what passes the TLS stage towards the application.
final class RecorderStage: ChannelStage {
    typealias InboundIn = ByteBuffer
    typealias OutboundIn = ByteBuffer
    var events: [String] = []
    var received = ByteBuffer()
    var errors: [any Error] = []
    var writeOnActive: ByteBuffer?

    func channelActive(context: Context) {
        events.append("active")
        if let writeOnActive { context.writeAndFlush(writeOnActive) }
        context.fireActive()
    }
    func channelInactive(context: Context) {
        events.append("inactive")
        context.fireInactive()
    }
    func channelRead(context: Context, data: ByteBuffer) {
        received.writeBuffer(data)
    }
    func errorCaught(context: Context, error: any Error) {
        errors.append(error)
        context.fireError(error)
    }
}

typealias TLSChannel = EmbeddedByteChannel<ByteBuffer, ByteBuffer>

/// A client and a server TLS channel on one in-memory loop, and ways to move bytes between them.
final class TLSPair {
    let loop = EmbeddedEventLoop()
    let client: TLSChannel
    let server: TLSChannel
    let clientRecorder = RecorderStage()
    let serverRecorder = RecorderStage()
    let clientStage: TLSStage
    let serverStage: TLSStage

    init(client clientContext: TLSContext, server serverContext: TLSContext, serverName: String? = nil,
         clientFlushHold: TLSFlushHold? = nil) {
        clientStage = TLSStage(client: clientContext, serverName: serverName ?? clientContext.configuration.serverName, peer: "server.test:1",
                               flushHold: clientFlushHold)
        serverStage = TLSStage(server: serverContext, peer: "client.test:2")
        client = TLSChannel(loop: loop, activate: false) { [clientStage, clientRecorder] in $0.adding(clientStage).adding(clientRecorder) }
        server = TLSChannel(loop: loop, activate: false) { [serverStage, serverRecorder] in $0.adding(serverStage).adding(serverRecorder) }
    }

    /// What `from` sent, all of it, as one buffer.
    static func drain(_ from: TLSChannel) -> ByteBuffer {
        var all = ByteBuffer()
        for buffer in from.readAllOutbound() { all.writeBuffer(buffer) }
        return all
    }

    /// The plaintext lengths of the application-data records in `wire`, which must be whole
    /// records and nothing else.
    static func recordLengths(_ wire: ByteBuffer, file: StaticString = #filePath, line: UInt = #line) -> [Int] {
        var lengths: [Int] = []
        var offset = wire.readerIndex
        while offset + 5 <= wire.writerIndex {
            XCTAssertEqual(wire.getInteger(at: offset, as: UInt8.self), 23, "application_data", file: file, line: line)
            let length = Int(wire.getInteger(at: offset + 3, as: UInt16.self)!)
            lengths.append(length)
            offset += 5 + length
        }
        XCTAssertEqual(offset, wire.writerIndex, "whole records", file: file, line: line)
        return lengths
    }

    /// Delivers `bytes` to `to` in pieces of `chunk` bytes (nil: in one piece). Errors that
    /// reach the end of its pipeline are collected by its recorder, not thrown.
    static func deliver(_ bytes: ByteBuffer, to: TLSChannel, chunk: Int? = nil) {
        var bytes = bytes
        let size = chunk ?? max(bytes.readableBytes, 1)
        while bytes.readableBytes > 0, !to.channel.isClosed {
            let piece = bytes.readSlice(length: min(size, bytes.readableBytes))!
            try? to.writeInbound(piece)
        }
    }

    /// Moves bytes both ways until neither side has anything to say.
    func shuttle(chunk: Int? = nil, maxRounds: Int = 20) {
        for _ in 0..<maxRounds {
            let toServer = Self.drain(client)
            let toClient = Self.drain(server)
            if toServer.readableBytes == 0 && toClient.readableBytes == 0 { return }
            Self.deliver(toServer, to: server, chunk: chunk)
            Self.deliver(toClient, to: client, chunk: chunk)
        }
    }

    func start(chunk: Int? = nil) {
        server.activate()
        client.activate()
        shuttle(chunk: chunk)
    }
}
