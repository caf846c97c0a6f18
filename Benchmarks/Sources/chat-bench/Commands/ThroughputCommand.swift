import ArgumentParser

struct ThroughputCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "throughput",
        abstract: "Registers users, forms groups and offers messages at a fixed rate (open loop).")

    @OptionGroup var target: TargetOptions
    @OptionGroup var load: LoadOptions

    func run() async throws {
        try await runOpenLoop(.chat, target: target, load: load)
    }
}

struct EchoCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "echo",
        abstract: "Drives chat-echo-server the way throughput drives the chat server: the framing ceiling.")

    @OptionGroup var target: TargetOptions
    @OptionGroup var load: LoadOptions

    func run() async throws {
        try await runOpenLoop(.echo, target: target, load: load)
    }
}

/// One open-loop run against either server; exits non-zero when anything was lost.
func runOpenLoop(_ kind: OpenLoopRun.Target, target: TargetOptions, load: LoadOptions) async throws {
    let loop = clientLoopGroup.next()
    let progress = ProgressLine(enabled: !target.quiet)
    let bench = try await Workbench.prepare(target: kind, options: target, load: load, loop: loop, progress: progress)
    progress.finish()
    let result = try await bench.run(load: load, rate: load.rate, server: target.server, loop: loop, progress: progress)
    bench.closeAll()
    let report = ThroughputReport(
        mode: kind == .chat ? "throughput" : "echo", framing: target.framing, users: load.users,
        groupSize: kind == .chat ? load.groupSize : 1, contentBytes: load.contentBytes, result: result)
    let what =
        kind == .chat
        ? "chat \(target.framing.rawValue) users=\(load.users) group=\(load.groupSize)"
        : "echo \(target.framing.rawValue) connections=\(load.users)"
    try emit(report, summary: "\(what): " + result.summary, json: target.json)
    if !result.isClean { throw ExitCode(2) }
}
