import CoreMetrics
import SwiftEV

/// The sampled figures: node counts, commands in flight and waiting, read every
/// `sampleInterval` from the coordinator's own state (nothing is counted per command).
extension ClusterMetricsRecorder {
    /// Starts sampling `coordinator` on its loop until it closes. Call on the loop.
    func startSampling(_ coordinator: ClusterCoordinator) {
        self.coordinator = coordinator
        sampleTimer = coordinator.loop.makeTimer { [weak self] in self?.sampleAndRearm() }
        sampleAndRearm()
    }

    private func sampleAndRearm() {
        guard let coordinator, !coordinator.isClosed else { return stopSampling() }
        sample()
        sampleTimer?.arm(in: options.sampleInterval, on: coordinator.loop)
    }

    /// Records the current figures. The meters get this client's change since its last
    /// sample, so clients that share them add up. On the loop.
    func sample() {
        guard let coordinator else { return }
        if let topology = coordinator.topology {
            primaries.record(topology.shards.count)
            replicas.record(topology.shards.reduce(0) { $0 + $1.replicas.count })
        }
        var pending = 0
        for handle in coordinator.pool.handles.values { pending += handle.pendingCount }
        report(inFlight: pending, waiting: coordinator.waiting.count)
    }

    /// The client closed: its share of the meters goes back to zero.
    private func stopSampling() {
        sampleTimer?.cancel()
        sampleTimer = nil
        report(inFlight: 0, waiting: 0)
    }

    private func report(inFlight pending: Int, waiting parked: Int) {
        Self.move(inFlight, by: pending - reportedInFlight)
        Self.move(waiting, by: parked - reportedWaiting)
        reportedInFlight = pending
        reportedWaiting = parked
    }

    private static func move(_ meter: Meter, by delta: Int) {
        if delta > 0 { meter.increment(by: Double(delta)) } else if delta < 0 { meter.decrement(by: Double(-delta)) }
    }
}
