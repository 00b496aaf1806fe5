import RESP

/// Reads a `CLUSTER SLOTS` reply (the fallback for servers without `CLUSTER SHARDS`) into a
/// `ClusterTopology`: one entry per slot range, `[start, end, primary, replica…]`, each node
/// `[host, port, id?, metadata?]`; ranges are grouped by primary.
///
/// A host of `?` or empty is unknown: the node's 4th element (Redis 7.0's metadata map,
/// `hostname` and `ip`) is used instead, in `EndpointPreference` order. `CLUSTER SLOTS` reports
/// no health, so every node is `online`; a replica that cannot be reached is left out.
///
/// ```swift
/// let topology = try SlotsParser.parse(try await connection.send("CLUSTER", "SLOTS"))
/// ```
public enum SlotsParser {
    public static func parse(_ reply: RESPValue, preferredEndpoint: EndpointPreference = .advertised) throws(TopologyParseError) -> ClusterTopology {
        let reader = RESPFields(command: "CLUSTER SLOTS", location: "")
        // Keyed by primary ID, or by endpoint when the server gives no ID.
        var order: [String] = []
        var shards: [String: ClusterTopology.Shard] = [:]
        for (index, entry) in try reader.array(reply).enumerated() {
            let entryReader = reader.at("range \(index)")
            let items = try entryReader.array(entry)
            guard items.count >= 3 else {
                throw entryReader.fail(.unexpectedType(expected: "[start, end, primary, …]", got: "an array of \(items.count)"))
            }
            let range = try entryReader.slotRange(try entryReader.int(items[0], field: "start"), try entryReader.int(items[1], field: "end"))
            guard let primary = try parseNode(items[2], role: .primary, reader: entryReader.at("primary"), preference: preferredEndpoint) else {
                throw entryReader.at("primary").fail(.noUsableEndpoint)
            }
            var replicas: [ClusterTopology.Node] = []
            for (replicaIndex, item) in items.dropFirst(3).enumerated() {
                if let replica = try parseNode(item, role: .replica, reader: entryReader.at("replica \(replicaIndex)"), preference: preferredEndpoint) {
                    replicas.append(replica)
                }
            }
            let key = primary.id.isEmpty ? primary.endpoint.description : primary.id
            if var shard = shards[key] {
                shard.slots.append(range)
                for replica in replicas where !shard.replicas.contains(where: { $0.endpoint == replica.endpoint }) {
                    shard.replicas.append(replica)
                }
                shards[key] = shard
            } else {
                order.append(key)
                shards[key] = ClusterTopology.Shard(slots: [range], primary: primary, replicas: replicas)
            }
        }
        return ClusterTopology(shards: order.compactMap { key in
            shards[key].map { shard in
                var shard = shard
                shard.slots.sort { $0.lowerBound < $1.lowerBound }
                return shard
            }
        })
    }

    /// `[host, port, id?, metadata?]`; nil when no address is known.
    private static func parseNode(
        _ value: RESPValue, role: ClusterTopology.Node.Role, reader: RESPFields, preference: EndpointPreference
    ) throws(TopologyParseError) -> ClusterTopology.Node? {
        let items = try reader.array(value)
        guard items.count >= 2 else { throw reader.fail(.unexpectedType(expected: "[host, port, …]", got: "an array of \(items.count)")) }
        // Redis 7 sends a null host when the endpoint is unknown.
        let advertised = reader.string(items[0])
        guard advertised != nil || items[0].isNull else {
            throw reader.fail(.unexpectedType(expected: "a host string", got: items[0].typeName))
        }
        let port = try reader.port(items[1], field: "port")
        let id = items.count > 2 ? reader.string(items[2]) ?? "" : ""
        var hostname: String?, ip: String?
        if items.count > 3 {
            let metadata = try reader.fields(items[3])
            hostname = metadata["hostname"].flatMap(reader.string)
            ip = metadata["ip"].flatMap(reader.string)
        }
        guard let host = RESPFields.host(endpoint: advertised, hostname: hostname, ip: ip, preference: preference), port > 0 else {
            return nil
        }
        return ClusterTopology.Node(id: id, endpoint: ClusterEndpoint(host: host, port: port), role: role)
    }
}
