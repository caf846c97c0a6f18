/// The names of the read model's tables.
///
/// The live tables have no prefix. A rebuild writes a second set beside them
/// (`rebuild_users`, …) and renames it over the first at the end, so an interrupted rebuild
/// leaves the live tables intact. Index names carry a per-build suffix because SQLite keeps
/// an index's name when its table is renamed, and index names must be unique.
public struct ReadModelTables: Sendable {
    public let prefix: String
    let indexSuffix: String

    /// The tables queries read and the live path writes.
    public static let live = ReadModelTables(prefix: "", indexSuffix: "live")

    /// A fresh set of tables for a rebuild.
    public static func rebuild(suffix: String) -> ReadModelTables {
        ReadModelTables(prefix: "rebuild_", indexSuffix: suffix)
    }

    /// The table names without prefix, in dependency-free order.
    public static let baseNames = [
        "users", "sessions", "chats", "members", "messages", "read_watermarks", "client_message_ids",
        "projection_checkpoints",
    ]

    public var all: [String] { Self.baseNames.map { prefix + $0 } }

    var users: String { prefix + "users" }
    var sessions: String { prefix + "sessions" }
    var chats: String { prefix + "chats" }
    var members: String { prefix + "members" }
    var messages: String { prefix + "messages" }
    var readWatermarks: String { prefix + "read_watermarks" }
    var clientMessageIDs: String { prefix + "client_message_ids" }
    var checkpoints: String { prefix + "projection_checkpoints" }

    func index(_ name: String) -> String { "\(name)_\(indexSuffix)" }

    var createSQL: String {
        """
        CREATE TABLE \(users) (
            user_id TEXT PRIMARY KEY,
            username TEXT NOT NULL,
            username_key TEXT NOT NULL UNIQUE,
            password TEXT NOT NULL,
            registered_at TEXT NOT NULL,
            erased INTEGER NOT NULL DEFAULT 0
        );
        CREATE TABLE \(sessions) (
            token_hash TEXT PRIMARY KEY,
            user_id TEXT NOT NULL,
            started_at TEXT NOT NULL,
            expires_at INTEGER NOT NULL,
            ended_at TEXT
        );
        CREATE TABLE \(chats) (
            chat_id TEXT PRIMARY KEY,
            kind TEXT NOT NULL,
            name TEXT,
            created_by TEXT NOT NULL,
            created_at TEXT NOT NULL,
            created_position INTEGER NOT NULL
        );
        CREATE TABLE \(members) (
            chat_id TEXT NOT NULL,
            user_id TEXT NOT NULL,
            role TEXT NOT NULL,
            joined_position INTEGER NOT NULL,
            PRIMARY KEY (chat_id, user_id)
        ) WITHOUT ROWID;
        CREATE INDEX \(index("members_by_user")) ON \(members) (user_id, chat_id);
        CREATE TABLE \(messages) (
            chat_id TEXT NOT NULL,
            position INTEGER NOT NULL,
            message_id TEXT NOT NULL UNIQUE,
            sender_id TEXT NOT NULL,
            content TEXT NOT NULL,
            client_message_id TEXT,
            sent_at TEXT NOT NULL,
            first_read_at TEXT,
            edited_at TEXT,
            version_position INTEGER,
            deleted INTEGER NOT NULL DEFAULT 0,
            erased INTEGER NOT NULL DEFAULT 0,
            PRIMARY KEY (chat_id, position)
        ) WITHOUT ROWID;
        CREATE TABLE \(readWatermarks) (
            chat_id TEXT NOT NULL,
            user_id TEXT NOT NULL,
            up_to_position INTEGER NOT NULL,
            up_to_message_id TEXT NOT NULL,
            read_at TEXT NOT NULL,
            PRIMARY KEY (chat_id, user_id)
        ) WITHOUT ROWID;
        CREATE TABLE \(clientMessageIDs) (
            sender_id TEXT NOT NULL,
            client_message_id TEXT NOT NULL,
            message_id TEXT NOT NULL,
            PRIMARY KEY (sender_id, client_message_id)
        ) WITHOUT ROWID;
        CREATE TABLE \(checkpoints) (
            name TEXT PRIMARY KEY,
            position INTEGER NOT NULL
        );
        """
    }

    /// Columns added after version 1.0, in the order `createSQL` lists them: a database made
    /// before gains them on open (their defaults are right for a log without edits or erasures).
    public static let addedColumns: [(table: String, column: String, definition: String)] = [
        ("users", "erased", "INTEGER NOT NULL DEFAULT 0"),
        ("messages", "edited_at", "TEXT"),
        ("messages", "version_position", "INTEGER"),
        ("messages", "deleted", "INTEGER NOT NULL DEFAULT 0"),
        ("messages", "erased", "INTEGER NOT NULL DEFAULT 0"),
    ]

    /// The ORDER BY that makes a table's dump deterministic.
    static func orderBy(_ baseName: String) -> String {
        switch baseName {
        case "users": "user_id"
        case "sessions": "token_hash"
        case "chats": "chat_id"
        case "members", "read_watermarks": "chat_id, user_id"
        case "messages": "chat_id, position"
        case "client_message_ids": "sender_id, client_message_id"
        default: "name"
        }
    }
}
