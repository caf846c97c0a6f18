/// The events of an NDJSON export, in batches, each checked against the hash chain as it is
/// read: what every backend's import takes in.
public struct ExportReader {
    private var lines: LineReader
    private var verifier = HashChainVerifier()
    private var lineNumber = 0

    public init(path: String) throws {
        lines = try LineReader(path: path)
    }

    /// The position of the last event read.
    public var lastPosition: Int64 { verifier.lastPosition }

    /// Up to `limit` events, in order; empty at the end. Empty lines are skipped.
    ///
    /// - Throws: ``EventLogExchange/ImportError`` for a malformed line or a broken chain.
    public mutating func nextBatch(limit: Int) throws -> [RecordedEvent] {
        var batch = [RecordedEvent]()
        while batch.count < limit, let line = try lines.next() {
            lineNumber += 1
            if line.allSatisfy({ $0 == 0x20 || $0 == 0x09 }) { continue }
            let event: RecordedEvent
            do { event = try EventLine.decode(line) } catch {
                throw EventLogExchange.ImportError.malformedLine(number: lineNumber, reason: error.reason)
            }
            do { try verifier.check(event) } catch {
                throw EventLogExchange.ImportError.brokenChain(line: lineNumber, error)
            }
            batch.append(event)
        }
        return batch
    }
}
