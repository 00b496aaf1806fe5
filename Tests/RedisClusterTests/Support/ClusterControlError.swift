/// Why a `ClusterControl` step failed: what it was doing, and what it saw last (for a wait
/// that ran out of time, the condition that was still not met).
struct ClusterControlError: Error, CustomStringConvertible {
    let cluster: String
    let step: String
    let detail: String

    var description: String { "\(cluster) cluster: \(step): \(detail)" }
}
