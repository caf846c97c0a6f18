/// Any JSON value, as ``JSONParser`` reads it: a number is never a boolean and vice versa;
/// a number without fraction or exponent that fits 64 bits is an `integer`.
enum JSONValue: Equatable, Sendable {
    case null
    case bool(Bool)
    case integer(Int64)
    case number(Double)
    case string(String)
    case array([JSONValue])
    case object([String: JSONValue])
}
