/// A C range function to explore: where it lives, its signature, and what it does to the range.
public struct CHostFunction: @unchecked Sendable {
    /// The C signature.
    public enum Shape: String, CaseIterable, Hashable, Sendable {
        /// `int NAME(phys_addr_t base, unsigned long size)`: 0 means the whole range moved.
        case linuxRange = "linux-range"
        /// `int NAME(phys_addr_t base, unsigned long size, phys_addr_t *out_top)`: `[base, *out_top)` moved.
        case linuxRangeOut = "linux-range-out"
    }

    /// Which way the function moves the range.
    public enum Operation: String, CaseIterable, Hashable, Sendable {
        /// Non-secure to delegated: the range starts Non-secure.
        case delegate
        /// Delegated to Non-secure: the range starts delegated.
        case undelegate
    }

    /// A function's address in a loaded library.
    @safe
    public struct Pointer: @unchecked Sendable {
        let address: UnsafeRawPointer
    }

    /// The library (kept loaded while the function is in use).
    public let library: CHostLibrary
    public let symbol: String
    public let pointer: Pointer
    public let shape: Shape
    public let operation: Operation

    /// Looks `symbol` up in `library`.
    public init(library: CHostLibrary, symbol: String, shape: Shape, operation: Operation) throws(CHostError) {
        self.library = library
        self.symbol = symbol
        self.pointer = try library.function(named: symbol)
        self.shape = shape
        self.operation = operation
    }

    /// `NAME(base, size)` or `NAME(base, size, &out_top)`, as the report names the call.
    public var callDescription: String {
        shape == .linuxRange ? "\(symbol)(base, size)" : "\(symbol)(base, size, &out_top)"
    }
}
