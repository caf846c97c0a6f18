import NIOCore

/// Runs a task's jobs on one NIO event loop.
///
/// A connection's command loop prefers its channel's event loop: a command read there runs
/// there (no hand-off to Swift's pool), the commit's continuation resumes there, and the
/// answer is written without another hop. Only the append itself leaves the loop, for the
/// writer's queue; slow work (scrypt) runs on ``BlockingWork`` and reads on the reader
/// queues, so nothing here blocks the loop.
final class EventLoopTaskExecutor: TaskExecutor {
    private let eventLoop: any EventLoop

    init(_ eventLoop: any EventLoop) {
        self.eventLoop = eventLoop
    }

    func enqueue(_ job: consuming ExecutorJob) {
        let job = UnownedJob(job)
        eventLoop.execute { job.runSynchronously(on: self.asUnownedTaskExecutor()) }
    }
}
