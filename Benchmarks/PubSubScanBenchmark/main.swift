// PubSubScanBenchmark: sharded pub/sub throughput and cluster-wide SCAN speed of the cluster
// client against the local cluster. Not a test.
//
//   swift build -c release --product PubSubScanBenchmark
//   .build/release/PubSubScanBenchmark --port 7750 --mode pubsub --messages 200000 --in-flight 64
//   .build/release/PubSubScanBenchmark --port 7750 --mode scan --count 1000
//
// Benchmarks/run-pubsub-scan.sh runs both beside redis-benchmark / redis-cli on the same cluster.
// Options (all optional):
//   --host H --port P     a seed (default 127.0.0.1:7750)
//   --mode pubsub|scan    (default pubsub)
//   pubsub: one client subscribes (loop-local callback) to --channels shard channels spread over
//           the slots; another client, on its own loop, SPUBLISHes --messages messages of
//           --payload bytes round robin over them with --in-flight publishes outstanding.
//           Prints `messages/s=… (received) published/s=… gaps=…`, timed from the first publish
//           to the last message received.
//   scan:   iterates `scan(count: --count)` over the whole cluster and prints
//           `keys=… keys/s=… restarts=…`.

import BenchmarkSupport
import Foundation
import RESP
import Redis
import RedisCluster
import SwiftEV

struct Options {
    var host = "127.0.0.1"
    var port = 7750
    var mode = "pubsub"
    var messages = 200_000
    var payload = 32
    var inFlight = 64
    var channels = 16
    var count = 1000

    static func parse(_ arguments: [String]) -> Options {
        var options = Options()
        var reader = CommandLineOptions(arguments, tool: "PubSubScanBenchmark")
        while let flag = reader.nextFlag() {
            switch flag {
            case "--host": options.host = reader.value()
            case "--port": options.port = Int(reader.number())
            case "--mode": options.mode = reader.value()
            case "--messages": options.messages = max(1, Int(reader.number()))
            case "--payload": options.payload = max(1, Int(reader.number()))
            case "--in-flight": options.inFlight = max(1, Int(reader.number()))
            case "--channels": options.channels = max(1, Int(reader.number()))
            case "--count": options.count = max(1, Int(reader.number()))
            default: reader.fail("unknown option \(flag)")
            }
        }
        guard ["pubsub", "scan"].contains(options.mode) else { reader.fail("--mode must be pubsub or scan") }
        return options
    }
}

/// Counts on the subscriber's loop; read by the main task only after `done` completes.
final class Counter: @unchecked Sendable {
    // @unchecked: mutated only on the subscriber's loop; read after `done` (a happens-before edge).
    var received = 0
    var gaps = 0
    let target: Int
    let done: EventLoopPromise<Void>
    init(target: Int, done: EventLoopPromise<Void>) {
        self.target = target
        self.done = done
    }
}

/// Keeps `inFlight` SPUBLISHes outstanding on the publisher's loop until `total` are sent.
final class Publisher: @unchecked Sendable {
    // @unchecked: used only on `client.eventLoop`.
    let client: RedisClusterClient
    let channels: [String]
    let payload: ByteBuffer
    let total: Int
    var sent = 0
    var errors = 0

    init(client: RedisClusterClient, channels: [String], payload: ByteBuffer, total: Int) {
        self.client = client
        self.channels = channels
        self.payload = payload
        self.total = total
    }

    func next() {
        guard sent < total else { return }
        let channel = channels[sent % channels.count]
        sent += 1
        client.submit(RedisCommand("SPUBLISH", channel, payload)) { [self] result in
            if case .failure = result { errors += 1 }
            next()
        }
    }
}

func benchmarkPubSub(_ options: Options, group: LibevEventLoopGroup, configuration: RedisClusterConfiguration) async throws {
    let subscriber = RedisClusterClient(configuration: configuration, eventLoop: group.loops[0])
    let publisherClient = RedisClusterClient(configuration: configuration, eventLoop: group.loops[1])
    try await subscriber.connect()
    try await publisherClient.connect()
    let channels = (0..<options.channels).map { "bench:channel:\($0)" }
    let counter = Counter(target: options.messages, done: group.loops[0].makePromise(of: Void.self))
    let (_, ready) = try await subscriber.eventLoop.submit {
        subscriber.subscribeOnLoop(shardChannels: channels) { event in
            switch event {
            case .message:
                counter.received += 1
                if counter.received == counter.target { counter.done.succeed() }
            case .gap:
                counter.gaps += 1
            case .dropped:
                break  // the loop-local form never drops
            }
        }
    }.get()
    try await ready.get()
    let publisher = Publisher(client: publisherClient, channels: channels,
                              payload: ByteBuffer(string: String(repeating: "x", count: options.payload)), total: options.messages)
    let start = ContinuousClock.now
    try await publisherClient.eventLoop.submit { for _ in 0..<options.inFlight { publisher.next() } }.get()
    try await counter.done.futureResult.get()
    let seconds = Double((ContinuousClock.now - start).components.attoseconds) / 1e18 + Double((ContinuousClock.now - start).components.seconds)
    let errors = try await publisherClient.eventLoop.submit { publisher.errors }.get()
    print(String(format: "messages/s=%.0f published=%d gaps=%d errors=%d seconds=%.2f",
                 Double(options.messages) / seconds, options.messages, counter.gaps, errors, seconds))
    await subscriber.close()
    await publisherClient.close()
}

func benchmarkScan(_ options: Options, group: LibevEventLoopGroup, configuration: RedisClusterConfiguration) async throws {
    let client = RedisClusterClient(configuration: configuration, eventLoop: group.loops[0])
    try await client.connect()
    var keys = 0
    var restarts = 0
    let start = ContinuousClock.now
    for try await event in client.scan(count: options.count) {
        switch event {
        case .keys(let page, _): keys += page.count
        case .restarted: restarts += 1
        }
    }
    let elapsed = ContinuousClock.now - start
    let seconds = Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18
    print(String(format: "keys=%d keys/s=%.0f restarts=%d seconds=%.3f", keys, Double(keys) / seconds, restarts, seconds))
    await client.close()
}

let options = Options.parse(Array(CommandLine.arguments.dropFirst()))
let group = LibevEventLoopGroup(numberOfThreads: 2)
var configuration = RedisClusterConfiguration(seeds: [.init(host: options.host, port: options.port)])
configuration.commandTimeout = .seconds(30)
do {
    if options.mode == "pubsub" {
        try await benchmarkPubSub(options, group: group, configuration: configuration)
    } else {
        try await benchmarkScan(options, group: group, configuration: configuration)
    }
} catch {
    FileHandle.standardError.write(Data("PubSubScanBenchmark: \(error)\n".utf8))
    exit(1)
}
try? group.syncShutdown()
