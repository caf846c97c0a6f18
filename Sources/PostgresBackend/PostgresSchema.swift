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
        // Most appends in one statement (one round trip): under the head lock it returns
        // what other gateways committed after `known_head`, checks each append's expected
        // version against the stream as now committed (each statement of a volatile function
        // sees a fresh snapshot, taken after the lock), assigns positions and the hash chain
        // (EventHash's encoding: int8send is big-endian), inserts, moves the head and
        // notifies 'chat_log' (NotificationFollower.channel). `expected`: -1 any, else exact.
        """
        CREATE OR REPLACE FUNCTION chat_log_append(
            known_head BIGINT, streams TEXT[], expected BIGINT[], event_counts INT[], metadata BYTEA[],
            types TEXT[], schema_versions INT[], data BYTEA[], now_ms BIGINT)
        RETURNS TABLE (append_index INT, event_index INT, event_position BIGINT, event_stream TEXT,
            event_stream_version BIGINT, event_type TEXT, event_schema_version INT, event_data BYTEA,
            event_metadata BYTEA, event_recorded_at BIGINT, event_hash BYTEA, actual_version BIGINT)
        LANGUAGE plpgsql VOLATILE AS $$
        DECLARE
            head_position BIGINT;
            head_hash BYTEA;
            stamp BIGINT;
            known_streams TEXT[];
            known_versions BIGINT[];
            slot INT;
            current_version BIGINT;
            next_event INT := 0;
            stream_bytes BYTEA;
            appended_appends INT[] := '{}';
            appended_events INT[] := '{}';
            appended_versions BIGINT[] := '{}';
            appended_hashes BYTEA[] := '{}';
            refused_appends INT[] := '{}';
            refused_versions BIGINT[] := '{}';
            first_position BIGINT;
        BEGIN
            SELECT last_position, last_hash INTO head_position, head_hash FROM event_log_head WHERE id = 1 FOR UPDATE;
            first_position := head_position + 1;
            -- Each statement from here sees what was committed before the lock was granted.
            RETURN QUERY SELECT NULL::INT, NULL::INT, e.position, e.stream_id, e.stream_version, e.type, e.schema_version,
                e.data, e.metadata, e.recorded_at, e.hash, NULL::BIGINT
                FROM events AS e WHERE e.position > known_head AND e.position <= head_position ORDER BY e.position;
            SELECT greatest(now_ms, coalesce(max(e.recorded_at), 0)) INTO stamp FROM events AS e WHERE e.position = head_position;
            -- One index lookup per stream (a generic plan for `= ANY` may scan the table).
            SELECT array_agg(v.stream_id), array_agg(v.version) INTO known_streams, known_versions
                FROM (SELECT DISTINCT u.stream_id FROM unnest(streams) AS u (stream_id)) AS d
                CROSS JOIN LATERAL (SELECT d.stream_id, coalesce(max(e.stream_version), 0) AS version
                    FROM events AS e WHERE e.stream_id = d.stream_id) AS v;
            known_streams := coalesce(known_streams, '{}');
            known_versions := coalesce(known_versions, '{}');
            FOR a IN 1 .. coalesce(array_length(streams, 1), 0) LOOP
                slot := array_position(known_streams, streams[a]);
                IF slot IS NULL THEN
                    known_streams := known_streams || streams[a];
                    known_versions := known_versions || 0::BIGINT;
                    slot := array_length(known_streams, 1);
                END IF;
                current_version := known_versions[slot];
                IF expected[a] >= 0 AND expected[a] <> current_version THEN
                    refused_appends := refused_appends || a;
                    refused_versions := refused_versions || current_version;
                    next_event := next_event + event_counts[a];
                    CONTINUE;
                END IF;
                stream_bytes := int4send(octet_length(convert_to(streams[a], 'UTF8'))) || convert_to(streams[a], 'UTF8');
                FOR k IN 1 .. event_counts[a] LOOP
                    next_event := next_event + 1;
                    head_position := head_position + 1;
                    current_version := current_version + 1;
                    head_hash := sha256(head_hash || int8send(head_position) || int8send(current_version) || int8send(stamp)
                        || int4send(schema_versions[next_event]) || stream_bytes
                        || int4send(octet_length(convert_to(types[next_event], 'UTF8'))) || convert_to(types[next_event], 'UTF8')
                        || int4send(octet_length(data[next_event])) || data[next_event]
                        || int4send(octet_length(metadata[a])) || metadata[a]);
                    appended_appends := appended_appends || a;
                    appended_events := appended_events || next_event;
                    appended_versions := appended_versions || current_version;
                    appended_hashes := appended_hashes || head_hash;
                END LOOP;
                known_versions[slot] := current_version;
            END LOOP;
            IF head_position >= first_position THEN
                INSERT INTO events (position, stream_id, stream_version, type, schema_version, data, metadata, recorded_at, hash)
                SELECT first_position + n.ordinality - 1, streams[n.a], n.v, types[n.e], schema_versions[n.e], data[n.e],
                    metadata[n.a], stamp, n.h
                FROM unnest(appended_appends, appended_events, appended_versions, appended_hashes) WITH ORDINALITY
                    AS n (a, e, v, h, ordinality);
                UPDATE event_log_head SET last_position = head_position, last_hash = head_hash WHERE id = 1;
                PERFORM pg_notify('chat_log', head_position::TEXT);
            END IF;
            RETURN QUERY SELECT n.a, n.e, first_position + n.ordinality - 1, NULL::TEXT, n.v, NULL::TEXT, NULL::INT,
                    NULL::BYTEA, NULL::BYTEA, stamp, n.h, NULL::BIGINT
                FROM unnest(appended_appends, appended_events, appended_versions, appended_hashes) WITH ORDINALITY
                    AS n (a, e, v, h, ordinality)
                UNION ALL
                SELECT r.a, NULL::INT, NULL::BIGINT, NULL::TEXT, NULL::BIGINT, NULL::TEXT, NULL::INT, NULL::BYTEA,
                    NULL::BYTEA, NULL::BIGINT, NULL::BYTEA, r.v
                FROM unnest(refused_appends, refused_versions) AS r (a, v);
        END
        $$
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
