import EventStore
import Foundation
import Projections

/// What sealing costs (protocol §10): group-committed appends and `replay rebuild` with every
/// text sealed by the keyring, beside the same with text stored as it is, interleaved run by
/// run so that both see the same machine.
struct SealingBenchmark {
    let directory: String
    let runs: Int
    let appends: Int
    let messages: Int
    let appenders = 64

    func run() async throws {
        let appendBenchmark = AppendBenchmark(directory: directory, runs: runs, appends: appends)
        var appendRates: [Sealing: [Double]] = [:]
        for _ in 0..<runs {
            for sealing in Sealing.allCases {
                appendRates[sealing, default: []].append(
                    try await appendBenchmark.appendRate(appenders: appenders, total: appends, sealing: sealing).rate)
            }
        }

        let chat = SyntheticChat(userCount: 5_000, chatCount: 1_000)
        var paths: [Sealing: String] = [:]
        for sealing in Sealing.allCases {
            let path = directory + "/sealing-\(sealing.rawValue)-\(messages).db"
            for suffix in ["", "-wal", "-shm"] { try? FileManager.default.removeItem(atPath: path + suffix) }
            try chat.writeLog(path: path, messageCount: messages, sealer: try sealing.sealer(forDatabase: path))
            paths[sealing] = path
        }
        var rebuildRates: [Sealing: [Double]] = [:]
        for _ in 0..<runs {
            for sealing in Sealing.allCases {
                let path = paths[sealing]!
                let seconds = try measure {
                    switch sealing {
                    case .keyring: _ = try ProjectionRebuilder.rebuild(path: path)
                    case .plain:
                        _ = try ProjectionRebuilder.rebuild(
                            on: EventLogFile.openExisting(path: path), opener: PlainSealer())
                    }
                }
                let events = try EventLogFile.headPosition(on: EventLogFile.openExisting(path: path, readOnly: true))
                rebuildRates[sealing, default: []].append(Double(events) / seconds)
            }
        }

        print("## Sealing: appends (\(appenders) appenders) and rebuild (\(messages) messages), \(runs) runs, median")
        print(
            "| | sealed (AES-256-GCM) | stored as is | cost: medians | cost: median of run pairs | runs sealed / as is |"
        )
        print("|---|---:|---:|---:|---:|---|")
        for (name, rates) in [("appends/s", appendRates), ("rebuild events/s", rebuildRates)] {
            let sealed = Statistics.median(rates[.keyring]!)
            let plain = Statistics.median(rates[.plain]!)
            // Each pair ran back to back: their ratio is the least disturbed by a noisy machine.
            let pairCost = Statistics.median(zip(rates[.keyring]!, rates[.plain]!).map { 1 - $0 / $1 })
            print(
                "| \(name) | \(format(sealed)) | \(format(plain)) | \(format(100 * (plain - sealed) / plain, 1)) % | \(format(100 * pairCost, 1)) % | \(rates[.keyring]!.map { format($0) }.joined(separator: ", ")) / \(rates[.plain]!.map { format($0) }.joined(separator: ", ")) |"
            )
        }
    }
}
