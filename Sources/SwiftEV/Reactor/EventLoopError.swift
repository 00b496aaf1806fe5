/// Errors raised by loops and groups.
public enum EventLoopError: Error, Equatable, Sendable, CustomStringConvertible {
    /// A scheduled task was cancelled before it ran.
    case cancelled
    /// Work was submitted to a loop that has shut down; it did not run.
    case shutDown
    /// `shutdownGracefully` was called on a group that is already shut down (or shutting down).
    case alreadyShutDown
    /// A blocking shutdown or `wait()` was called on a loop thread, which would deadlock.
    case calledOnEventLoop(String)
    /// Debug builds: the promise created at this place (`file:line`) was dropped without being
    /// completed, so its future could never have completed otherwise.
    case leakedPromise(String)

    public var description: String {
        switch self {
        case .cancelled: return "the scheduled task was cancelled"
        case .shutDown: return "the event loop has shut down; the work did not run"
        case .alreadyShutDown: return "the event loop group is already shut down"
        case .calledOnEventLoop(let what): return "\(what) called on an event loop thread, which would deadlock"
        case .leakedPromise(let site): return "the promise created at \(site) was dropped without being completed"
        }
    }
}
