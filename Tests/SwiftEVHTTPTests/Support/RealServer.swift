import Foundation
import SwiftEV
import SwiftEVHTTP
import XCTest

/// A real HTTP server on 127.0.0.1 (port chosen by the kernel) whose answers describe the
/// request, for real clients to talk to:
/// - `/echo`: `METHOD target len=N sum=S` (S: sum of the body's bytes)
/// - `/slow?ms=N`: the same, answered N ms later from a loop timer
/// - `/thread`: the same, answered from another thread
final class RealServer {
    let group = LibevEventLoopGroup(numberOfThreads: 2)
    let listener: Channel
    var port: Int { listener.localAddress!.port }

    init(configuration: HTTPServerConfiguration = .init()) throws {
        listener = try TCPServer(group: group).bindHTTP(host: "127.0.0.1", port: 0, configuration: configuration) { _ in
            HTTPClosureHandler(RealServer.answer)
        }.wait()
    }

    func stop() {
        try? listener.close().wait()
        try? group.syncShutdown()
    }

    static func describe(_ request: HTTPRequest) -> HTTPResponse {
        var sum = 0
        request.body.withUnsafeReadableBytes { for byte in $0 { sum &+= Int(byte) } }
        return .text(.ok, "\(request.head.method) \(request.head.target) len=\(request.body.readableBytes) sum=\(sum)")
    }

    static func answer(_ request: HTTPRequest, _ responder: HTTPResponder) {
        let response = describe(request)
        switch request.head.path {
        case "/slow":
            let ms = Int(request.head.query?.split(separator: "=").last ?? "0") ?? 0
            responder.eventLoop.scheduleTask(in: .milliseconds(Int64(ms))) { responder.respond(response) }
        case "/thread":
            Thread.detachNewThread { responder.respond(response) }
        default:
            responder.respond(response)
        }
    }
}

/// Runs a program to completion and returns its exit status and standard output (and
/// standard error, when merging).
func runTool(_ arguments: [String], stdin: Data? = nil, mergingErrors: Bool = false) throws -> (status: Int32, output: String) {
    let process = Process()
    process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
    process.arguments = arguments
    let output = Pipe()
    process.standardOutput = output
    process.standardError = mergingErrors ? output : FileHandle.nullDevice
    let input = Pipe()
    process.standardInput = input
    try process.run()
    if let stdin { input.fileHandleForWriting.write(stdin) }
    try input.fileHandleForWriting.close()
    let data = output.fileHandleForReading.readDataToEndOfFile()
    process.waitUntilExit()
    return (process.terminationStatus, String(decoding: data, as: UTF8.self))
}

/// Skips the test, saying so, when `tool` is not installed.
func requireTool(_ tool: String) throws {
    let found = (try? runTool(["sh", "-c", "command -v \(tool)"]))?.status == 0
    try XCTSkipUnless(found, "\(tool) is not installed (scripts/setup.sh installs it)")
}
