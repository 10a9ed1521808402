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
            return [
                Difference(
                    path: path, expected: ServeJSON.encodeParsed(expected), actual: ServeJSON.encodeParsed(actual))
            ]
        }
        return []
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
