import Foundation

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// Held by the one server that serves a SQLite event log, for as long as it runs.
///
/// Two servers on one file would each keep caches and a push window that the other's
/// appends never reach, so the second is refused at start. The lock is an `flock` on a file
/// beside the database (`PATH-serving.lock`), never on the database itself, whose POSIX locks
/// belong to SQLite; the kernel releases it when the process ends, `kill -9` included. Other
/// processes that append (`replay`) do not take it.
public final class ServingLock: Sendable {
    public let path: String
    private let descriptor: Int32

    private init(path: String, descriptor: Int32) {
        self.path = path
        self.descriptor = descriptor
    }

    /// The lock file for the database at `databasePath`.
    public static func lockPath(for databasePath: String) -> String { databasePath + "-serving.lock" }

    /// Takes the lock for the database at `databasePath`, or throws
    /// ``EventStoreError/alreadyServed(path:by:)`` naming the process that holds it.
    public static func acquire(for databasePath: String) throws -> ServingLock {
        let path = lockPath(for: databasePath)
        let descriptor = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0o644)
        guard descriptor >= 0 else {
            if errno == EACCES || errno == EROFS { throw EventStoreError.readOnly(path: databasePath) }
            throw EventStoreError.storage(POSIXError(POSIXErrorCode(rawValue: errno) ?? .EIO))
        }
        guard flock(descriptor, LOCK_EX | LOCK_NB) == 0 else {
            let holder = Self.recordedHolder(descriptor)
            close(descriptor)
            throw EventStoreError.alreadyServed(path: databasePath, by: holder)
        }
        // Who holds it, for the message the next one gets.
        let pid = Array("\(getpid())\n".utf8)
        _ = ftruncate(descriptor, 0)
        _ = pid.withUnsafeBytes { pwrite(descriptor, $0.baseAddress, $0.count, 0) }
        return ServingLock(path: path, descriptor: descriptor)
    }

    private static func recordedHolder(_ descriptor: Int32) -> Int32? {
        var buffer = [UInt8](repeating: 0, count: 32)
        let count = buffer.withUnsafeMutableBytes { pread(descriptor, $0.baseAddress, $0.count, 0) }
        guard count > 0 else { return nil }
        return Int32(String(decoding: buffer[..<count], as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines))
    }

    deinit {
        close(descriptor)
    }
}
