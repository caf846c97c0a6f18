public import Foundation

/// NDJSON export and import of a whole log.
public enum EventLogExchange {
    /// Why an import stopped. Nothing is left at the destination.
    public enum ImportError: Error, CustomStringConvertible {
        case malformedLine(number: Int, reason: String)
        case brokenChain(line: Int, HashChainVerifier.Problem)
        case destinationExists(String)

        public var description: String {
            switch self {
            case .malformedLine(let number, let reason): "line \(number): \(reason)"
            case .brokenChain(let line, let problem): "line \(line): \(problem)"
            case .destinationExists(let path): "\(path) already exists; import only creates new databases"
            }
        }
    }

    /// Writes every event, one line each, to `output`; returns how many.
    public static func export(
        from connection: SQLiteConnection, to output: FileHandle, batchSize: Int = 10_000
    ) throws -> Int64 {
        var position: Int64 = 0
        var count: Int64 = 0
        while true {
            let events = try EventLogFile.read(after: position, limit: batchSize, on: connection)
            guard let last = events.last else { return count }
            try output.write(contentsOf: lines(events))
            position = last.position
            count += Int64(events.count)
        }
    }

    /// Events as export lines, each ending in a newline: what every backend's export writes.
    public static func lines(_ events: [RecordedEvent]) throws -> [UInt8] {
        var chunk = [UInt8]()
        for event in events {
            chunk.append(contentsOf: try EventLine.encode(event))
            chunk.append(UInt8(ascii: "\n"))
        }
        return chunk
    }

    /// Reads `input` into a new log at `path`, checking the chain line by line.
    ///
    /// Empty lines are skipped. On any error the file at `path` is removed.
    /// - Returns: the number of events imported.
    public static func importLog(
        from input: String, to path: String, batchSize: Int = 10_000, progress: (Int64) -> Void = { _ in }
    ) throws -> Int64 {
        guard !FileManager.default.fileExists(atPath: path) else { throw ImportError.destinationExists(path) }
        var reader = try ExportReader(path: input)
        do {
            let connection = try EventLogFile.create(path: path)
            try connection.execute("PRAGMA synchronous = NORMAL")
            while true {
                let batch = try reader.nextBatch(limit: batchSize)
                guard !batch.isEmpty else { break }
                try connection.transaction {
                    for event in batch { try EventLogFile.insertRecorded(event, on: connection) }
                }
                progress(reader.lastPosition)
            }
            try connection.execute("PRAGMA synchronous = FULL; PRAGMA wal_checkpoint(TRUNCATE)")
            return reader.lastPosition
        } catch {
            removeDatabase(at: path)
            throw error
        }
    }

    /// Deletes a database file and its WAL and shared-memory files.
    public static func removeDatabase(at path: String) {
        for suffix in ["", "-wal", "-shm", "-journal"] { try? FileManager.default.removeItem(atPath: path + suffix) }
    }
}
