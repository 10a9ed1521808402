import Foundation

/// The partial match `rmm run` applies between a scenario's `expect` object and the response.
///
/// - Every key of an expected object must be present in the actual object with a matching value; other keys of
///   the actual object are ignored.
/// - Arrays must have the same length, and their elements match pairwise by these same rules (so objects inside
///   arrays match partially too).
/// - Strings compare exactly, case included. The server writes hexadecimal in lowercase, so expected quantities
///   must be written in lowercase (`"0xc4000150"`, not `"0xC4000150"`).
/// - Numbers compare by value; `true` and `false` match only booleans; `null` matches only `null`.
enum ExpectationMatcher {
    /// One difference: where it is (`x[0]`, `fault.kind`) and the two values as JSON text.
    struct Difference: Equatable {
        let path: String
        let expected: String
        /// The actual value, or `nil` where the key is missing.
        let actual: String?
        /// Whether the two values are of different JSON types (a string against a number, say).
        var typesDiffer = false

        /// One line for a person: where, what was expected, what came. Values of different types are named with
        /// their types (`expected the string "0x5", got the number 15`), since they can look alike.
        var explanation: String {
            let place = path.isEmpty ? "the response" : path
            guard let actual else { return "\(place): expected \(expected), got nothing (the key is missing)" }
            guard typesDiffer else { return "\(place): expected \(expected), got \(actual)" }
            return "\(place): expected \(expected), got \(actual) (a value of another JSON type never matches)"
        }
    }

    /// Every difference between `expected` and `actual`, in document order; empty when they match.
    static func differences(expected: Any, actual: Any?, path: String = "") -> [Difference] {
        guard let actual else {
            return [Difference(path: path, expected: ServeJSON.encodeParsed(expected), actual: nil)]
        }
        if let expectedObject = expected as? [String: Any], let actualObject = actual as? [String: Any] {
            return expectedObject.keys.sorted().flatMap { key in
                differences(
                    expected: expectedObject[key] as Any, actual: actualObject[key],
                    path: path.isEmpty ? key : path + "." + key)
            }
        }
        if let expectedArray = expected as? [Any], let actualArray = actual as? [Any],
            expectedArray.count == actualArray.count
        {
            return zip(expectedArray, actualArray).enumerated().flatMap { index, pair in
                differences(expected: pair.0, actual: pair.1, path: path + "[\(index)]")
            }
        }
        guard equalScalars(expected, actual) else {
            let expectedType = typeName(expected)
            let actualType = typeName(actual)
            guard expectedType == actualType else {
                return [
                    Difference(
                        path: path, expected: "\(expectedType) \(ServeJSON.encodeParsed(expected))",
                        actual: "\(actualType) \(ServeJSON.encodeParsed(actual))", typesDiffer: true)
                ]
            }
            return [
                Difference(
                    path: path, expected: ServeJSON.encodeParsed(expected), actual: ServeJSON.encodeParsed(actual))
            ]
        }
        return []
    }

    /// The JSON type of a decoded value, with its article: `the string`, `the number`, `the boolean`, `the
    /// object`, `the array`, `the value` (for `null`).
    static func typeName(_ value: Any) -> String {
        switch value {
        case is String: "the string"
        case let number as NSNumber: ServeValues.isBoolean(number) ? "the boolean" : "the number"
        case is [String: Any]: "the object"
        case is [Any]: "the array"
        default: "the value"
        }
    }

    /// Whether two decoded JSON scalars are equal (containers of different shape are not).
    private static func equalScalars(_ expected: Any, _ actual: Any) -> Bool {
        switch (expected, actual) {
        case (let expected as String, let actual as String):
            return expected == actual
        case (is NSNull, is NSNull):
            return true
        case (let expected as NSNumber, let actual as NSNumber):
            guard ServeValues.isBoolean(expected) == ServeValues.isBoolean(actual) else { return false }
            return expected.isEqual(actual)
        default:
            return false
        }
    }
}
