public import PostgresNIO

/// One SQL statement written in parts by different owners — the log's rows, a projection's —
/// each binding its values as it goes, so that the parts share one numbering of `$n`.
///
/// It lets an append and its projection go to the server as a single statement (one round
/// trip) without either knowing the other's SQL.
public struct StatementBuilder: Sendable {
    private var sql = ""
    private var binds = PostgresBindings()
    private var hasCommonTableExpressions = false

    public init() {}

    /// Appends SQL text. Values go through ``bind(_:)``, never into the text.
    public mutating func append(_ text: String) {
        sql += text
    }

    /// Adds `name AS (body)` to the statement's `WITH` list, starting it if this is the first.
    /// Parts written this way compose in any number, in any order of writers.
    public mutating func addCommonTableExpression(_ name: String, _ body: String) {
        sql += hasCommonTableExpressions ? ",\n" : "WITH "
        sql += "\(name) AS (\(body))"
        hasCommonTableExpressions = true
    }

    /// Binds `value` and returns its placeholder (`$n`) for the text.
    public mutating func bind<Value: PostgresDynamicTypeEncodable>(_ value: Value) -> String {
        binds.append(value)
        return "$\(binds.count)"
    }

    public var query: PostgresQuery { PostgresQuery(unsafeSQL: sql, binds: binds) }
}
