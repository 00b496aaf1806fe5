import Redis

extension NodePool {
    /// Sends several commands to one node in one flush when it is connected; one by one (to
    /// the dial queue, or back to the coordinator) otherwise.
    func send(batch: [PendingCommand], via handle: NodeHandle) {
        if case .ready(let connection) = handle.state, !connection.isClosing {
            connection.send(batch: batch)
        } else {
            for pending in batch { send(pending, via: handle) }
        }
    }
}
