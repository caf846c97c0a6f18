import Synchronization
import Testing

@testable import Gateway

@Suite(.timeLimit(.minutes(1))) struct KeyedLockTests {
    final class Occupancy: Sendable {
        let inside = Atomic<Int>(0)
        let overlaps = Atomic<Int>(0)
    }

    @Test func oneHolderPerKeyEvenAcrossSuspensions() async throws {
        let lock = KeyedLock()
        let occupancy = Occupancy()
        try await withThrowingTaskGroup(of: Void.self) { group in
            for _ in 0..<64 {
                group.addTask {
                    try await lock.withLock("chat") {
                        if occupancy.inside.add(1, ordering: .sequentiallyConsistent).newValue > 1 {
                            occupancy.overlaps.add(1, ordering: .sequentiallyConsistent)
                        }
                        await Task.yield()
                        occupancy.inside.subtract(1, ordering: .sequentiallyConsistent)
                    }
                }
            }
            try await group.waitForAll()
        }
        #expect(occupancy.overlaps.load(ordering: .sequentiallyConsistent) == 0)
    }

    @Test func anotherKeyIsNotBlockedAndTheKeyIsFreedAfterAThrow() async throws {
        struct Refused: Error {}
        let lock = KeyedLock()
        let (held, holding) = AsyncStream.makeStream(of: Void.self)
        let (release, releasing) = AsyncStream.makeStream(of: Void.self)
        let holder = Task {
            try await lock.withLock("a") {
                holding.yield()
                for await _ in release { break }
            }
        }
        for await _ in held { break }
        #expect(try await lock.withLock("b") { 1 } == 1, "b is free while a is held")
        releasing.yield()
        try await holder.value
        await #expect(throws: Refused.self) { try await lock.withLock("a") { throw Refused() } }
        #expect(try await lock.withLock("a") { 2 } == 2, "a is free again after the throw")
    }
}
