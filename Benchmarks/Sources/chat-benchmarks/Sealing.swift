import ChatDomain
import EventStore
import Foundation
import Keyring
import Projections

/// How a benchmark database seals what users write: with the real keyring (AES-256-GCM,
/// as the server does), or not at all, to measure what sealing costs.
enum Sealing: String, CaseIterable {
    case keyring
    case plain

    /// The sealer for a new database at `path` (its key file made fresh beside it).
    func sealer(forDatabase path: String) throws -> any TextSealer {
        switch self {
        case .keyring:
            try? FileManager.default.removeItem(atPath: MasterKey.defaultPath(forDatabase: path))
            return try Keyring.open(databasePath: path)
        case .plain:
            return PlainSealer()
        }
    }

    /// The projection that opens what `sealer` sealed.
    static func projection(for sealer: any TextSealer) -> ChatProjection {
        if let keyring = sealer as? Keyring { return ChatProjection(keyring: keyring) }
        return ChatProjection(opener: sealer)
    }
}

/// Stores text as it is: the same code path as sealing, without the cipher.
struct PlainSealer: TextSealer {
    func seal(_ text: String, author: UserID, context: String) throws -> String { text }
    func open(_ sealed: String, author: UserID, context: String) -> String? { sealed }
}
