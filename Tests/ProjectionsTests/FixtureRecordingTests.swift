import Foundation
import Testing

@Suite struct FixtureRecordingTests {
    static let environment = ProcessInfo.processInfo.environment

    @Test(.enabled(if: environment["RECORD_FIXTURES"] != nil))
    func recordFixtures() async throws {
        try await Fixtures.record(
            Self.environment["RECORD_FIXTURES", default: ""].split(separator: ",").map(String.init))
    }

    @Test(.enabled(if: environment["RECORD_EXPECTED"] != nil))
    func recordExpectedReadModels() throws {
        try Fixtures.recordExpectedReadModels()
    }
}
