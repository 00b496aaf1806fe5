import Redis
import SwiftEV

/// Decides what happens to a command a node answered with `MOVED`, `ASK`, `TRYAGAIN`,
/// `CLUSTERDOWN`, `LOADING` or `MASTERDOWN`. A plain value: no I/O, no clock of its own.
///
/// Every one of these signals means the command did not run, so following it can never apply
/// a write twice; what is decided is where, when, and whether the budget allows it.
public struct RedirectPolicy: Sendable, Equatable {
    public var maxRedirections: Int
    public var retryDelayOnMoved: TimeAmount
    public var retryDelayOnTryAgain: TimeAmount
    public var retryDelayOnClusterDown: TimeAmount
    public var retryDelayOnFailover: TimeAmount

    public init(maxRedirections: Int = 16, retryDelayOnMoved: TimeAmount = .zero,
                retryDelayOnTryAgain: TimeAmount = .milliseconds(100),
                retryDelayOnClusterDown: TimeAmount = .milliseconds(100),
                retryDelayOnFailover: TimeAmount = .milliseconds(100)) {
        self.maxRedirections = maxRedirections
        self.retryDelayOnMoved = retryDelayOnMoved
        self.retryDelayOnTryAgain = retryDelayOnTryAgain
        self.retryDelayOnClusterDown = retryDelayOnClusterDown
        self.retryDelayOnFailover = retryDelayOnFailover
    }

    public enum Decision: Sendable, Equatable {
        /// Send to `target` (after `delay`); with `asking`, `ASKING` goes right before it.
        /// `patchSlot`: the slot table now says `slot → target` (MOVED).
        case send(to: ClusterEndpoint, asking: Bool, after: TimeAmount, patchSlot: Int?, refresh: Bool)
        /// Route the command again through the slot table after `delay` (the node could not
        /// serve it now); `refresh` asks for a topology refresh first.
        case reroute(after: TimeAmount, refresh: Bool)
        /// Give up: the command did not run.
        case fail(RedisClusterError.Kind)
    }

    /// - Parameters:
    ///   - redirection: the signal just received.
    ///   - history: the signals this command received before, oldest first (not including this one).
    ///   - sender: the node that sent the signal.
    ///   - knowsPrimary: whether the current table has a primary at an endpoint.
    ///   - now, deadline: the command gives up instead of waiting past its deadline.
    public func decide(_ redirection: Redirection, history: [Redirection], sender: ClusterEndpoint,
                       knowsPrimary: (ClusterEndpoint) -> Bool, now: Deadline, deadline: Deadline) -> Decision {
        if history.count >= maxRedirections { return .fail(.tooManyRedirections(limit: maxRedirections)) }
        let decision: Decision
        switch redirection {
        case .moved(let slot, let host, let port):
            let target = ClusterEndpoint(host: host, port: port)
            if target == sender {
                // "Go to me" from the node we asked: we reached it through a name or proxy that
                // is not the address it announces, or its view is in flux. Refresh and route
                // again; a second time means refreshing did not help.
                let before = history.filter { if case .moved(_, host, port) = $0 { return true } else { return false } }
                if !before.isEmpty { return .fail(.redirectLoop(target)) }
                decision = .reroute(after: max(retryDelayOnMoved, retryDelayOnFailover), refresh: true)
            } else {
                decision = .send(to: target, asking: false, after: retryDelayOnMoved, patchSlot: slot,
                                 refresh: !knowsPrimary(target))
            }
        case .ask(_, let host, let port):
            decision = .send(to: ClusterEndpoint(host: host, port: port), asking: true, after: .zero, patchSlot: nil, refresh: false)
        case .tryAgain:
            decision = .reroute(after: retryDelayOnTryAgain, refresh: false)
        case .clusterDown:
            decision = .reroute(after: retryDelayOnClusterDown, refresh: true)
        case .loading, .masterDown:
            decision = .reroute(after: retryDelayOnFailover, refresh: true)
        }
        switch decision {
        case .send(_, _, let delay, _, _), .reroute(let delay, _):
            if now + delay >= deadline { return .fail(.timedOutWaiting(for: "a retry after \(redirection)")) }
        case .fail:
            break
        }
        return decision
    }
}
