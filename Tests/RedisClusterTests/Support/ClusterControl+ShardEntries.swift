import RESP

extension ClusterControl {
    /// One entry of `CLUSTER SHARDS`: its slot ranges and its nodes with their health.
    struct ShardEntry: Sendable, CustomStringConvertible {
        struct Member: Sendable {
            let id: String
            let port: Int
            let role: String
            /// `online`, `loading`, or `fail` (Redis 7.0.15; its documentation says `failed`).
            let health: String
        }
        let slots: [ClosedRange<Int>]
        let members: [Member]

        var description: String {
            "slots \(slots.map(Node.describe)) nodes \(members.map { "\($0.port) \($0.role) \($0.health)" })"
        }
    }

    /// `CLUSTER SHARDS` as node `port` answers it (the raw view, entries for dead nodes included).
    func shards(askingPort port: Int) async throws -> [ShardEntry] {
        try await send(port, "CLUSTER", "SHARDS").decode(as: [[String: RESPValue]].self).map { shard in
            // "slots" is a flat list of range bounds: [start, end, start, end, ...].
            let bounds = try shard["slots"]?.decode(as: [Int].self) ?? []
            let slots = stride(from: 0, to: bounds.count - 1, by: 2).map { bounds[$0]...bounds[$0 + 1] }
            let members = try (shard["nodes"]?.decode(as: [[String: RESPValue]].self) ?? []).map { node in
                ShardEntry.Member(
                    id: try node["id"]?.decode(as: String.self) ?? "",
                    port: try node["port"]?.decode(as: Int.self) ?? 0,
                    role: try node["role"]?.decode(as: String.self) ?? "",
                    health: try node["health"]?.decode(as: String.self) ?? ""
                )
            }
            return ShardEntry(slots: slots, members: members)
        }
    }
}
