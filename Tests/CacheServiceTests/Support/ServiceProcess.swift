import Foundation
import XCTest

/// The built `CacheService` executable as a child process against the real cluster, on a port
/// the kernel picks (`--listen 127.0.0.1:0`; the service prints the one it bound).
final class ServiceProcess {
    struct Failure: Error, CustomStringConvertible {
        var description: String
    }

    let process = Process()
    let port: Int
    /// The service's log (a file, not a pipe: a pipe nobody reads would fill and block it).
    let logURL = FileManager.default.temporaryDirectory.appendingPathComponent("cache-service-\(UUID().uuidString).log")

    /// The cluster's seeds from the test command's environment (scripts/test.sh exports them).
    static func clusterSeeds() throws -> String {
        let list = ProcessInfo.processInfo.environment["SWIFTEV_CLUSTER_PORTS"] ?? ""
        let ports = list.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }
        guard !ports.isEmpty else {
            throw Failure(description: "SWIFTEV_CLUSTER_PORTS='\(list)': run the integration tests with scripts/test.sh, which starts the cluster and exports it")
        }
        return ports.prefix(3).map { "127.0.0.1:\($0)" }.joined(separator: ",")
    }

    static func clusterPorts() throws -> [Int] {
        try clusterSeeds().split(separator: ",").compactMap { $0.split(separator: ":").last.flatMap { Int($0) } }
    }

    /// Starts the service and waits until it says where it listens; with `waitUntilReady`,
    /// also until `/healthz` says 200 (polled, bounded). `environment` adds to (and overrides)
    /// the test's own.
    init(redisHosts: String? = nil, arguments: [String] = [], environment extra: [String: String] = [:],
         waitUntilReady: Bool = true) throws {
        let directory = URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent()
        var executable = directory.appendingPathComponent("CacheService")
        // `swift test` runs from .build/<triple>/debug/…xctest or .build/debug.
        if !FileManager.default.fileExists(atPath: executable.path) {
            executable = directory.deletingLastPathComponent().appendingPathComponent("CacheService")
        }
        guard FileManager.default.isExecutableFile(atPath: executable.path) else {
            throw Failure(description: "no CacheService executable next to the tests (\(executable.path)): build it (swift build)")
        }
        process.executableURL = executable
        process.arguments = ["--listen", "127.0.0.1:0", "--loops", "2"] + arguments
        var environment = ProcessInfo.processInfo.environment
        environment["REDIS_HOSTS"] = try redisHosts ?? Self.clusterSeeds()
        environment["CACHE_LOG_LEVEL"] = "warning"
        environment.merge(extra) { _, new in new }
        process.environment = environment
        let stdoutPipe = Pipe()
        process.standardOutput = stdoutPipe
        _ = FileManager.default.createFile(atPath: logURL.path, contents: nil)
        process.standardError = try FileHandle(forWritingTo: logURL)
        try process.run()
        // The first line: "listening on 127.0.0.1:PORT". Read byte by byte: the pipe stays open.
        var line = [UInt8]()
        let handle = stdoutPipe.fileHandleForReading
        while line.last != UInt8(ascii: "\n") {
            let byte = handle.readData(ofLength: 1)
            guard let first = byte.first else {
                let log = (try? String(contentsOf: logURL, encoding: .utf8)) ?? ""
                throw Failure(description: "the service exited before listening: \(log)")
            }
            line.append(first)
        }
        let text = String(decoding: line, as: UTF8.self)
        guard let port = text.split(separator: ":").last.flatMap({ Int($0.trimmingCharacters(in: .whitespacesAndNewlines)) }) else {
            throw Failure(description: "unexpected first line \(text)")
        }
        self.port = port
        if waitUntilReady { try waitForHealth() }
    }

    var log: String { (try? String(contentsOf: logURL, encoding: .utf8)) ?? "" }

    func waitForHealth() throws {
        for _ in 0..<200 {
            if let response = try? HTTPTestClient(port: port).request("GET", "/healthz"), response.status == 200 { return }
            Thread.sleep(forTimeInterval: 0.05)
        }
        throw Failure(description: "the service did not become healthy within 10 s")
    }

    /// SIGTERM, then the exit status (waiting at most `seconds`).
    func terminate(seconds: Double = 20) -> Int32? {
        if process.isRunning { process.terminate() }
        let deadline = Date().addingTimeInterval(seconds)
        while process.isRunning, Date() < deadline { Thread.sleep(forTimeInterval: 0.01) }
        if process.isRunning {
            kill(process.processIdentifier, SIGKILL)
            process.waitUntilExit()
            return nil
        }
        return process.terminationStatus
    }

    deinit {
        try? FileManager.default.removeItem(at: logURL)
        if process.isRunning {
            kill(process.processIdentifier, SIGKILL)
            process.waitUntilExit()
        }
    }
}
