import Redis
import XCTest
@testable import RedisCluster

extension XCTestCase {
    /// `error` is what a GET for `node` must fail with while the node refuses the client's
    /// credentials: the refused handshake (`WRONGPASS`), typed, naming the node and the command,
    /// not executed. Not a timeout: the command did not wait for its deadline.
    func assertRefusedCredentials(_ error: any Error, by node: ClusterEndpoint, file: StaticString = #filePath, line: UInt = #line) {
        guard let error = error as? RedisError, case .handshakeFailed(_, let reply) = error.kind else {
            return XCTFail("expected the refused handshake, got \(error)", file: file, line: line)
        }
        XCTAssertEqual(reply.code, "WRONGPASS", "\(error)", file: file, line: line)
        XCTAssertEqual(error.node, node.description, "names the node", file: file, line: line)
        XCTAssertEqual(error.command, "GET", file: file, line: line)
        XCTAssertTrue(error.isSafeToRetry, "not sent", file: file, line: line)
        XCTAssertTrue(error.description.contains("not executed"), error.description, file: file, line: line)
    }
}
