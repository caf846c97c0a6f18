import Foundation

/// Read-only work on connections of their own, each confined to a serial dispatch queue, so
/// queries never run on an event loop or the cooperative thread pool.
///
/// > Note: `@unchecked Sendable`: each connection is used only on its queue; `nextIndex`
/// > is guarded by `lock`.
final class ReaderPool: @unchecked Sendable {
    private let readers: [(queue: DispatchQueue, connection: SQLiteConnection)]
    private let lock = NSLock()
    private var nextIndex = 0

    init(path: String, count: Int) throws {
        readers = try (0..<max(1, count)).map { index in
            let connection = try SQLiteConnection(path: path, create: false)
            try connection.execute("PRAGMA query_only = 1; PRAGMA mmap_size = 1073741824")
            return (DispatchQueue(label: "chat.eventstore.reader.\(index)"), connection)
        }
    }

    /// Runs `body` on the next reader's queue.
    func run<T: Sendable>(_ body: @escaping @Sendable (SQLiteConnection) throws -> T) async throws -> T {
        let reader = lock.withLock {
            defer { nextIndex = (nextIndex + 1) % readers.count }
            return readers[nextIndex]
        }
        return try await withCheckedThrowingContinuation { continuation in
            reader.queue.async {
                let result = Result { try body(reader.connection) }
                reader.connection.resetActiveStatements()
                continuation.resume(with: result)
            }
        }
    }
}
