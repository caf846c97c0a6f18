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
            var chunk = [UInt8]()
            for event in events {
                chunk.append(contentsOf: try EventLine.encode(event))
                chunk.append(UInt8(ascii: "\n"))
            }
            try output.write(contentsOf: chunk)
            position = last.position
            count += Int64(events.count)
        }
    }

    /// Reads `input` into a new log at `path`, checking the chain line by line.
    ///
    /// Empty lines are skipped. On any error the file at `path` is removed.
    /// - Returns: the number of events imported.
    public static func importLog(
        from input: String, to path: String, batchSize: Int = 10_000, progress: (Int64) -> Void = { _ in }
    ) throws -> Int64 {
        guard !FileManager.default.fileExists(atPath: path) else { throw ImportError.destinationExists(path) }
        var reader = try LineReader(path: input)
        do {
            let connection = try EventLogFile.create(path: path)
            try connection.execute("PRAGMA synchronous = NORMAL")
            var verifier = HashChainVerifier()
            var lineNumber = 0
            var pending = 0
            try connection.execute("BEGIN IMMEDIATE")
            while let line = try reader.next() {
                lineNumber += 1
                if line.allSatisfy({ $0 == 0x20 || $0 == 0x09 }) { continue }
                let event: RecordedEvent
                do { event = try EventLine.decode(line) } catch {
                    throw ImportError.malformedLine(number: lineNumber, reason: error.reason)
                }
                do { try verifier.check(event) } catch { throw ImportError.brokenChain(line: lineNumber, error) }
                try EventLogFile.insertRecorded(event, on: connection)
                pending += 1
                if pending == batchSize {
                    try connection.execute("COMMIT; BEGIN IMMEDIATE")
                    pending = 0
                    progress(verifier.lastPosition)
                }
            }
            try connection.execute("COMMIT")
            try connection.execute("PRAGMA synchronous = FULL; PRAGMA wal_checkpoint(TRUNCATE)")
            return verifier.lastPosition
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
