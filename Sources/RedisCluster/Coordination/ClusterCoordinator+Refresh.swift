import Redis
import RESP
import SwiftEV

/// Topology refresh and discovery: ask a few nodes in parallel, elect the view most agree on,
/// install it. Every node asked that did not help is remembered with its own cause.
extension ClusterCoordinator {
    /// The answers of one refresh round, collected as they arrive.
    final class RefreshRound {
        let number: Int
        var views: [TopologyElection.View] = []
        var failures: [NodeFailure] = []
        var remaining: Int
        var concluded = false
        var timer: (any LoopTimer)?
        let startedAt: Deadline

        init(number: Int, expected: Int, startedAt: Deadline) {
            self.number = number
            self.remaining = expected
            self.startedAt = startedAt
        }
    }

    /// Returns the round (for tests: it must not outlive its answers).
    @discardableResult
    func startRefresh() -> RefreshRound {
        refreshRound += 1
        let sources = refreshSources()
        let round = RefreshRound(number: refreshRound, expected: sources.count, startedAt: loop.now)
        guard !sources.isEmpty else {
            conclude(round)
            return round
        }
        // A node that accepts the connection but never answers must not hold the round open.
        // The round is held by its queries, not by its timer: the round keeps the timer, and a
        // timer keeping its round was a cycle that leaked every round with the topologies it
        // collected (32 KiB of slot table each, ~2 MiB a minute at the periodic refresh).
        let timer = loop.makeTimer { [weak self, weak round] in
            guard let self, let round else { return }
            for endpoint in sources where !round.views.contains(where: { $0.node == endpoint })
                && !round.failures.contains(where: { $0.endpoint == endpoint }) {
                round.failures.append(NodeFailure(endpoint: endpoint, cause: .timedOut))
            }
            conclude(round)
        }
        timer.arm(in: configuration.slotsRefreshTimeout + .milliseconds(50), on: loop)
        round.timer = timer
        for endpoint in sources {
            queryTopology(of: endpoint) { [weak self] result in
                guard let self else { return }
                guard !round.concluded else { return }
                switch result {
                case .success(let view): round.views.append(view)
                case .failure(let failure): round.failures.append(failure)
                }
                round.remaining -= 1
                if round.remaining == 0 { conclude(round) }
            }
        }
        return round
    }

    /// Up to `refreshQuorum` nodes of the current topology that are not known to be down,
    /// primaries first, in random order (so that many clients spread their questions); the
    /// seeds when there is no topology or none of its nodes is reachable.
    private func refreshSources() -> [ClusterEndpoint] {
        let quorum = max(1, configuration.refreshQuorum)
        if let topology {
            let usable: (ClusterTopology.Node) -> Bool = { node in
                node.health != .failed && self.pool.handles[node.endpoint]?.isDown != true
                    && !self.silentNodes.isSuspect(node.endpoint)
            }
            let primaries = topology.shards.map(\.primary).filter(usable).shuffled()
            let replicas = topology.shards.flatMap(\.replicas).filter(usable).shuffled()
            let chosen = Array((primaries + replicas).prefix(quorum)).map(\.endpoint)
            if !chosen.isEmpty { return chosen }
        }
        var seen = Set<ClusterEndpoint>()
        return configuration.seeds.map(\.endpoint).filter { seen.insert($0).inserted }
    }

    /// Asks one node for its view: `CLUSTER MYID` and `CLUSTER SHARDS` in one flush (falling
    /// back to `CLUSTER SLOTS` on servers before 7.0).
    private func queryTopology(of endpoint: ClusterEndpoint, completion: @escaping (Result<TopologyElection.View, NodeFailure>) -> Void) {
        let timeout = configuration.slotsRefreshTimeout
        var myID: String?
        pool.probe(endpoint, RedisCommand("CLUSTER", "MYID"), timeout: timeout) { result in
            if case .success(let value) = result { myID = (try? value.decode(as: String.self)) }
        }
        pool.probe(endpoint, RedisCommand("CLUSTER", "SHARDS"), timeout: timeout) { [weak self] result in
            guard let self else { return }
            switch result {
            case .success(let reply):
                completion(parseView(reply, from: endpoint, nodeID: myID, slots: false))
            case .failure(let error):
                if let serverError = ClusterCoordinator.serverError(error), serverError.code == "ERR",
                   serverError.message.lowercased().contains("unknown subcommand") {
                    pool.probe(endpoint, RedisCommand("CLUSTER", "SLOTS"), timeout: timeout) { [weak self] result in
                        guard let self else { return }
                        switch result {
                        case .success(let reply): completion(parseView(reply, from: endpoint, nodeID: myID, slots: true))
                        case .failure(let error): completion(.failure(failure(endpoint, error)))
                        }
                    }
                } else {
                    completion(.failure(failure(endpoint, error)))
                }
            }
        }
    }

    private func parseView(_ reply: RESPValue, from endpoint: ClusterEndpoint, nodeID: String?, slots: Bool) -> Result<TopologyElection.View, NodeFailure> {
        do {
            let topology = slots ? try SlotsParser.parse(reply) : try ShardsParser.parse(reply, tls: configuration.usesTLS)
            return .success((node: endpoint, nodeID: nodeID, result: .success(topology)))
        } catch {
            return .failure(NodeFailure(endpoint: endpoint, cause: .badReply("\(error)")))
        }
    }

    static func serverError(_ error: any Error) -> RESPServerError? {
        if let error = error as? RedisError, case .server(let reply) = error.kind { return reply }
        return nil
    }

    private func failure(_ endpoint: ClusterEndpoint, _ error: any Error) -> NodeFailure {
        if let failure = error as? NodeFailure { return failure }
        if let reply = ClusterCoordinator.serverError(error) {
            if reply.message.contains("cluster support disabled") { return NodeFailure(endpoint: endpoint, cause: .notClusterNode("\(reply)")) }
            if NodePool.authenticationCodes.contains(reply.code) { return NodeFailure(endpoint: endpoint, cause: .authenticationFailed(reply)) }
            return NodeFailure(endpoint: endpoint, cause: .other("\(reply)"))
        }
        if let error = error as? RedisError, case .timeout = error.kind { return NodeFailure(endpoint: endpoint, cause: .timedOut) }
        return NodeFailure(endpoint: endpoint, cause: NodePool.classify(error))
    }

    private func conclude(_ round: RefreshRound) {
        guard !round.concluded, round.number == refreshRound, !isClosed else { return }
        round.concluded = true
        round.timer?.cancel()
        round.timer = nil
        let election = TopologyElection.elect(round.views)
        let rejected = election.rejected.map { NodeFailure(endpoint: $0.node, cause: .rejectedView($0.reason.description)) }
        let failures = round.failures + rejected
        for rejection in election.rejected {
            logger.warning("topology view rejected", metadata: ["node": "\(rejection.node)", "why": "\(rejection.reason)"])
        }
        guard let winner = election.topology, winner.coveredSlots > 0 else {
            return roundFailed(failures.isEmpty ? round.views.map { NodeFailure(endpoint: $0.node, cause: .badReply("no slots assigned")) } : failures)
        }
        lastFailures = []
        if case .starting = phase, configuration.enableReadyCheck {
            return readyCheck(winner, agreed: election.agreeing, startedAt: round.startedAt)
        }
        accept(winner, agreed: election.agreeing, startedAt: round.startedAt)
    }

    private func accept(_ winner: ClusterTopology, agreed: Int, startedAt: Deadline) {
        let wasStarting: Bool = { if case .starting = phase { return true } else { return false } }()
        if topology != winner { install(winner) }
        if !silentNodes.isEmpty { trustAgain(refreshStartedAt: startedAt, topology: winner) }
        if wasStarting {
            becameReady()
            // One seed's word was enough to start; ask the others too so the majority decides.
            if agreed < min(configuration.refreshQuorum, winner.nodes.count) {
                finishRefresh()
                return requestRefresh(because: "confirm the first view")
            }
        }
        finishRefresh()
    }

    /// `CLUSTER INFO` on one primary of the new view must say `cluster_state:ok`.
    private func readyCheck(_ winner: ClusterTopology, agreed: Int, startedAt: Deadline) {
        let primary = winner.shards[0].primary.endpoint
        pool.probe(primary, RedisCommand("CLUSTER", "INFO"), timeout: configuration.slotsRefreshTimeout) { [weak self] result in
            guard let self else { return }
            guard !isClosed else { return }
            switch result {
            case .success(let value):
                let text = (try? value.decode(as: String.self)) ?? ""
                if text.contains("cluster_state:ok") {
                    accept(winner, agreed: agreed, startedAt: startedAt)
                } else {
                    let state = text.split(whereSeparator: \.isNewline).first { $0.hasPrefix("cluster_state:") } ?? "no cluster_state"
                    roundFailed([NodeFailure(endpoint: primary, cause: .clusterNotReady(String(state)))])
                }
            case .failure(let error):
                roundFailed([failure(primary, error)])
            }
        }
    }

    private func roundFailed(_ failures: [NodeFailure]) {
        lastFailures = failures
        logger.warning("topology refresh failed", metadata: ["nodes": "\(failures.map(\.description))"])
        guard case .starting = phase else {
            // Keep the last good topology: a refresh that reached nobody says little about
            // the slots, and the commands that can still be sent should be.
            send(.error(RedisClusterError(.noReachableNode(failures))))
            return finishRefresh()
        }
        switch discovery.roundFailed(failures) {
        case .retry(let delay):
            finishRefresh()
            after(delay) { [weak self] in self?.requestRefresh(because: "discovery retry \(self?.discovery.attempt ?? 0)") }
        case .giveUp(let error):
            finishRefresh()
            gaveUp(error)
        }
    }

    private func finishRefresh() {
        refreshFinished()
    }
}
