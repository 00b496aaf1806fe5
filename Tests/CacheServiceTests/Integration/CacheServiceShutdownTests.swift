import Foundation
import XCTest

/// SIGTERM under load: every write the service acknowledged is in Redis afterwards, and the
/// process exits 0.
final class CacheServiceShutdownTests: XCTestCase {
    /// Acknowledged keys, appended by the load threads. `@unchecked Sendable`: every access
    /// holds `lock`.
    final class AckLog: @unchecked Sendable {
        private let lock = NSLock()
        private var acked: [String] = []
        private var errors: [String] = []
        private var sent: [String] = []
        func attempt(_ key: String) { lock.withLock { sent.append(key) } }
        func ack(_ key: String) { lock.withLock { acked.append(key) } }
        func error(_ text: String) { lock.withLock { errors.append(text) } }
        var count: Int { lock.withLock { acked.count } }
        var keys: [String] { lock.withLock { acked } }
        var failures: [String] { lock.withLock { errors } }
        var attempted: [String] { lock.withLock { sent } }
    }

    func testSIGTERMDuringLoadLosesNoAcknowledgedWrite() async throws {
        let service = try ServiceProcess(arguments: ["--shutdown-timeout-ms", "5000"])
        let probe = try ClusterProbe()
        let prefix = "cachetest:\(UUID().uuidString.prefix(8)):term:"
        let log = AckLog()
        let port = service.port
        let threads = (0..<8).map { worker in
            Thread {
                // Each worker writes until the service stops answering: sequential PUTs, two
                // requests pipelined at a time so some are in flight when the signal lands.
                guard let client = try? HTTPTestClient(port: port) else { return log.error("worker \(worker) could not connect") }
                var i = 0
                while true {
                    let a = "\(prefix)\(worker):\(i)", b = "\(prefix)\(worker):\(i + 1)"
                    log.attempt(a)
                    log.attempt(b)
                    do {
                        try client.write(HTTPTestClient.encode("PUT", "/v1/cache/\(a)", body: Array(a.utf8))
                                         + HTTPTestClient.encode("PUT", "/v1/cache/\(b)", body: Array(b.utf8)))
                        for k in [a, b] {
                            let response = try client.readResponse()
                            if response.status == 204 {
                                log.ack(k)
                            } else if response.status != 503 || response.json()?["outcome"] != "not_applied" {
                                // A request that raced the shutdown may be refused, saying it
                                // did not run; anything else is a failure.
                                log.error("\(k): \(response.status) \(response.text)")
                            }
                        }
                    } catch {
                        return  // the service closed the connection: shutdown
                    }
                    i += 2
                }
            }
        }
        for thread in threads { thread.start() }
        // Signal once writes are flowing (a count, not a time).
        while log.count < 400 { try await Task.sleep(for: .milliseconds(5)) }
        let exitStatus = service.terminate()
        while threads.contains(where: { !$0.isFinished }) { try await Task.sleep(for: .milliseconds(10)) }
        XCTAssertEqual(exitStatus, 0, "graceful shutdown exits 0\n\(service.log)")
        XCTAssertEqual(log.failures, [], "no refused writes before the shutdown")
        let acked = log.keys
        XCTAssertGreaterThanOrEqual(acked.count, 400)
        var missing: [String] = []
        for key in acked {
            let stored = try await probe.get(Array(key.utf8))
            if stored != Array(key.utf8) { missing.append(key) }
        }
        XCTAssertEqual(missing, [], "every acknowledged write is in Redis")
        // Writes sent but never acknowledged may or may not have run: all are cleaned up.
        await probe.delete(log.attempted.map { Array($0.utf8) })
        await probe.close()
    }
}
