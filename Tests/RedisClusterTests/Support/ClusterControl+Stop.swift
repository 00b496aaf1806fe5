import Foundation
import RESP

extension ClusterControl {
    /// Runs `body` with the node on `port` stopped (SIGSTOP, then SIGCONT however `body`
    /// ends): a node that answers nothing, for less than `cluster-node-timeout` so the cluster
    /// does not fail it over. Only for a `redis-server` of this cluster on that port.
    func whileStopped<T>(_ port: Int, _ body: () async throws -> T) async throws -> T {
        let step = "stop \(port)"
        try requireDestructive(step)
        try requireOwnPort(port, step)
        let server = try await info(port, "server")
        guard server["tcp_port"] == String(port), let pidText = server["process_id"], let pid = Int32(pidText) else {
            throw error(step, "INFO server does not describe the node on \(port): \(server)")
        }
        let command = (try? String(contentsOfFile: "/proc/\(pid)/comm", encoding: .utf8))?.trimmingCharacters(in: .whitespacesAndNewlines)
        guard command == "redis-server" else { throw error(step, "process \(pid) is \(command ?? "gone"), not redis-server") }
        guard kill(pid, SIGSTOP) == 0 else { throw error(step, "kill(\(pid), SIGSTOP) failed: errno \(errno)") }
        defer { kill(pid, SIGCONT) }
        return try await body()
    }
}
