import Foundation
import Testing

@Suite struct FixtureRecordingTests {
    @Test(.enabled(if: ProcessInfo.processInfo.environment["RECORD_FIXTURES"] != nil))
    func recordFixtures() async throws {
        try await Fixtures.record()
    }
}
