import EventStore
import Logging
import PostgresNIO

/// The tables of the chat event log and its read model in PostgreSQL.
///
/// The same names and columns as the SQLite backend, in PostgreSQL's types; timestamps
/// stay the ISO 8601 text clients see. Created under an advisory lock, so that two gateways
/// starting at once on an empty database do not race.
enum PostgresSchema {
    /// `pg_advisory_xact_lock` key: "chatlog" in ASCII.
    static let creationLockKey: Int64 = 0x63_68_61_74_6C_6F_67

    /// The schema's version, in `chat_schema`; a newer database is refused.
    static let version: Int64 = 1

    /// The log, its head and the keys.
    static let logStatements = [
        """
        CREATE TABLE IF NOT EXISTS chat_schema (
            id INT PRIMARY KEY CHECK (id = 1),
            version BIGINT NOT NULL
        )
        """,
        """
        CREATE TABLE IF NOT EXISTS events (
            position BIGINT PRIMARY KEY,
            stream_id TEXT NOT NULL,
            stream_version BIGINT NOT NULL,
            type TEXT NOT NULL,
            schema_version INT NOT NULL,
            data BYTEA NOT NULL,
            metadata BYTEA NOT NULL,
            recorded_at BIGINT NOT NULL,
            hash BYTEA NOT NULL,
            UNIQUE (stream_id, stream_version)
        )
        """,
        // History is never rewritten: what an auditor verifies is what was appended (erasure
        // destroys keys, not events).
        """
        CREATE OR REPLACE FUNCTION chat_events_are_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
        BEGIN
            RAISE EXCEPTION 'the event log is append-only';
        END
        $$
        """,
        """
        CREATE OR REPLACE TRIGGER events_append_only BEFORE UPDATE OR DELETE ON events
        FOR EACH STATEMENT EXECUTE FUNCTION chat_events_are_append_only()
        """,
        // One row: the last position and hash. Every append transaction locks it first, so
        // positions are assigned, and become visible, in commit order.
        """
        CREATE TABLE IF NOT EXISTS event_log_head (
            id INT PRIMARY KEY CHECK (id = 1),
            last_position BIGINT NOT NULL,
            last_hash BYTEA NOT NULL
        )
        """,
        // Keys are not rebuilt from the log: destroying one is what erasure does.
        """
        CREATE TABLE IF NOT EXISTS user_keys (
            user_id TEXT PRIMARY KEY,
            wrapped_key BYTEA NOT NULL
        )
        """,
    ]

    /// The read model, created unqualified: in the first schema of the search path, which
    /// is how a rebuild or a verification builds a second one beside the live tables.
    static let readModelStatements = [
        """
        CREATE TABLE IF NOT EXISTS users (
            user_id TEXT PRIMARY KEY,
            username TEXT NOT NULL,
            username_key TEXT NOT NULL UNIQUE,
            password TEXT NOT NULL,
            registered_at TEXT NOT NULL,
            erased BOOLEAN NOT NULL DEFAULT false
        )
        """,
        """
        CREATE TABLE IF NOT EXISTS sessions (
            token_hash TEXT PRIMARY KEY,
            user_id TEXT NOT NULL,
            started_at TEXT NOT NULL,
            expires_at BIGINT NOT NULL,
            ended_at TEXT
        )
        """,
        "CREATE INDEX IF NOT EXISTS sessions_by_user ON sessions (user_id)",
        """
        CREATE TABLE IF NOT EXISTS chats (
            chat_id TEXT PRIMARY KEY,
            kind TEXT NOT NULL,
            name TEXT,
            created_by TEXT NOT NULL,
            created_at TEXT NOT NULL,
            created_position BIGINT NOT NULL
        )
        """,
        """
        CREATE TABLE IF NOT EXISTS members (
            chat_id TEXT NOT NULL,
            user_id TEXT NOT NULL,
            role TEXT NOT NULL,
            joined_position BIGINT NOT NULL,
            PRIMARY KEY (chat_id, user_id)
        )
        """,
        "CREATE INDEX IF NOT EXISTS members_by_user ON members (user_id, chat_id)",
        """
        CREATE TABLE IF NOT EXISTS messages (
            chat_id TEXT NOT NULL,
            position BIGINT NOT NULL,
            message_id TEXT NOT NULL UNIQUE,
            sender_id TEXT NOT NULL,
            content TEXT NOT NULL,
            client_message_id TEXT,
            sent_at TEXT NOT NULL,
            first_read_at TEXT,
            edited_at TEXT,
            version_position BIGINT,
            deleted BOOLEAN NOT NULL DEFAULT false,
            erased BOOLEAN NOT NULL DEFAULT false,
            PRIMARY KEY (chat_id, position)
        )
        """,
        """
        CREATE TABLE IF NOT EXISTS read_watermarks (
            chat_id TEXT NOT NULL,
            user_id TEXT NOT NULL,
            up_to_position BIGINT NOT NULL,
            up_to_message_id TEXT NOT NULL,
            read_at TEXT NOT NULL,
            PRIMARY KEY (chat_id, user_id)
        )
        """,
        """
        CREATE TABLE IF NOT EXISTS client_message_ids (
            sender_id TEXT NOT NULL,
            client_message_id TEXT NOT NULL,
            message_id TEXT NOT NULL,
            PRIMARY KEY (sender_id, client_message_id)
        )
        """,
        """
        CREATE TABLE IF NOT EXISTS projection_checkpoints (
            name TEXT PRIMARY KEY,
            position BIGINT NOT NULL
        )
        """,
    ]

    /// Creates what is missing, in one transaction under the creation lock, and checks the
    /// schema version.
    ///
    /// - Parameter create: `false` to refuse a database without a chat log
    ///   (``PostgresBackendError/noChatLog(_:)``) instead of creating one.
    static func prepare(on connection: PostgresConnection, create: Bool = true, url: PostgresURL, logger: Logger)
        async throws
    {
        try await connection.transaction(logger: logger) {
            try await connection.run("SELECT pg_advisory_xact_lock(\(creationLockKey))", logger: logger)
            if !create {
                let exists = try await connection.firstInt64(
                    "SELECT count(*) FROM pg_tables WHERE tablename = 'chat_schema' AND schemaname = current_schema()",
                    logger: logger)
                guard exists == 1 else { throw PostgresBackendError.noChatLog(url.redacted) }
            }
            for statement in logStatements {
                try await connection.run(PostgresQuery(unsafeSQL: statement), logger: logger)
            }
            try await connection.run(
                "INSERT INTO chat_schema (id, version) VALUES (1, \(version)) ON CONFLICT DO NOTHING", logger: logger)
            try await connection.run(
                "INSERT INTO event_log_head (id, last_position, last_hash) VALUES (1, 0, \(ByteBuffer(bytes: EventHash.genesis))) ON CONFLICT DO NOTHING",
                logger: logger)
            try await createReadModel(on: connection, logger: logger)
            let stored = try await connection.firstInt64("SELECT version FROM chat_schema WHERE id = 1", logger: logger)
            if let stored, stored > version { throw PostgresBackendError.newerSchema(stored) }
        }
    }

    /// Creates the read model's tables that are missing, in the first schema of the search
    /// path, with its checkpoint at 0.
    static func createReadModel(on connection: PostgresConnection, logger: Logger) async throws {
        for statement in readModelStatements {
            try await connection.run(PostgresQuery(unsafeSQL: statement), logger: logger)
        }
        try await connection.run(
            "INSERT INTO projection_checkpoints (name, position) VALUES ('chat_read_model', 0) ON CONFLICT DO NOTHING",
            logger: logger)
    }
}
