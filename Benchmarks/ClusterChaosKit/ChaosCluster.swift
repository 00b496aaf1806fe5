import Foundation

/// A local cluster managed by `scripts/redis-cluster.sh` (`--name`, `--base-port`), changed
/// through its topology operations. Runs the script to completion and hands back what it printed.
public struct ChaosCluster: Sendable {
    public var script: String
    public var name: String
    public var basePort: Int
    /// The layout's nodes: 3 primaries, then their replicas.
    public var ports: [Int] { (0..<6).map { basePort + $0 } }

    public init(script: String, name: String, basePort: Int) {
        self.script = script
        self.name = name
        self.basePort = basePort
    }

    /// Where the script keeps the nodes' files (`<dir>/<port>/redis.log`), as it derives it.
    public var stateDirectory: String {
        let repo = URL(fileURLWithPath: script).deletingLastPathComponent().deletingLastPathComponent().path
        let base = ProcessInfo.processInfo.environment["SWIFTEV_CLUSTER_DIR"] ?? repo + "/.cluster"
        return base + "-" + name
    }

    /// The nodes' logs (the layout's and the next two ports, where scale-out adds a pair),
    /// but that of `excluded`.
    public func nodeLogs(excluding excluded: Int) -> [String] {
        (0..<8).filter { basePort + $0 != excluded }.compactMap {
            try? String(contentsOfFile: "\(stateDirectory)/\(basePort + $0)/redis.log", encoding: .utf8)
        }
    }

    public struct Failure: Error, CustomStringConvertible {
        public var description: String
        public init(description: String) { self.description = description }
    }

    /// Runs `scripts/redis-cluster.sh --name … --base-port … arguments…`; its stdout (what the
    /// operation did) is returned, its stderr passed through. Blocks a thread of its own, not
    /// the caller's task.
    public func run(_ arguments: [String], timeout: Double = 180) async throws -> String {
        let argv = [script, "--name", name, "--base-port", "\(basePort)"] + arguments
        return try await withCheckedThrowingContinuation { continuation in
            Thread.detachNewThread {
                continuation.resume(with: Result { try Self.spawn(argv, timeout: timeout) })
            }
        }
    }

    /// posix_spawn and waitpid rather than `Process`: the script daemonizes redis-server, and
    /// Foundation's termination handler was seen never to fire for such children.
    private static func spawn(_ argv: [String], timeout: Double) throws -> String {
        var pipe: [Int32] = [0, 0]
        guard Glibc.pipe(&pipe) == 0 else { throw Failure(description: "pipe failed: errno \(errno)") }
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0)
        posix_spawn_file_actions_adddup2(&actions, pipe[1], 1)
        posix_spawn_file_actions_addclose(&actions, pipe[0])
        // Only as stdout: a node the script starts must not hold the pipe open (no EOF).
        posix_spawn_file_actions_addclose(&actions, pipe[1])
        var cArgs: [UnsafeMutablePointer<CChar>?] = argv.map { strdup($0) } + [nil]
        defer { for pointer in cArgs { free(pointer) } }
        var pid: pid_t = 0
        let spawned = posix_spawnp(&pid, argv[0], &actions, nil, &cArgs, environ)
        close(pipe[1])
        guard spawned == 0 else { close(pipe[0]); throw Failure(description: "cannot start \(argv[0]): errno \(spawned)") }
        // The script sends the nodes' own output to their files, so the pipe reaches EOF when
        // the script exits.
        var output = Data()
        var buffer = [UInt8](repeating: 0, count: 4096)
        let deadline = ChaosClock.now() + timeout
        var status: Int32 = 0
        while true {
            var poll = pollfd(fd: pipe[0], events: Int16(POLLIN), revents: 0)
            if Glibc.poll(&poll, 1, 100) > 0 {
                let n = read(pipe[0], &buffer, buffer.count)
                if n > 0 { output.append(contentsOf: buffer[0..<n]); continue }
                if n == 0 { break }
            }
            if ChaosClock.now() > deadline {
                kill(pid, SIGKILL)
                break
            }
        }
        close(pipe[0])
        _ = waitpid(pid, &status, 0)
        let text = String(decoding: output, as: UTF8.self)
        let signal = status & 0x7f
        let code = signal == 0 ? (status >> 8) & 0xff : 128 + signal
        guard code == 0 else {
            throw Failure(description: "\(argv.joined(separator: " ")) exited with \(code): \(text)")
        }
        return text
    }
}
