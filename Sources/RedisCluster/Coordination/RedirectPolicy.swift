import Redis
import SwiftEV

/// Decides what happens to a command a node answered with `MOVED`, `ASK`, `TRYAGAIN`,
/// `CLUSTERDOWN`, `LOADING` or `MASTERDOWN`. A plain value: no I/O, no clock of its own.
///
/// Every one of these signals means the command did not run, so following it can never apply
/// a write twice; what is decided is where, when, and whether the budget allows it.
///
/// Two bounds, for two kinds of signal. Redirects (`MOVED`, `ASK`) count against
/// `maxRedirections`: many of them in a row mean the nodes disagree, and waiting does not help.
/// A node that cannot serve now (`TRYAGAIN`, `CLUSTERDOWN`, `LOADING`, `MASTERDOWN`) is waited
/// out until the command's deadline instead: after a primary dies the whole cluster answers
/// `CLUSTERDOWN` until a replica is promoted, which takes `cluster-node-timeout` plus up to
/// about a second, longer than ioredis' 16 × 100 ms; counting those retries failed writes that
/// a moment later would have succeeded. A zero delay for such a signal counts against
/// `maxRedirections` like a redirect, so a retry without a pause cannot spin until the deadline.
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

    /// The policy `configuration` describes.
    public init(_ configuration: RedisClusterConfiguration) {
        self.init(maxRedirections: configuration.maxRedirections, retryDelayOnMoved: configuration.retryDelayOnMoved,
                  retryDelayOnTryAgain: configuration.retryDelayOnTryAgain,
                  retryDelayOnClusterDown: configuration.retryDelayOnClusterDown,
                  retryDelayOnFailover: configuration.retryDelayOnFailover)
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
        if counts(redirection), budgetUsed(by: history) >= maxRedirections {
            return .fail(.tooManyRedirections(limit: maxRedirections))
        }
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
            decision = .reroute(after: retryDelay(after: redirection), refresh: false)
        case .clusterDown, .loading, .masterDown:
            decision = .reroute(after: retryDelay(after: redirection), refresh: true)
        }
        switch decision {
        case .send(_, _, let delay, _, _), .reroute(let delay, _):
            if now + delay >= deadline { return .fail(.timedOutWaiting(for: "a retry after \(redirection)")) }
        case .fail:
            break
        }
        return decision
    }

    /// How much of `maxRedirections` the signals in `history` used.
    public func budgetUsed(by history: [Redirection]) -> Int {
        history.reduce(0) { $0 + (counts($1) ? 1 : 0) }
    }

    /// Whether following `redirection` uses the redirect budget (see the type's comment).
    func counts(_ redirection: Redirection) -> Bool {
        switch redirection {
        case .moved, .ask: return true
        case .tryAgain, .clusterDown, .loading, .masterDown: return retryDelay(after: redirection) == .zero
        }
    }

    /// The wait before starting over after a signal that means "not now". `ASK` counts as one
    /// for whatever cannot follow it (a `WATCH` transaction: its keys are mid-migration).
    func retryDelay(after redirection: Redirection) -> TimeAmount {
        switch redirection {
        case .moved: return retryDelayOnMoved
        case .ask, .tryAgain: return retryDelayOnTryAgain
        case .clusterDown: return retryDelayOnClusterDown
        case .loading, .masterDown: return retryDelayOnFailover
        }
    }
}
