@testable import CacheServiceCore
import Foundation
import XCTest

/// The TLS settings as values: parsing, cross-checks, and the file checks against real files
/// in a temporary folder (no cluster needed).
final class ServiceTLSSettingsTests: XCTestCase {
    var folder: URL!
    var file: String { folder.appendingPathComponent("some.pem").path }

    override func setUpWithError() throws {
        folder = FileManager.default.temporaryDirectory.appendingPathComponent("tls-settings-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        try Data("-----BEGIN NOTHING-----\n".utf8).write(to: URL(fileURLWithPath: file))
    }

    override func tearDownWithError() throws {
        try? FileManager.default.removeItem(at: folder)
    }

    func parse(_ environment: [String: String], flags: [ServiceConfiguration.Setting: String] = [:]) throws -> ServiceConfiguration {
        try ServiceConfiguration(flags: flags, environment: environment)
    }

    func assertRefused(_ environment: [String: String], naming setting: ServiceConfiguration.Setting, mentioning words: String...,
                       file: StaticString = #filePath, line: UInt = #line) {
        XCTAssertThrowsError(try parse(environment), file: file, line: line) { error in
            let text = "\(error)"
            XCTAssertEqual((error as? ConfigurationError)?.setting, setting, text, file: file, line: line)
            XCTAssertTrue(text.contains(setting.environmentVariable) && text.contains(setting.flag), text, file: file, line: line)
            for word in words { XCTAssertTrue(text.contains(word), "\(text) does not mention \(word)", file: file, line: line) }
        }
    }

    func testDefaultIsPlaintextBothWays() throws {
        let config = try parse([:])
        XCTAssertNil(config.tls.redis)
        XCTAssertNil(config.tls.https)
        XCTAssertTrue(config.tls.resolve.isEmpty)
    }

    func testRedisTLSFromEnvironmentAndFlags() throws {
        let config = try parse(["REDIS_TLS": "yes", "REDIS_TLS_CA_FILE": file, "REDIS_TLS_CERT": file, "REDIS_TLS_KEY": file],
                               flags: [.redisTLSServerName: "redis.example.invalid"])
        XCTAssertEqual(config.tls.redis?.caFile, file)
        XCTAssertEqual(config.tls.redis?.certificateFile, file)
        XCTAssertEqual(config.tls.redis?.keyFile, file)
        XCTAssertEqual(config.tls.redis?.serverName, "redis.example.invalid")
        // The flag turns it on; a folder of CAs instead of a file.
        let folderConfig = try parse(["REDIS_TLS_CA_DIR": folder.path], flags: [.redisTLS: "1"])
        XCTAssertEqual(folderConfig.tls.redis?.caDirectory, folder.path)
        XCTAssertNil(try parse(["REDIS_TLS": "0"]).tls.redis)
    }

    func testBadRedisTLSSettingsAreNamed() {
        assertRefused(["REDIS_TLS": "maybe"], naming: .redisTLS)
        assertRefused(["REDIS_TLS": "1", "REDIS_TLS_CA_FILE": "/nonexistent/ca.crt"], naming: .redisTLSCAFile, mentioning: "/nonexistent/ca.crt", "No such file")
        assertRefused(["REDIS_TLS": "1", "REDIS_TLS_CA_FILE": folder.path], naming: .redisTLSCAFile, mentioning: "not a folder")
        assertRefused(["REDIS_TLS": "1", "REDIS_TLS_CA_DIR": file], naming: .redisTLSCADirectory, mentioning: "not a file")
        assertRefused(["REDIS_TLS": "1", "REDIS_TLS_CA_FILE": file, "REDIS_TLS_CA_DIR": folder.path], naming: .redisTLSCADirectory, mentioning: "REDIS_TLS_CA_FILE")
        assertRefused(["REDIS_TLS": "1", "REDIS_TLS_CERT": file], naming: .redisTLSKey)
        assertRefused(["REDIS_TLS": "1", "REDIS_TLS_KEY": file], naming: .redisTLSCertificate)
        assertRefused(["REDIS_TLS": "1", "REDIS_TLS_SERVER_NAME": "two names"], naming: .redisTLSServerName)
        // CA settings without REDIS_TLS would silently mean plaintext.
        assertRefused(["REDIS_TLS_CA_FILE": file], naming: .redisTLSCAFile, mentioning: "REDIS_TLS=1")
    }

    func testHTTPSNeedsCertificateAndKey() throws {
        let config = try parse(["CACHE_TLS_CERT": file, "CACHE_TLS_KEY": file])
        XCTAssertEqual(config.tls.https, ServiceTLSSettings.HTTPS(certificateFile: file, keyFile: file))
        assertRefused(["CACHE_TLS_CERT": file], naming: .tlsKey)
        assertRefused(["CACHE_TLS_KEY": file], naming: .tlsCertificate)
        assertRefused(["CACHE_TLS_CERT": "/nonexistent/cert.pem", "CACHE_TLS_KEY": file], naming: .tlsCertificate, mentioning: "No such file")
    }

    func testResolveEntries() throws {
        let config = try parse(["REDIS_RESOLVE": "*.tls.example.invalid=127.0.0.1, node-9.example.invalid=::1"])
        XCTAssertEqual(config.tls.address(for: "node-0.tls.example.invalid"), "127.0.0.1")
        XCTAssertEqual(config.tls.address(for: "node-9.example.invalid"), "::1")
        XCTAssertNil(config.tls.address(for: "tls.example.invalid"), "*. covers names under it, not the domain itself")
        XCTAssertNil(config.tls.address(for: "eviltls.example.invalid"))
        XCTAssertNil(config.tls.address(for: "other.invalid"))
        for bad in ["node.invalid", "node.invalid=", "=127.0.0.1", "node.invalid=not-an-address", "node.invalid:7000=127.0.0.1"] {
            assertRefused(["REDIS_RESOLVE": bad], naming: .redisResolve)
        }
    }

    func testFilesOpenSSLCannotLoadAreBlamedOnTheirSetting() throws {
        // Exists and is readable, but holds no certificate: only OpenSSL can tell.
        let caConfig = try parse(["REDIS_TLS": "1", "REDIS_TLS_CA_FILE": file])
        XCTAssertThrowsError(try ServiceTLSContexts(configuration: caConfig)) { error in
            XCTAssertEqual((error as? ConfigurationError)?.setting, .redisTLSCAFile, "\(error)")
        }
        let httpsConfig = try parse(["CACHE_TLS_CERT": file, "CACHE_TLS_KEY": file])
        XCTAssertThrowsError(try ServiceTLSContexts(configuration: httpsConfig)) { error in
            XCTAssertEqual((error as? ConfigurationError)?.setting, .tlsCertificate, "\(error)")
            XCTAssertTrue("\(error)".contains(self.file), "\(error)")
        }
        let none = try ServiceTLSContexts(configuration: try parse([:]))
        XCTAssertNil(none.redis)
        XCTAssertNil(none.https)
    }
}
