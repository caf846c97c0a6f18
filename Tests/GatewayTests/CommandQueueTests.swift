import Testing

@testable import Gateway

/// The queue that lets an idle connection hold no task: exactly one runner at a time, every
/// entry run once in order, and the end reached once, after the last entry.
struct CommandQueueTests {
    @Test func oneRunnerTakesEveryEntryInOrderThenStops() {
        var queue = CommandQueue<Int>()
        let startsRunner1 = queue.enqueue(1)
        #expect(startsRunner1, "the first entry starts a runner")
        let startsRunner2 = queue.enqueue(2)
        #expect(!startsRunner2, "a runner is already taking them")
        var taken: [Int] = []
        while case .run(let entry) = queue.next() { taken.append(entry) }
        #expect(taken == [1, 2])
        let startsRunner3 = queue.enqueue(3)
        #expect(startsRunner3, "after the runner stopped, the next entry starts another")
    }

    @Test func theEndComesOnceAfterEveryEntryAndNothingIsQueuedAfterIt() {
        var queue = CommandQueue<Int>()
        let startsRunner4 = queue.enqueue(1)
        #expect(startsRunner4)
        let startsRunner5 = queue.finish()
        #expect(!startsRunner5, "the running runner will reach the end")
        let startsRunner6 = queue.enqueue(2)
        #expect(!startsRunner6, "input after the end is dropped")
        guard case .run(1) = queue.next() else {
            Issue.record("the entry before the end runs first")
            return
        }
        guard case .end = queue.next() else {
            Issue.record("then the end")
            return
        }
        guard case .idle = queue.next() else {
            Issue.record("and only once")
            return
        }
        let startsRunner7 = queue.finish()
        #expect(!startsRunner7)
    }

    @Test func finishingAnIdleQueueStartsARunnerForTheEnd() {
        var queue = CommandQueue<Int>()
        let startsRunner8 = queue.finish()
        #expect(startsRunner8)
        guard case .end = queue.next() else {
            Issue.record("the runner closes the connection")
            return
        }
    }
}
