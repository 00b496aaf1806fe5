import Redis
import RESP
import SwiftEV

/// Carries out what the `PubSubRegistry` decides: one subscription connection per node that
/// holds subscriptions (RESP3 push frames or, over RESP2, a connection in subscribed mode),
/// subscribe and unsubscribe commands on them, and delivery of messages and gaps to the
/// listeners. Loop-confined, owned by the coordinator.
final class PubSubHub {
    /// The subscription connection to one node, or the dial in progress with what waits for it.
    final class Link {
        let node: ClusterEndpoint
        var connection: (any NodeConnection)?
        var queued: [(RedisCommand, (Result<RESPValue, any Error>) -> Void)] = []
        var delegate: DedicatedChannelDelegate?

        init(node: ClusterEndpoint) { self.node = node }
    }

    /// One `subscribe` call of a user: its keys and where its events go.
    final class Listener {
        let keys: [PubSubKey]
        let deliver: (PubSubEvent) -> Void
        let finish: () -> Void
        var ready: EventLoopPromise<Void>?
        var readyTimer: (any LoopTimer)?

        init(keys: [PubSubKey], deliver: @escaping (PubSubEvent) -> Void, finish: @escaping () -> Void, ready: EventLoopPromise<Void>) {
            self.keys = keys
            self.deliver = deliver
            self.finish = finish
            self.ready = ready
        }
    }

    private unowned let coordinator: ClusterCoordinator
    private(set) var registry = PubSubRegistry()
    private var links: [ClusterEndpoint: Link] = [:]
    private var listeners: [Int: Listener] = [:]
    private var byKey: [PubSubKey: [Int]] = [:]
    private var nextID = 0
    private var retryTimer: (any LoopTimer)?
    private var retryArmed = false
    private var closed = false
    private var loop: any EventLoop { coordinator.loop }

    init(coordinator: ClusterCoordinator) {
        self.coordinator = coordinator
    }

    /// The nodes the current topology offers: shard channels by `scaleReads`, classic ones on
    /// the primaries.
    private func view() -> PubSubRegistry.View {
        let topology = coordinator.topology
        let scaleReads = coordinator.configuration.scaleReads
        return PubSubRegistry.View(
            shardNodes: { channel in
                guard let shard = topology?.shard(forSlot: HashSlot.slot(forKey: channel)) else { return [] }
                return ShardChannelPlacement.nodes(for: channel, in: shard, scaleReads: scaleReads)
            },
            nodes: topology?.shards.map(\.primary.endpoint) ?? [])
    }

    // MARK: Listeners

    /// Adds a listener; the future succeeds once all its keys are subscribed somewhere (or fails
    /// after `commandTimeout`, or with the server's refusal).
    func add(_ keys: [PubSubKey], deliver: @escaping (PubSubEvent) -> Void, finish: @escaping () -> Void) -> (Int, EventLoopFuture<Void>) {
        nextID += 1
        let id = nextID
        let promise = loop.makePromise(of: Void.self)
        guard !closed else {
            promise.fail(RedisClusterError(.clientClosed, command: "SUBSCRIBE"))
            finish()
            return (id, promise.futureResult)
        }
        let listener = Listener(keys: keys, deliver: deliver, finish: finish, ready: promise)
        listeners[id] = listener
        var fresh: [PubSubKey] = []
        for key in keys {
            if byKey[key, default: []].isEmpty { fresh.append(key) }
            byKey[key, default: []].append(id)
        }
        let timer = loop.makeTimer { [weak listener] in
            guard let listener, let ready = listener.ready else { return }
            listener.ready = nil
            ready.fail(RedisClusterError(.timedOutWaiting(for: "subscription confirmations"), command: "SUBSCRIBE"))
        }
        timer.arm(in: coordinator.configuration.commandTimeout, on: loop)
        listener.readyTimer = timer
        perform(registry.add(fresh, view: view()))
        checkReady()
        return (id, promise.futureResult)
    }

    func remove(_ id: Int) {
        guard let listener = listeners.removeValue(forKey: id) else { return }
        listener.readyTimer?.cancel()
        if let ready = listener.ready {
            listener.ready = nil
            ready.fail(CancellationError())
        }
        var gone: [PubSubKey] = []
        for key in listener.keys {
            byKey[key]?.removeAll { $0 == id }
            if byKey[key]?.isEmpty == true {
                byKey[key] = nil
                gone.append(key)
            }
        }
        perform(registry.remove(gone))
        listener.finish()
    }

    private func checkReady() {
        for listener in listeners.values {
            guard let ready = listener.ready else { continue }
            let live = listener.keys.allSatisfy { if case .active = registry.entries[$0]?.placement { return true } else { return false } }
            if live {
                listener.ready = nil
                listener.readyTimer?.cancel()
                ready.succeed()
            }
        }
    }

    private func deliver(_ event: PubSubEvent, to key: PubSubKey) {
        for id in byKey[key] ?? [] { listeners[id]?.deliver(event) }
    }

    // MARK: Carrying out decisions

    func topologyChanged() {
        perform(registry.topologyChanged(view: view()))
    }

    private func perform(_ actions: [PubSubRegistry.Action]) {
        guard !closed else { return }
        for action in actions {
            switch action {
            case .subscribe(let node, let kind, let names):
                let keys = names.map { PubSubKey(kind, $0) }
                send(node, RedisCommand([kind.subscribeCommand] + names)) { [weak self] result in
                    self?.subscribed(keys, on: node, result)
                }
            case .unsubscribe(let node, let kind, let names):
                // Nothing to drop on a node with no connection: its subscriptions went with it.
                guard links[node] != nil else { continue }
                send(node, RedisCommand([kind.unsubscribeCommand] + names)) { _ in }
            case .gap(let keys, let node, let reason):
                var perListener: [Int: [PubSubKey]] = [:]
                for key in keys { for id in byKey[key] ?? [] { perListener[id, default: []].append(key) } }
                for (id, keys) in perListener.sorted(by: { $0.key < $1.key }) {
                    listeners[id]?.deliver(.gap(PubSubGap(keys: keys, node: node, reason: reason)))
                }
            case .refreshTopology:
                coordinator.requestRefresh(because: "pub/sub subscription moved")
            case .retryLater:
                armRetry()
            }
        }
        closeUnusedLinks()
    }

    private func subscribed(_ keys: [PubSubKey], on node: ClusterEndpoint, _ result: Result<RESPValue, any Error>) {
        switch result {
        case .success:
            perform(registry.confirmed(keys, on: node))
            checkReady()
        case .failure(let error):
            guard let redisError = error as? RedisError else { return }
            switch redisError.kind {
            case .redirected(.moved(let slot, let host, let port)):
                coordinator.patch(slot: slot, to: ClusterEndpoint(host: host, port: port))
                perform(registry.refused(keys, on: node, redirected: true, view: view()))
            case .server(let reply):
                // Refused for good (NOPERM…): the callers waiting for these keys learn why.
                for listener in listeners.values where listener.keys.contains(where: keys.contains) {
                    listener.ready?.fail(redisError)
                    listener.ready = nil
                }
                coordinator.logger.warning("subscribe refused", metadata: ["node": "\(node)", "reply": "\(reply)"])
                perform(registry.refused(keys, on: node, redirected: false, view: view()))
            case .redirected, .timeout:
                perform(registry.refused(keys, on: node, redirected: false, view: view()))
            default:
                // The connection went away: `nodeLost` takes care of every key on it.
                break
            }
        }
    }

    private func armRetry() {
        guard !retryArmed else { return }
        retryArmed = true
        if retryTimer == nil {
            retryTimer = loop.makeTimer { [weak self] in
                guard let self else { return }
                retryArmed = false
                perform(registry.retry(view: view()))
            }
        }
        retryTimer?.arm(in: max(coordinator.configuration.retryDelayOnFailover, .milliseconds(10)), on: loop)
    }

    // MARK: Connections

    private func send(_ node: ClusterEndpoint, _ command: RedisCommand, _ completion: @escaping (Result<RESPValue, any Error>) -> Void) {
        let link = links[node] ?? dial(node)
        guard let connection = link.connection else {
            link.queued.append((command, completion))
            return
        }
        connection.send(PendingCommand(command: command, handler: .callback(on: loop, completion),
                                       deadline: loop.now + coordinator.configuration.commandTimeout))
    }

    private func dial(_ node: ClusterEndpoint) -> Link {
        let link = Link(node: node)
        links[node] = link
        link.delegate = DedicatedChannelDelegate.failingRedirects(node: node)
        coordinator.pool.dialDedicated(node, delegate: link.delegate!).whenComplete { [weak self] result in
            guard let self, links[node] === link, !closed else {
                if case .success(let connection) = result { connection.close() }
                return
            }
            switch result {
            case .success(let connection):
                link.connection = connection
                connection.correlator.onPush = { [weak self] value in self?.push(value, from: node) }
                connection.closeFuture.whenComplete { [weak self] _ in
                    guard let self, links[node] === link else { return }
                    links[node] = nil
                    perform(registry.nodeLost(node))
                }
                let queued = link.queued
                link.queued = []
                for (command, completion) in queued {
                    connection.send(PendingCommand(command: command, handler: .callback(on: loop, completion),
                                                   deadline: loop.now + coordinator.configuration.commandTimeout))
                }
            case .failure(let error):
                links[node] = nil
                for (_, completion) in link.queued { completion(.failure(error)) }
                link.queued = []
                perform(registry.nodeLost(node))
            }
        }
        return link
    }

    private func push(_ value: RESPValue, from node: ClusterEndpoint) {
        guard let frame = PubSubFrame(value), let channel = frame.channel else { return }
        switch frame.kind {
        case .message(let family):
            guard let payload = frame.payload, family != .patterns || frame.pattern != nil else { return }
            let message = PubSubMessage(kind: PubSubKind(family), channel: String(buffer: channel),
                                        pattern: frame.pattern.map { String(buffer: $0) }, payload: payload)
            deliver(.message(message), to: message.key)
        case .confirmation(.shardChannels, isSubscribe: false):
            // The server ended a shard subscription by itself: the slot moved.
            perform(registry.serverUnsubscribed(PubSubKey(.shardChannel, String(buffer: channel)), on: node, view: view()))
        case .confirmation:
            break
        }
    }

    /// Closes the connections no subscription lives on any more.
    private func closeUnusedLinks() {
        var used = Set<ClusterEndpoint>()
        for entry in registry.entries.values {
            if let node = entry.placement.node { used.insert(node) }
            if let old = entry.replacing { used.insert(old) }
        }
        for (node, link) in links where !used.contains(node) && link.connection != nil {
            links[node] = nil
            link.connection?.close()
        }
    }

    func close() {
        closed = true
        retryTimer?.cancel()
        for link in links.values { link.connection?.close() }
        links = [:]
        let all = listeners
        listeners = [:]
        byKey = [:]
        for listener in all.values {
            listener.readyTimer?.cancel()
            listener.ready?.fail(RedisClusterError(.clientClosed, command: "SUBSCRIBE"))
            listener.ready = nil
            listener.finish()
        }
    }
}
