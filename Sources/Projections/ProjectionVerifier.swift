public import EventStore
public import Keyring

/// Checks a database: the hash chain, then that the read model equals a fresh rebuild.
///
/// The rebuild happens in an in-memory database, so verifying never writes to the file.
public enum ProjectionVerifier {
    /// What `verify` found.
    public enum Outcome: Equatable, Sendable {
        case verified(events: Int64)
        case brokenChain(HashChainVerifier.Problem)
        /// The read-model tables that differ from a rebuild, by base name.
        case projectionsDiffer(tables: [String])
    }

    /// - Parameters:
    ///   - keyring: opens sealed text as the live projection did; the rebuild must show the
    ///     same text, and the same placeholders where keys are gone. By default, the one
    ///     beside the database, if its key file exists.
    public static func verify(path: String, keyring: Keyring? = nil) throws -> Outcome {
        let file = try EventLogFile.openExisting(path: path, readOnly: true)
        let count: Int64
        do {
            count = try HashChainVerifier.verify(on: file)
        } catch let problem as HashChainVerifier.Problem {
            return .brokenChain(problem)
        }

        let memory = try SQLiteConnection(path: ":memory:")
        try memory.execute("ATTACH DATABASE '\(path.replacingOccurrences(of: "'", with: "''"))' AS disk")
        let fresh = ChatProjection(tables: .live, keyring: try keyring ?? Keyring.existing(databasePath: path))
        try fresh.prepareSchema(on: memory)
        var position: Int64 = 0
        while true {
            // Unqualified `events` resolves to disk.events: memory has no such table.
            let events = try EventLogFile.read(after: position, limit: 5_000, on: memory)
            guard let last = events.last else { break }
            try memory.transaction { try fresh.apply(events, on: memory) }
            position = last.position
        }

        var differing = [String]()
        for base in ReadModelTables.baseNames {
            let exists =
                try memory.scalarInt64(
                    "SELECT count(*) FROM disk.sqlite_master WHERE type = 'table' AND name = '\(base)'") ?? 0
            guard exists == 1 else {
                differing.append(base)
                continue
            }
            let missing =
                try memory.scalarInt64(
                    "SELECT count(*) FROM (SELECT * FROM main.\(base) EXCEPT SELECT * FROM disk.\(base))") ?? 0
            let extra =
                try memory.scalarInt64(
                    "SELECT count(*) FROM (SELECT * FROM disk.\(base) EXCEPT SELECT * FROM main.\(base))") ?? 0
            if missing != 0 || extra != 0 { differing.append(base) }
        }
        return differing.isEmpty ? .verified(events: count) : .projectionsDiffer(tables: differing)
    }
}
