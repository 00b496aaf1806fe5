extension ClusterControl {
    enum Role: String, Sendable { case primary, replica }

    /// One node as one member of the cluster sees it (a line of `CLUSTER NODES`).
    struct Node: Sendable, Equatable, CustomStringConvertible {
        let id: String
        let ip: String
        let port: Int
        /// `cluster-announce-hostname`, when the node announces one.
        let hostname: String?
        let flags: Set<String>
        /// The primary's id, for a replica.
        let primaryID: String?
        let configEpoch: Int
        let linkConnected: Bool
        let slots: [ClosedRange<Int>]
        /// Only in the line of the node that was asked (`myself`): slot → target / source id.
        let migrating: [Int: String]
        let importing: [Int: String]

        var role: Role { flags.contains("master") ? .primary : .replica }
        var isPrimary: Bool { role == .primary }
        var isMyself: Bool { flags.contains("myself") }
        /// Flagged `fail`, `fail?` (pfail), `handshake` or `noaddr`.
        var isFailingOrUnknown: Bool { !flags.isDisjoint(with: ["fail", "fail?", "handshake", "noaddr"]) }
        var slotCount: Int { slots.reduce(0) { $0 + $1.count } }
        func owns(slot: Int) -> Bool { slots.contains { $0.contains(slot) } }

        var description: String {
            let what = isPrimary ? "primary \(slots.map(Self.describe).joined(separator: ","))" : "replica of \(primaryID ?? "?")"
            return "\(port) (\(id.prefix(8)), \(what), \(flags.sorted().joined(separator: ",")))"
        }

        static func describe(_ range: ClosedRange<Int>) -> String {
            range.count == 1 ? "\(range.lowerBound)" : "\(range.lowerBound)-\(range.upperBound)"
        }

        /// Parses `<id> <ip:port@cport[,hostname]> <flags> <primary> <ping> <pong> <epoch> <link> <slot>...`;
        /// nil for a line that is not one.
        init?(line: Substring) {
            let fields = line.split(separator: " ")
            guard fields.count >= 8 else { return nil }
            let addressAndHost = fields[1].split(separator: ",", maxSplits: 1, omittingEmptySubsequences: false)
            let address = addressAndHost[0].split(separator: "@")[0]
            guard let colon = address.lastIndex(of: ":"), let port = Int(address[address.index(after: colon)...]),
                let epoch = Int(fields[6])
            else { return nil }
            id = String(fields[0])
            ip = String(address[..<colon])
            self.port = port
            hostname = addressAndHost.count > 1 && !addressAndHost[1].isEmpty ? String(addressAndHost[1]) : nil
            flags = Set(fields[2].split(separator: ",").map(String.init))
            primaryID = fields[3] == "-" ? nil : String(fields[3])
            configEpoch = epoch
            linkConnected = fields[7] == "connected"
            var slots: [ClosedRange<Int>] = []
            var migrating: [Int: String] = [:]
            var importing: [Int: String] = [:]
            for field in fields.dropFirst(8) {
                if field.hasPrefix("[") {
                    // [slot->-target] or [slot-<-source]
                    let body = field.dropFirst().dropLast()
                    if let r = body.range(of: "->-"), let slot = Int(body[..<r.lowerBound]) {
                        migrating[slot] = String(body[r.upperBound...])
                    } else if let r = body.range(of: "-<-"), let slot = Int(body[..<r.lowerBound]) {
                        importing[slot] = String(body[r.upperBound...])
                    }
                    continue
                }
                let bounds = field.split(separator: "-").compactMap { Int($0) }
                switch bounds.count {
                case 1: slots.append(bounds[0]...bounds[0])
                case 2 where bounds[0] <= bounds[1]: slots.append(bounds[0]...bounds[1])
                default: return nil
                }
            }
            self.slots = slots
            self.migrating = migrating
            self.importing = importing
        }

        /// Every line of a `CLUSTER NODES` reply.
        static func parse(_ text: String) -> [Node] {
            text.split(whereSeparator: \.isNewline).compactMap { Node(line: $0) }
        }

        /// What every member must agree on: who is in the cluster, roles, primaries, slots.
        static func agreementKey(_ nodes: [Node]) -> String {
            nodes.sorted { $0.id < $1.id }.map { node in
                "\(node.id) \(node.role.rawValue) \(node.primaryID ?? "-") \(node.slots.map(describe).joined(separator: ","))"
            }.joined(separator: "\n")
        }
    }
}
