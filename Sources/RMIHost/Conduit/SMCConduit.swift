public import CCAArch

/// One SMC from the host's CPU: the choke point every RMI call of this library goes through.
///
/// The platform provides the real one (an SMC routed through EL3 to the RMM on a simulated CPU); tests provide
/// scripted doubles and assert the exact trace of SMCs. Tracing and fault injection belong in implementations of
/// this protocol and nowhere else in the library.
public protocol SMCConduit: Sendable {
    /// Issues one SMC with `arguments` (X0 = the function ID) and returns X0..X4 as the callee left them.
    func smc(_ arguments: SMCArguments) -> SMCReturn
}

/// A Non-secure memory access by the host failed (a granule protection fault, or no memory there).
///
/// A plumbing failure: thrown by `HostMemory`, never an outcome the RMI defines.
@frozen
public struct HostMemoryError: Error, Hashable, Sendable {
    /// The first address the access could not reach.
    public var address: PhysicalAddress

    @inlinable
    public init(address: PhysicalAddress) { self.address = address }
}

/// The host's own (Non-secure) accesses to physical memory.
///
/// The library needs them for the structures the RMI reads or writes through a physical address: the RmiRmmConfig
/// page of RMI_RMM_CONFIG_SET (rmi-abi.md section 7) and the RMI Address Lists of RMI_OP_MEM_DONATE and
/// RMI_OP_MEM_RECLAIM (sro.md section 5). A failed access throws and changes nothing.
public protocol HostMemory: Sendable {
    /// Writes `bytes` starting at `address`, as the Non-secure world.
    func write(_ bytes: [UInt8], at address: PhysicalAddress) throws(HostMemoryError)
    /// Reads `count` bytes starting at `address`, as the Non-secure world.
    func read(_ count: Int, at address: PhysicalAddress) throws(HostMemoryError) -> [UInt8]
    /// Writes 64-bit little-endian words; the default goes through `write(_:at:)` byte by byte, and a memory that
    /// stores words can do better.
    func writeWords(_ words: [UInt64], at address: PhysicalAddress) throws(HostMemoryError)
    /// Reads `count` 64-bit little-endian words; the default goes through `read(_:at:)`.
    func readWords(_ count: Int, at address: PhysicalAddress) throws(HostMemoryError) -> [UInt64]
}

extension HostMemory {
    /// Writes 64-bit words, little-endian (the byte order of the RMI's in-memory structures on AArch64).
    public func writeWords(_ words: [UInt64], at address: PhysicalAddress) throws(HostMemoryError) {
        var bytes: [UInt8] = []
        bytes.reserveCapacity(words.count * 8)
        for word in words {
            for index in 0..<8 { bytes.append(UInt8(truncatingIfNeeded: word >> UInt64(8 * index))) }
        }
        try write(bytes, at: address)
    }

    /// Reads `count` 64-bit little-endian words.
    public func readWords(_ count: Int, at address: PhysicalAddress) throws(HostMemoryError) -> [UInt64] {
        let bytes = try read(count * 8, at: address)
        precondition(bytes.count == count * 8, "HostMemory.read returned the wrong number of bytes")
        var words: [UInt64] = []
        words.reserveCapacity(count)
        for start in stride(from: 0, to: bytes.count, by: 8) {
            var word: UInt64 = 0
            for index in 0..<8 { word |= UInt64(bytes[start + index]) << UInt64(8 * index) }
            words.append(word)
        }
        return words
    }
}
