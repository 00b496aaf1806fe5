import Redis
import RESP
import SwiftEV

// MARK: Cluster-wide SCAN
extension RedisClusterClient {
    /// Every key of the cluster: `SCAN` on every primary (with `MATCH`, `COUNT`, `TYPE` as
    /// given), as an `AsyncSequence` of pages. It keeps going through a reshard or a failover:
    /// a slot counts as scanned only if one node served it, not migrating, from the start to
    /// the end of that node's scan; the slots that moved are scanned again on their new owner
    /// (a `.restarted` event: keys after it may repeat). No slot is ever skipped silently: if
    /// slots still cannot be verified after 20 rounds, the sequence throws `scanIncomplete`
    /// naming them.
    ///
    /// ```swift
    /// for try await key in cluster.scan(match: "session:*", count: 1000).keys {
    ///     print(String(buffer: key))
    /// }
    /// ```
    ///
    /// Each node is read on a connection of its own, one page ahead of the consumer at most.
    public func scan(match: String? = nil, count: Int? = nil, type: String? = nil) -> ClusterScan {
        ClusterScan(client: self, options: ClusterScanDriver.Options(match: match, count: count, type: type))
    }
}

/// A cluster-wide scan (see `RedisClusterClient.scan`): pages of keys and restart notices.
/// Each iteration scans the cluster afresh.
public struct ClusterScan: AsyncSequence, Sendable {
    public typealias Element = ClusterScanEvent
    let client: RedisClusterClient
    let options: ClusterScanDriver.Options

    public struct AsyncIterator: AsyncIteratorProtocol {
        let session: ScanSession
        public mutating func next() async throws -> ClusterScanEvent? { try await session.next() }
    }

    public func makeAsyncIterator() -> AsyncIterator { AsyncIterator(session: ScanSession(client: client, options: options)) }

    /// Just the keys (a key may come twice after a restart).
    public var keys: Keys { Keys(scan: self) }

    public struct Keys: AsyncSequence, Sendable {
        public typealias Element = ByteBuffer
        let scan: ClusterScan

        public struct AsyncIterator: AsyncIteratorProtocol {
            var events: ClusterScan.AsyncIterator
            var page: [ByteBuffer] = []
            var index = 0

            public mutating func next() async throws -> ByteBuffer? {
                while index == page.count {
                    guard let event = try await events.next() else { return nil }
                    if case .keys(let keys, _) = event { page = keys; index = 0 }
                }
                index += 1
                return page[index - 1]
            }
        }

        public func makeAsyncIterator() -> AsyncIterator { AsyncIterator(events: scan.makeAsyncIterator()) }
    }
}

/// One iteration's driver, made on the loop at the first `next()` and stopped when the iterator
/// is dropped. `@unchecked Sendable`: `driver` is only created, read and stopped on the loop;
/// `buffered`/`index` only by the task iterating (an iterator is not shared between tasks).
final class ScanSession: @unchecked Sendable {
    private let client: RedisClusterClient
    private let options: ClusterScanDriver.Options
    private var driver: ClusterScanDriver?
    /// Events taken from the driver in one hop, not yet returned. Only touched by the iterating task.
    private var buffered: [ClusterScanEvent] = []
    private var index = 0

    init(client: RedisClusterClient, options: ClusterScanDriver.Options) {
        self.client = client
        self.options = options
    }

    func next() async throws -> ClusterScanEvent? {
        if index < buffered.count {
            index += 1
            return buffered[index - 1]
        }
        let future = try await client.eventLoop.submit { [self] () -> EventLoopFuture<[ClusterScanEvent]> in
            if let driver { return driver.next() }
            let coordinator = client.coordinator
            let driver = ClusterScanDriver(coordinator: coordinator, options: options)
            self.driver = driver
            return coordinator.whenReady().flatMap { driver.next() }
        }.get()
        buffered = try await future.get()
        guard !buffered.isEmpty else { return nil }
        index = 1
        return buffered[0]
    }

    deinit {
        guard let driver else { return }
        let stop = LoopBound(driver)
        client.eventLoop.execute { stop.value.stop() }
    }
}

/// Carries a loop-confined object to its loop. `@unchecked Sendable`: only unwrapped there.
struct LoopBound<Value>: @unchecked Sendable {
    let value: Value
    init(_ value: Value) { self.value = value }
}
