import ArgumentParser

struct SweepCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "sweep",
        abstract:
            "Runs throughput at rising rates on the same users and reports the highest rate whose p99 ack latency stays under the bound with every delivery made."
    )

    @OptionGroup var target: TargetOptions
    @OptionGroup var load: LoadOptions
    @Option(help: "First rate offered.") var from: Double = 2_000
    @Option(help: "Added to the rate after each passing step.") var step: Double = 2_000
    @Option(help: "Highest rate tried.") var to: Double = 60_000
    @Option(help: "p99 ack latency bound, in milliseconds.") var p99BoundMs: Double = 10
    @Flag(help: "Sweep chat-echo-server instead of the chat server.") var echo = false

    struct Step: Codable {
        var rate: Double
        var passed: Bool
        var result: LoadReport
    }

    struct Report: Codable {
        var mode: String
        var framing: Framing
        var users: Int
        var groupSize: Int
        var contentBytes: Int
        var p99BoundMs: Double
        var sustainableRate: Double?
        var steps: [Step]
    }

    func run() async throws {
        let kind: OpenLoopRun.Target = echo ? .echo : .chat
        let loop = clientLoopGroup.next()
        let progress = ProgressLine(enabled: !target.quiet)
        let bench = try await Workbench.prepare(
            target: kind, options: target, load: load, loop: loop, progress: progress)
        progress.finish()
        var steps: [Step] = []
        var rate = from
        while rate <= to {
            let result = try await bench.run(
                load: load, rate: rate, runID: steps.count, server: target.server, loop: loop, progress: progress)
            let passed =
                result.isClean && result.ackLatencyMs.p99 < p99BoundMs
                && result.deliveriesReceived == result.deliveriesExpected && result.answered == result.sent
            steps.append(Step(rate: rate, passed: passed, result: result))
            if !target.json { print("  \(passed ? "pass" : "FAIL") \(result.summary)") }
            guard passed else { break }
            rate += step
        }
        bench.closeAll()
        let sustainable = steps.last(where: \.passed)?.rate
        let report = Report(
            mode: echo ? "sweep-echo" : "sweep", framing: target.framing, users: load.users,
            groupSize: echo ? 1 : load.groupSize, contentBytes: load.contentBytes, p99BoundMs: p99BoundMs,
            sustainableRate: sustainable, steps: steps)
        let summary =
            "\(echo ? "echo" : "chat") \(target.framing.rawValue) sustainable rate: "
            + (sustainable.map { "\(Int($0)) messages/s" } ?? "none (the first step failed)")
            + " (p99 ack < \(p99BoundMs) ms, every delivery made)"
        try emit(report, summary: summary, json: target.json)
    }
}
