import Foundation

/// One parsed request object, with typed access to its fields.
///
/// A field holding JSON `null` counts as absent. Which fields an operation takes is `ServeOperation`'s business;
/// `rmm run` removes a scenario's `expect` before the request gets here. Every accessor throws a one-line
/// `ServeRequestError` naming the field.
struct ServeRequest {
    /// The request's members as `JSONSerialization` decoded them.
    let fields: [String: Any]

    /// The member `key`, or `nil` when it is absent or `null`.
    func value(_ key: String) -> Any? {
        guard let value = fields[key], !(value is NSNull) else { return nil }
        return value
    }

    /// A required string field.
    func string(_ key: String) throws(ServeRequestError) -> String {
        guard let value = value(key) else { throw ServeRequestError("missing field '\(key)'") }
        guard let text = value as? String else { throw ServeRequestError("field '\(key)': expected a string") }
        return text
    }

    /// A required 64-bit quantity (`ServeValues.quantity(_:field:)`).
    func quantity(_ key: String) throws(ServeRequestError) -> UInt64 {
        guard let value = value(key) else { throw ServeRequestError("missing field '\(key)'") }
        return try ServeValues.quantity(value, field: key)
    }

    /// A non-negative integer field no larger than `range.upperBound`, `defaultValue` when absent.
    func integer(
        _ key: String, in range: ClosedRange<Int>, default defaultValue: Int? = nil
    ) throws(ServeRequestError) -> Int {
        guard let value = value(key) else {
            guard let defaultValue else { throw ServeRequestError("missing field '\(key)'") }
            return defaultValue
        }
        let quantity: UInt64
        do {
            quantity = try ServeValues.quantity(value, field: key)
        } catch {
            if let number = value as? NSNumber, !ServeValues.isBoolean(number), number.stringValue.hasPrefix("-") {
                throw ServeRequestError("field '\(key)': must not be negative")
            }
            throw error
        }
        guard quantity >= UInt64(range.lowerBound), quantity <= UInt64(range.upperBound) else {
            throw ServeRequestError("field '\(key)': \(quantity) is outside \(range.lowerBound)...\(range.upperBound)")
        }
        return Int(quantity)
    }

    /// A required array field.
    func array(_ key: String) throws(ServeRequestError) -> [Any] {
        guard let value = value(key) else { throw ServeRequestError("missing field '\(key)'") }
        guard let elements = value as? [Any] else { throw ServeRequestError("field '\(key)': expected an array") }
        return elements
    }

    /// The optional `cpu` field: a host CPU index of this machine, 0 when absent.
    ///
    /// Checked here, before any call: `Machine.smc(_:cpu:)` traps on an index out of range.
    func cpu(count: Int) throws(ServeRequestError) -> Int {
        guard let value = value("cpu") else { return 0 }
        let index: UInt64
        do {
            index = try ServeValues.quantity(value, field: "cpu")
        } catch {
            throw ServeRequestError("field 'cpu': expected a CPU index from 0 to \(count - 1)")
        }
        guard index < UInt64(count) else {
            throw ServeRequestError("field 'cpu': CPU \(index) does not exist (the machine has \(count))")
        }
        return Int(index)
    }
}
