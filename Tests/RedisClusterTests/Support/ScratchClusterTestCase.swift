import XCTest

/// Base class for tests that change the scratch cluster: `control` drives it, and it is put
/// back to its original 3+3 layout (healthy, spares alone) before and after every test, so a
/// test that failed halfway does not leak its mess into the next one.
class ScratchClusterTestCase: XCTestCase {
    var control: ClusterControl!

    override func setUp() async throws {
        try await super.setUp()
        control = try ClusterControl.scratch()
        try await control.restoreLayout()
    }

    override func tearDown() async throws {
        if let control {
            defer { control.shutdown() }
            try await control.restoreLayout()
        }
        control = nil
        try await super.tearDown()
    }
}
