import RESP

/// Reads a `CLUSTER SHARDS` reply (Redis 7.0+), RESP2 arrays or RESP3 maps, into a
/// `ClusterTopology`.
///
/// - Each node is reached at its `endpoint`, else `hostname`, else `ip` (the server's
///   `cluster-preferred-endpoint-type` order; `EndpointPreference` changes it). An `endpoint`
///   of `?` or empty is unknown.
/// - Shards with no slots are read and left out: Redis 7.0 lists a primary that died and was
///   replaced as a slot-less shard of its own with `health: fail`, and that must not make the
///   whole answer unusable. Replicas whose health is `fail` are left out too; the primary of a
///   shard with slots is kept whatever its health (its commands wait for the failover).
/// - Unknown fields are ignored; a shard ID (`id` on the shard, or `shard-id` on its nodes,
///   Redis 7.2+) is kept when present.
///
/// ```swift
/// let reply = try await connection.send("CLUSTER", "SHARDS")
/// let topology = try ShardsParser.parse(reply)
/// topology.shards.count   // 3
/// ```
public enum ShardsParser {
    public static func parse(
        _ reply: RESPValue, preferredEndpoint: EndpointPreference = .advertised, tls: Bool = false
    ) throws(TopologyParseError) -> ClusterTopology {
        let reader = RESPFields(command: "CLUSTER SHARDS", location: "")
        var shards: [ClusterTopology.Shard] = []
        for (index, entry) in try reader.array(reply).enumerated() {
            if let shard = try parseShard(entry, reader: reader.at("shard \(index)"), preference: preferredEndpoint, tls: tls) {
                shards.append(shard)
            }
        }
        return ClusterTopology(shards: shards)
    }

    private static func parseShard(
        _ entry: RESPValue, reader: RESPFields, preference: EndpointPreference, tls: Bool
    ) throws(TopologyParseError) -> ClusterTopology.Shard? {
        let fields = try reader.fields(entry)
        guard let slotsValue = fields["slots"] else { throw reader.fail(.missingField("slots")) }
        let bounds = try reader.array(slotsValue)
        guard bounds.count % 2 == 0 else { throw reader.fail(.invalidValue(field: "slots", value: "\(bounds.count) bounds")) }
        var slots: [ClosedRange<Int>] = []
        var i = 0
        while i < bounds.count {
            slots.append(try reader.slotRange(try reader.int(bounds[i], field: "slots"), try reader.int(bounds[i + 1], field: "slots")))
            i += 2
        }
        // Read even when slot-less, so a malformed entry is still reported, then left out.
        guard let nodesValue = fields["nodes"] else { throw reader.fail(.missingField("nodes")) }
        var primary: ClusterTopology.Node?
        var replicas: [ClusterTopology.Node] = []
        var nodeShardID: String?
        for (index, nodeValue) in try reader.array(nodesValue).enumerated() {
            let nodeReader = reader.at("node \(index)")
            let nodeFields = try nodeReader.fields(nodeValue)
            if nodeShardID == nil, let value = nodeFields["shard-id"] { nodeShardID = reader.string(value) }
            guard let node = try parseNode(nodeFields, reader: nodeReader, preference: preference, tls: tls, needed: !slots.isEmpty) else {
                continue
            }
            switch node.role {
            case .primary:
                primary = node
            case .replica:
                if node.health != .failed { replicas.append(node) }
            }
        }
        guard !slots.isEmpty else { return nil }
        guard let primary else { throw reader.fail(.noPrimary) }
        let shardID = fields["id"].flatMap(reader.string) ?? nodeShardID
        return ClusterTopology.Shard(id: shardID, slots: slots.sorted { $0.lowerBound < $1.lowerBound }, primary: primary, replicas: replicas)
    }

    /// A node, or nil when it cannot be reached and is not `needed` (a node of a slot-less
    /// shard, or a replica with no address).
    private static func parseNode(
        _ fields: [String: RESPValue], reader: RESPFields, preference: EndpointPreference, tls: Bool, needed: Bool
    ) throws(TopologyParseError) -> ClusterTopology.Node? {
        let id = try reader.requiredString(fields, "id")
        let roleText = try reader.requiredString(fields, "role")
        let role: ClusterTopology.Node.Role
        switch roleText {
        case "master", "primary": role = .primary
        case "replica", "slave": role = .replica
        default: throw reader.fail(.invalidValue(field: "role", value: roleText))
        }
        let health: ClusterTopology.Node.Health
        switch fields["health"].flatMap(reader.string) {
        case "online"?, nil: health = .online
        case "loading"?: health = .loading
        // `fail`, and anything a newer server may add: not trusted.
        default: health = .failed
        }
        let portField = tls && fields["tls-port"] != nil ? "tls-port" : "port"
        guard let portValue = fields[portField] else {
            if !needed { return nil }
            throw reader.fail(.missingField("port"))
        }
        let port = try reader.port(portValue, field: portField)
        let host = RESPFields.host(
            endpoint: fields["endpoint"].flatMap(reader.string), hostname: fields["hostname"].flatMap(reader.string),
            ip: fields["ip"].flatMap(reader.string), preference: preference
        )
        guard let host, port > 0 else {
            if !needed || role == .replica { return nil }
            throw reader.fail(.noUsableEndpoint)
        }
        return ClusterTopology.Node(id: id, endpoint: ClusterEndpoint(host: host, port: port), role: role, health: health)
    }
}
