// TEMPORARY (uncommitted): stands in for the parsers and election being built elsewhere.
import RESP
import SwiftEV

struct TopologyView {
    var node: ClusterEndpoint
    var nodeID: String?
    var topology: ClusterTopology
}

enum TopologyElection {
    struct Outcome { var winner: ClusterTopology?; var agreeing: Int; var rejected: [NodeFailure] }
    static func elect(_ views: [TopologyView]) -> Outcome {
        var best: (ClusterTopology, Int)?
        for v in views {
            let n = views.filter { $0.topology.sameLayout(as: v.topology) }.count
            if best == nil || n > best!.1 { best = (v.topology, n) }
        }
        return Outcome(winner: best?.0, agreeing: best?.1 ?? 0, rejected: [])
    }
}

struct ShimParseError: Error {}

enum ShardsParser {
    static func pairs(_ v: RESPValue) -> [(String, RESPValue)] {
        switch v {
        case .map(let p): return p.map { ((try? $0.key.decode(as: String.self)) ?? "", $0.value) }
        case .array(let a?):
            return stride(from: 0, to: a.count - 1, by: 2).map { ((try? a[$0].decode(as: String.self)) ?? "", a[$0 + 1]) }
        default: return []
        }
    }
    static func parse(_ reply: RESPValue) throws -> ClusterTopology {
        guard case .array(let shards?) = reply else { throw ShimParseError() }
        var result: [ClusterTopology.Shard] = []
        for shard in shards {
            let fields = Dictionary(pairs(shard), uniquingKeysWith: { a, _ in a })
            guard case .array(let slotList?) = fields["slots"] else { continue }
            let numbers = slotList.compactMap { try? $0.decode(as: Int.self) }
            var ranges: [ClosedRange<Int>] = []
            var i = 0
            while i + 1 < numbers.count { ranges.append(numbers[i]...numbers[i + 1]); i += 2 }
            guard case .array(let nodes?) = fields["nodes"] else { continue }
            var primary: ClusterTopology.Node?
            var replicas: [ClusterTopology.Node] = []
            for node in nodes {
                let f = Dictionary(pairs(node), uniquingKeysWith: { a, _ in a })
                let id = (try? f["id"]?.decode(as: String.self)) ?? ""
                let ip = (try? f["ip"]?.decode(as: String.self)) ?? ""
                let endpoint = (try? f["endpoint"]?.decode(as: String.self)) ?? ip
                let port = (try? f["port"]?.decode(as: Int.self)) ?? 0
                let role = (try? f["role"]?.decode(as: String.self)) ?? ""
                let health = (try? f["health"]?.decode(as: String.self)) ?? "online"
                let h: ClusterTopology.Node.Health = health == "online" ? .online : health == "loading" ? .loading : .failed
                let n = ClusterTopology.Node(id: id, endpoint: .init(host: endpoint, port: port), role: role == "master" ? .primary : .replica, health: h)
                if role == "master" { primary = n } else if h != .failed { replicas.append(n) }
            }
            if let primary, !ranges.isEmpty { result.append(.init(slots: ranges, primary: primary, replicas: replicas)) }
        }
        return ClusterTopology(shards: result)
    }
}

enum SlotsParser {
    static func parse(_ reply: RESPValue) throws -> ClusterTopology { throw ShimParseError() }
}
