import BackendTestSupport
import ChatTestSupport
import EventStore
import Foundation
import Testing

/// What every ``EventLog`` backend guarantees, checked on each.
@Suite struct EventLogConformanceTests {
    let directory: TemporaryDirectory
    init() throws { directory = try TemporaryDirectory() }

    @Test(arguments: TestBackend.allCases)
    func appendedEventsReadBackInOrderWithOneValidHashChain(backend: TestBackend) async throws {
        let log = try await backend.log(at: backend.location(in: directory))
        let first = try await log.append(
            [event("a", #"{"n":1}"#), event("b", #"{"n":2}"#)], to: "s1", expectedVersion: .noStream,
            metadata: EventMetadata(actor: "u1"))
        let second = try await log.append([event("c", #"{"n":3}"#)], to: "s2", expectedVersion: .any, metadata: .init())
        #expect(first.events.map(\.position) == [1, 2])
        #expect(first.streamVersion == 2)
        #expect(second.events.map(\.position) == [3])

        let all = try await log.read(after: 0, limit: 100)
        #expect(all == first.events + second.events, "what was acknowledged is what is stored, byte for byte")
        #expect(all.map(\.streamVersion) == [1, 2, 1])
        #expect(all.map { String(decoding: $0.data, as: UTF8.self) } == [#"{"n":1}"#, #"{"n":2}"#, #"{"n":3}"#])
        expectValidChain(all)
        #expect(all[0].decodedMetadata.actor == "u1")
        #expect(try await log.readStream("s1", after: 1, limit: 10).map(\.type) == ["b"])
        #expect(try await log.headPosition() == 3)
        #expect(log.committedHeadPosition == 3)
        #expect(try await log.read(after: 1, limit: 1).map(\.position) == [2])
        await log.close()
    }

    @Test(arguments: TestBackend.allCases)
    func aStaleExpectedVersionIsATypedConflictAndAppendsNothing(backend: TestBackend) async throws {
        let log = try await backend.log(at: backend.location(in: directory))
        _ = try await log.append([event("a", "{}")], to: "s", expectedVersion: .noStream, metadata: .init())
        await #expect {
            _ = try await log.append([event("b", "{}")], to: "s", expectedVersion: .noStream, metadata: .init())
        } throws: { error in
            guard case EventStoreError.wrongExpectedVersion(let stream, .noStream, let actual) = error else {
                return false
            }
            return stream == "s" && actual == 1
        }
        await #expect(throws: EventStoreError.self) {
            _ = try await log.append([event("b", "{}")], to: "s", expectedVersion: .exact(5), metadata: .init())
        }
        let appended = try await log.append([event("b", "{}")], to: "s", expectedVersion: .exact(1), metadata: .init())
        #expect(appended.streamVersion == 2)
        #expect(try await log.headPosition() == 2)
        await log.close()
    }

    @Test(arguments: TestBackend.allCases)
    func concurrentAppendsShareCommitsAndOneConflictFailsAlone(backend: TestBackend) async throws {
        let batches = BatchSizes()
        let log = try await backend.log(at: backend.location(in: directory), batchObserver: { batches.record($0) })
        _ = try await log.append([event("seed", "{}")], to: "taken", expectedVersion: .any, metadata: .init())
        let results = await withTaskGroup(of: (Int, Result<AppendResult, any Error>).self) { group in
            for index in 0..<64 {
                group.addTask {
                    let stream = index == 17 ? "taken" : "stream-\(index)"
                    let result = await Result {
                        try await log.append(
                            [event("x", #"{"i":\#(index)}"#)], to: stream, expectedVersion: .noStream,
                            metadata: .init())
                    }
                    return (index, result)
                }
            }
            return await group.reduce(into: [Int: Result<AppendResult, any Error>]()) { $0[$1.0] = $1.1 }
        }
        for (index, result) in results {
            if index == 17 {
                #expect(throws: EventStoreError.self) { try result.get() }
            } else {
                #expect(throws: Never.self) { try result.get() }
            }
        }
        let positions = results.values.compactMap { try? $0.get().lastPosition }.sorted()
        #expect(positions == Array(2...64), "63 appends after the seed, gapless, none twice")
        let stored = try await log.read(after: 0, limit: 1000)
        #expect(stored.map(\.position) == Array(1...64))
        expectValidChain(stored)
        #expect(batches.sizes.reduce(0, +) == 65, "every append was in exactly one transaction")
        #expect(batches.sizes.contains { $0 > 1 }, "appends that queued while a commit ran shared the next one")
        await log.close()
    }

    @Test(arguments: TestBackend.allCases)
    func aSubscriptionReplaysHistoryThenLiveEventsWithoutGapOrDuplicate(backend: TestBackend) async throws {
        let log = try await backend.log(at: backend.location(in: directory))
        for index in 1...3 {
            _ = try await log.append(
                [event("e", #"{"i":\#(index)}"#)], to: "s", expectedVersion: .any, metadata: .init())
        }
        let received = Task {
            var positions = [Int64]()
            for try await recorded in log.subscribe(after: 1) {
                positions.append(recorded.position)
                if positions.count == 4 { break }
            }
            return positions
        }
        for index in 4...5 {
            _ = try await log.append(
                [event("e", #"{"i":\#(index)}"#)], to: "s", expectedVersion: .any, metadata: .init())
        }
        #expect(try await received.value == [2, 3, 4, 5])
        await log.close()
    }

    /// Two gateways on one database: one order, one chain, and each sees the other's events.
    @Test(arguments: TestBackend.allCases)
    func twoLogsOnOneDatabaseShareOneOrderAndFollowEachOther(backend: TestBackend) async throws {
        let location = try backend.location(in: directory)
        let first = try await backend.log(at: location)
        let second = try await backend.log(at: location)
        let foreign = Positions()
        first.observeForeignAppends { events in foreign.add(events.map(\.position)) }
        let followed = Task {
            var positions = [Int64]()
            for try await recorded in first.subscribe(after: 0) {
                positions.append(recorded.position)
                if positions.count == 40 { break }
            }
            return positions
        }
        let appended = try await withThrowingTaskGroup(of: (Bool, Int64).self) { group in
            for index in 0..<40 {
                group.addTask {
                    let byFirst = index.isMultiple(of: 2)
                    let result = try await (byFirst ? first : second).append(
                        [event("x", #"{"i":\#(index)}"#)], to: "stream-\(index)", expectedVersion: .noStream,
                        metadata: .init())
                    return (byFirst, result.lastPosition)
                }
            }
            return try await group.reduce(into: [(Bool, Int64)]()) { $0.append($1) }
        }
        #expect(appended.map { $0.1 }.sorted() == Array(1...40))
        #expect(try await followed.value == Array(1...40), "the first log's subscribers see both logs' events in order")
        let byTheSecond = Set(appended.filter { !$0.0 }.map { $0.1 })
        try await waitUntil { byTheSecond.isSubset(of: foreign.all) }
        #expect(foreign.all.isDisjoint(with: appended.filter { $0.0 }.map { $0.1 }), "its own appends are not foreign")
        expectValidChain(try await second.read(after: 0, limit: 100))
        await first.close()
        await second.close()
    }

    @Test(arguments: TestBackend.allCases)
    func twoLogsRacingForOneStreamAcceptExactlyOne(backend: TestBackend) async throws {
        let location = try backend.location(in: directory)
        let first = try await backend.log(at: location)
        let second = try await backend.log(at: location)
        async let a = Result {
            try await first.append(
                [event("created", "{}")], to: "chat-1", expectedVersion: .noStream, metadata: .init())
        }
        async let b = Result {
            try await second.append(
                [event("created", "{}")], to: "chat-1", expectedVersion: .noStream, metadata: .init())
        }
        let outcomes = await [a, b]
        #expect(outcomes.filter { (try? $0.get()) != nil }.count == 1)
        #expect(try await first.readStream("chat-1", after: 0, limit: 10).count == 1)
        await first.close()
        await second.close()
    }

    /// A gateway decides an append from the stream versions it holds only while nothing was
    /// committed since it last looked; after another gateway's append to the same stream it
    /// must see that append, not accept a version that is no longer current.
    @Test(arguments: TestBackend.allCases)
    func anotherLogsAppendMakesAVersionThisOneHeldStale(backend: TestBackend) async throws {
        let location = try backend.location(in: directory)
        let first = try await backend.log(at: location)
        let second = try await backend.log(at: location)
        _ = try await first.append([event("a", "{}")], to: "s", expectedVersion: .noStream, metadata: .init())
        _ = try await first.append([event("b", "{}")], to: "s", expectedVersion: .exact(1), metadata: .init())
        _ = try await second.append([event("c", "{}")], to: "s", expectedVersion: .exact(2), metadata: .init())
        await #expect {
            try await first.append([event("d", "{}")], to: "s", expectedVersion: .exact(2), metadata: .init())
        } throws: { error in
            guard case EventStoreError.wrongExpectedVersion(_, _, let actual) = error else { return false }
            return actual == 3
        }
        let last = try await first.append([event("e", "{}")], to: "s", expectedVersion: .exact(3), metadata: .init())
        #expect(last.events.map(\.position) == [4])
        #expect(last.streamVersion == 4)
        let all = try await second.read(after: 0, limit: 10)
        #expect(all.map(\.type) == ["a", "b", "c", "e"])
        #expect(all.map(\.streamVersion) == [1, 2, 3, 4])
        expectValidChain(all)
        await first.close()
        await second.close()
    }

    private func expectValidChain(_ events: [RecordedEvent], sourceLocation: SourceLocation = #_sourceLocation) {
        var previous = EventHash.genesis
        for recorded in events {
            #expect(
                recorded.hash == EventHash.expected(for: recorded, previous: previous), sourceLocation: sourceLocation)
            previous = recorded.hash
        }
    }
}

func event(_ type: String, _ json: String) -> NewEvent {
    NewEvent(type: type, schemaVersion: 1, data: Array(json.utf8))
}

extension Result where Failure == any Error {
    init(catching body: () async throws -> Success) async {
        do { self = .success(try await body()) } catch { self = .failure(error) }
    }
}

final class BatchSizes: @unchecked Sendable {
    private let lock = NSLock()
    private var recorded: [Int] = []
    func record(_ statistics: CommitStatistics) { lock.withLock { recorded.append(statistics.appends) } }
    var sizes: [Int] { lock.withLock { recorded } }
}

final class Positions: @unchecked Sendable {
    private let lock = NSLock()
    private var positions = Set<Int64>()
    func add(_ more: [Int64]) { lock.withLock { positions.formUnion(more) } }
    var all: Set<Int64> { lock.withLock { positions } }
}
