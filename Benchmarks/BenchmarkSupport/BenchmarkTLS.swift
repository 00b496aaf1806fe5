import SwiftEVTLS

/// TLS for the benchmarks, from a folder made by scripts/tls-certs.sh: trust its `ca.crt`,
/// present `client.crt`/`client.key`, and give redis-benchmark the same.
///
/// ```swift
/// let tls = try BenchmarkTLS(certificateDirectory: ".cluster-benchtls/certs")
/// configuration.tls = tls.context
/// ```
public struct BenchmarkTLS: Sendable {
    public let certificateDirectory: String
    public let context: TLSContext

    public init(certificateDirectory: String) throws {
        self.certificateDirectory = certificateDirectory
        var configuration = TLSConfiguration.client
        configuration.trustRoots = .file("\(certificateDirectory)/ca.crt")
        configuration.certificateChainFile = "\(certificateDirectory)/client.crt"
        configuration.privateKeyFile = "\(certificateDirectory)/client.key"
        context = try TLSContext(configuration: configuration)
    }

    /// redis-benchmark's options for the same trust and client certificate.
    public var redisBenchmarkArguments: [String] {
        ["--tls", "--cacert", "\(certificateDirectory)/ca.crt", "--cert", "\(certificateDirectory)/client.crt",
         "--key", "\(certificateDirectory)/client.key"]
    }
}
