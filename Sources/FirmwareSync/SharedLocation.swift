/// A word of shared memory the firmware steps on: what it is, and where.
///
/// Two steps conflict when they name the same location and one of them writes. Locations are descriptive, not
/// addresses of host memory, so a schedule printed by a checker reads in the firmware's own terms.
@frozen
public struct SharedLocation: Hashable, Sendable {
    /// The kind of word.
    public enum Kind: UInt8, Sendable {
        /// An RMM granule word (state, reference count, lock bit); `address` is the granule's PA.
        case granule
        /// A tracking region's state; `address` is the region's base.
        case trackingState
        /// A tracking region's user count and transition bit; `address` is the region's base.
        case trackingUsers
        /// The single unit of a COARSE tracking region; `address` is the region's base.
        case coarseUnit
        /// A stateful-operation context word; `address` is the context index.
        case operationContext
        /// The RMM's record of one L0 region's L1 GPT table; `address` is the L0 region's base.
        case gptL1Directory
        /// The RMM's lifecycle word.
        case rmmLifecycle
        /// One word of the VMID bitmap; `address` is the word index.
        case vmidBitmap
        /// One word of EL3's GPT bit locks; `address` is the lock index the step is about.
        case gptLock
        /// The number of RMI commands a CPU is inside now; `address` is the CPU index.
        case commandsInFlight
    }

    public var kind: Kind
    public var address: UInt64

    @inlinable
    public init(_ kind: Kind, _ address: UInt64 = 0) {
        self.kind = kind
        self.address = address
    }
}

extension SharedLocation: CustomStringConvertible {
    public var description: String {
        let hex = "0x" + String(address, radix: 16)
        switch kind {
        case .granule: return "granule " + hex
        case .trackingState: return "tracking state of region " + hex
        case .trackingUsers: return "users of region " + hex
        case .coarseUnit: return "coarse unit of region " + hex
        case .operationContext: return "operation context " + String(address)
        case .gptL1Directory: return "L1 directory entry of L0 region " + hex
        case .rmmLifecycle: return "RMM lifecycle"
        case .vmidBitmap: return "VMID bitmap word " + String(address)
        case .gptLock: return "GPT lock " + String(address)
        case .commandsInFlight: return "commands in flight on cpu " + String(address)
        }
    }
}

/// What one shared-memory step does to its location.
public enum SharedAccess: UInt8, Sendable {
    case load
    case store
    /// A compare-and-exchange, fetch-and-op or exchange: reads and may write.
    case readModifyWrite
}
