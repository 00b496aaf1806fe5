import SwiftEV

/// A cluster node's signal that a command must go elsewhere, or be tried again later.
public enum Redirection: Sendable, Equatable, CustomStringConvertible {
    /// `-MOVED slot host:port`: the slot now lives on that node for good; update the slot table.
    case moved(slot: Int, host: String, port: Int)
    /// `-ASK slot host:port`: during a migration, send `ASKING` and this one command there.
    case ask(slot: Int, host: String, port: Int)
    /// `-TRYAGAIN`: a multi-key command's keys are mid-migration; retry after a delay.
    case tryAgain(String)
    /// `-CLUSTERDOWN`: the cluster cannot serve the slot now; retry after a delay.
    case clusterDown(String)
    /// `-LOADING`: the node is loading its dataset; retry after a delay.
    case loading(String)
    /// `-MASTERDOWN`: a replica lost its primary; retry after a delay.
    case masterDown(String)

    /// Parses an error reply's text (`MOVED 3999 127.0.0.1:6381`), or nil if it is not a redirect.
    ///
    /// An empty host (`MOVED 3999 :6381`, Redis 7's unknown endpoint) means the host the command
    /// went to: `currentHost`. IPv6 hosts come unbracketed (`::1:6381`) or bracketed
    /// (`[::1]:6381`); the port is after the last colon.
    public init?(errorText text: String, currentHost: String) {
        let parts = text.split(separator: " ", maxSplits: 2, omittingEmptySubsequences: true)
        guard let code = parts.first else { return nil }
        let rest = parts.count > 1 ? text[text.index(after: parts[0].endIndex)...].drop { $0 == " " } : ""
        switch code {
        case "MOVED", "ASK":
            guard parts.count == 3, let slot = Int(parts[1]), (0..<16384).contains(slot),
                  let (host, port) = Redirection.endpoint(parts[2], currentHost: currentHost) else { return nil }
            self = code == "MOVED" ? .moved(slot: slot, host: host, port: port) : .ask(slot: slot, host: host, port: port)
        case "TRYAGAIN": self = .tryAgain(String(rest))
        case "CLUSTERDOWN": self = .clusterDown(String(rest))
        case "LOADING": self = .loading(String(rest))
        case "MASTERDOWN": self = .masterDown(String(rest))
        default: return nil
        }
    }

    private static func endpoint(_ text: Substring, currentHost: String) -> (String, Int)? {
        guard let colon = text.lastIndex(of: ":"), let port = Int(text[text.index(after: colon)...]),
              (1...65535).contains(port) else { return nil }
        var host = text[..<colon]
        if host.hasPrefix("[") && host.hasSuffix("]") { host = host.dropFirst().dropLast() }
        if host.isEmpty || host == "?" { return (currentHost, port) }
        return (String(host), port)
    }

    /// Whether the command should go to another node (as opposed to waiting and retrying here).
    public var isRedirect: Bool {
        switch self {
        case .moved, .ask: return true
        default: return false
        }
    }

    public var description: String {
        switch self {
        case .moved(let slot, let host, let port): return "MOVED slot \(slot) to \(Redirection.format(host, port))"
        case .ask(let slot, let host, let port): return "ASK slot \(slot) at \(Redirection.format(host, port))"
        case .tryAgain(let m): return "TRYAGAIN \(m)"
        case .clusterDown(let m): return "CLUSTERDOWN \(m)"
        case .loading(let m): return "LOADING \(m)"
        case .masterDown(let m): return "MASTERDOWN \(m)"
        }
    }

    static func format(_ host: String, _ port: Int) -> String {
        host.contains(":") ? "[\(host)]:\(port)" : "\(host):\(port)"
    }
}
