/// A refused input: a stable `code` (returned on the wire), the field at fault if any, and a
/// message for people. The CLI adds the line number.
public struct InputError: Error, Equatable, Sendable, CustomStringConvertible {
    public var code: String
    public var field: String?
    public var message: String

    public init(code: String, field: String? = nil, message: String) {
        self.code = code
        self.field = field
        self.message = message
    }

    public var description: String {
        if let field { return "\(code): field \(field): \(message)" }
        return "\(code): \(message)"
    }

    static func missing(_ field: String) -> InputError {
        InputError(code: "missing_field", field: field, message: "required field is missing")
    }
}
