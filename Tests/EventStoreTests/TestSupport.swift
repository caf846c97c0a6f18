import Foundation
@testable import EventStore

/// A fresh directory per test, removed when the value is released.
final class TemporaryDirectory {
    let url: URL

    init() throws {
        url = FileManager.default.temporaryDirectory.appendingPathComponent("eventstore-tests-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
    }

    func path(_ name: String) -> String { url.appendingPathComponent(name).path }

    deinit { try? FileManager.default.removeItem(at: url) }
}

func event(_ type: String, _ json: String) -> NewEvent {
    NewEvent(type: type, schemaVersion: 1, data: Array(json.utf8))
}

struct TimedOut: Error {}

/// Polls `condition` until it holds, failing after `timeout`: waits on a state, not a duration.
func waitUntil(timeout: Duration = .seconds(10), _ condition: () -> Bool) async throws {
    let deadline = ContinuousClock.now + timeout
    while !condition() {
        guard ContinuousClock.now < deadline else { throw TimedOut() }
        await Task.yield()
    }
}
