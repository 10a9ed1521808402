/// The general-purpose registers an SMC carries in: X0 (the function ID) and X1..X6.
///
/// SMCCC allows more argument registers; no RMI v2.0 command uses more than X6.
@frozen
public struct SMCArguments: Hashable, Sendable {
    public var x0: UInt64
    public var x1: UInt64
    public var x2: UInt64
    public var x3: UInt64
    public var x4: UInt64
    public var x5: UInt64
    public var x6: UInt64

    @inlinable
    public init(
        _ x0: UInt64, _ x1: UInt64 = 0, _ x2: UInt64 = 0, _ x3: UInt64 = 0, _ x4: UInt64 = 0, _ x5: UInt64 = 0,
        _ x6: UInt64 = 0
    ) {
        (self.x0, self.x1, self.x2, self.x3, self.x4, self.x5, self.x6) = (x0, x1, x2, x3, x4, x5, x6)
    }

    /// Register `index` (0...6).
    @inlinable
    public subscript(index: Int) -> UInt64 {
        get {
            switch index {
            case 0: x0
            case 1: x1
            case 2: x2
            case 3: x3
            case 4: x4
            case 5: x5
            case 6: x6
            default: preconditionFailure("SMC argument register index out of 0...6")
            }
        }
        set {
            switch index {
            case 0: x0 = newValue
            case 1: x1 = newValue
            case 2: x2 = newValue
            case 3: x3 = newValue
            case 4: x4 = newValue
            case 5: x5 = newValue
            case 6: x6 = newValue
            default: preconditionFailure("SMC argument register index out of 0...6")
            }
        }
    }

    /// Number of argument registers.
    @inlinable public static var count: Int { 7 }
}

/// The registers an SMC returns: X0 (the result) and X1..X4.
@frozen
public struct SMCReturn: Hashable, Sendable {
    public var x0: UInt64
    public var x1: UInt64
    public var x2: UInt64
    public var x3: UInt64
    public var x4: UInt64

    @inlinable
    public init(_ x0: UInt64, _ x1: UInt64 = 0, _ x2: UInt64 = 0, _ x3: UInt64 = 0, _ x4: UInt64 = 0) {
        (self.x0, self.x1, self.x2, self.x3, self.x4) = (x0, x1, x2, x3, x4)
    }

    /// SMCCC's NOT_SUPPORTED (-1 in X0): the answer to a function ID that nothing implements.
    @inlinable public static var notSupported: SMCReturn { SMCReturn(~0) }

    /// Register `index` (0...4).
    @inlinable
    public subscript(index: Int) -> UInt64 {
        switch index {
        case 0: x0
        case 1: x1
        case 2: x2
        case 3: x3
        case 4: x4
        default: preconditionFailure("SMC return register index out of 0...4")
        }
    }

    /// Number of return registers.
    @inlinable public static var count: Int { 5 }
}
