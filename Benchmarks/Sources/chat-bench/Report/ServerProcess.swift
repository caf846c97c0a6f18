import Foundation

/// The server's CPU time and memory, read from `/proc/<pid>`.
struct ServerProcess: Sendable {
    let pid: Int

    struct Sample: Sendable {
        var cpuSeconds: Double
        var residentBytes: Int
    }

    func sample() throws -> Sample {
        Sample(cpuSeconds: try cpuSeconds(), residentBytes: try residentBytes())
    }

    /// User plus system time, from fields 14 and 15 of `/proc/<pid>/stat`.
    func cpuSeconds() throws -> Double {
        let stat = try String(contentsOfFile: "/proc/\(pid)/stat", encoding: .utf8)
        // The command name (field 2) may hold spaces; the fields after it are plain.
        guard let closing = stat.lastIndex(of: ")") else { throw BenchError.setup("unreadable /proc/\(pid)/stat") }
        let fields = stat[stat.index(after: closing)...].split(separator: " ")
        // fields[0] is field 3 (state), so utime (14) and stime (15) are fields[11] and [12].
        guard fields.count > 12, let user = Double(fields[11]), let system = Double(fields[12]) else {
            throw BenchError.setup("unreadable /proc/\(pid)/stat")
        }
        return (user + system) / Double(sysconf(Int32(_SC_CLK_TCK)))
    }

    /// `VmRSS` from `/proc/<pid>/status`.
    func residentBytes() throws -> Int {
        let status = try String(contentsOfFile: "/proc/\(pid)/status", encoding: .utf8)
        for line in status.split(separator: "\n") where line.hasPrefix("VmRSS:") {
            let kilobytes =
                line.dropFirst(6).split(whereSeparator: { $0 == " " || $0 == "\t" }).first.flatMap { Int($0) } ?? 0
            return kilobytes * 1024
        }
        throw BenchError.setup("no VmRSS in /proc/\(pid)/status")
    }
}
