import Dispatch
import Testing

@testable import EventStore

/// The commit delay waits only while appends keep coming: never for the first append, nor
/// after a quiet spell, nor when it is set to 0.
struct CommitDelayTests {
    @Test func onlyAnAppendSoonAfterTheLastCommitWaits() {
        let delay = CommitDelay(microseconds: 1_000)
        let now = DispatchTime.now().uptimeNanoseconds
        #expect(!delay.applies(lastCommitEnded: 0), "nothing committed yet")
        #expect(delay.applies(lastCommitEnded: now), "a commit just ended: appends are coming")
        #expect(!delay.applies(lastCommitEnded: now - 1_000_000_000), "a second of quiet")
        #expect(!CommitDelay(microseconds: 0).applies(lastCommitEnded: now), "turned off")
    }
}
