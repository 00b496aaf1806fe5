import Redis

extension NodePool {
    /// Sends a batch to one node as one write when it is connected; command by command (to
    /// the dial queue, or back to the coordinator) otherwise.
    func send(_ batch: CommandBatch, via handle: NodeHandle) {
        if case .ready(let connection) = handle.state, !connection.isClosing {
            connection.send(batch)
        } else {
            for pending in batch.pendingCommands { send(pending, via: handle) }
        }
    }
}
