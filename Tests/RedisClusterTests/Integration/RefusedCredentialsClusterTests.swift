import Redis
import RESP
import SwiftEV
import XCTest
@testable import RedisCluster

/// One node of the real cluster refuses the client's credentials (the seed has its own, the
/// others get the common ones, whose user they do not know): commands for it fail at once
/// with the server's reason, not at their deadline, and go through once the node knows the user.
final class RefusedCredentialsClusterTests: ClusterClientTestCase {
    /// Known to no node of the local cluster until a test creates it on one (and deletes it).
    let user = "swiftev-late-user"
    let password = "late-pw"

    func testCommandsForANodeThatRefusesTheCredentialsFailWithTheRefusalNotAtTheirDeadline() async throws {
        let (client, _, refusing, key) = try await connectWithSeedCredentials(otherNodes: user, password: password, keysNamed: "refused-credentials")
        let waitedBefore = await client.statistics().waited
        // Many at once: those meeting a dial in progress queue behind it and fail with it too.
        let failures = await withTaskGroup(of: (any Error)?.self) { group in
            for _ in 0..<20 {
                group.addTask {
                    do { _ = try await client.send("GET", key); return nil } catch { return error }
                }
            }
            var failures: [(any Error)?] = []
            for await failure in group { failures.append(failure) }
            return failures
        }
        XCTAssertEqual(failures.count, 20)
        for failure in failures {
            guard let failure else { XCTFail("the node refuses the credentials: nothing can succeed"); continue }
            assertRefusedCredentials(failure, by: refusing)
        }
        let waitedAfter = await client.statistics().waited
        XCTAssertEqual(waitedAfter, waitedBefore, "none waited for the node or its replacement")
    }

    /// The user is created on the refusing node (`ACL SETUSER`): after its reconnect backoff
    /// the node is dialled again and serves. Until then each command fails with the refusal.
    func testOnceTheNodeAcceptsTheCredentialsItsCommandsGoThrough() async throws {
        let (client, _, refusing, key) = try await connectWithSeedCredentials(otherNodes: user, password: password, keysNamed: "refused-credentials")
        do {
            _ = try await client.send("GET", key)
            XCTFail("the node does not know the user yet")
        } catch {
            assertRefusedCredentials(error, by: refusing)
        }
        let admin = try await node(refusing.port)
        try await admin.send("ACL", "SETUSER", user, "on", ">\(password)", "~*", "&*", "+@all")
        do {
            let deadline = ContinuousClock.now + .seconds(10)  // the backoff is at most 2.5 s
            var value: String??
            while value == nil {
                do {
                    value = .some(try await client.send("GET", key, as: String?.self))
                } catch {
                    assertRefusedCredentials(error, by: refusing)
                    guard ContinuousClock.now < deadline else { break }
                    try await Task.sleep(for: .milliseconds(20))
                }
            }
            XCTAssertEqual(value, .some(nil), "served by the node once it accepts the credentials")
        } catch {
            XCTFail("\(error)")
        }
        // Restores the cluster (and closes the client's connection made as that user).
        let deleted = try await admin.send("ACL", "DELUSER", user, as: Int.self)
        XCTAssertEqual(deleted, 1)
        admin.close()
    }
}
