public import CCAArch

/// What the RMM needs from the machine it runs on. The platform implements it; each method is that platform's
/// choke point for one boundary (RMM-to-EL3 calls, memory accesses), where tracing and fault injection live.
///
/// Memory accesses name the physical address space they use: the RMM reads host structures through the
/// Non-secure PAS and scrubs or fills granules through the Realm PAS, and every access passes the granule
/// protection check. A `false` / `nil` answer is a failed check (or a PA with no memory).
public protocol RMMPlatformPort: AnyObject, Sendable {
    /// An SMC from the RMM (Realm world) to EL3 on `cpu`.
    func el3Call(_ call: SMCArguments, cpu: Int) -> SMCReturn

    /// Reads the 64-bit little-endian word at `pa` (8-byte aligned) through `space`.
    func read64(_ pa: PhysicalAddress, space: SecurityState) -> UInt64?

    /// Writes the 64-bit little-endian word at `pa` (8-byte aligned) through `space`.
    func write64(_ value: UInt64, at pa: PhysicalAddress, space: SecurityState) -> Bool

    /// Zeroes `[base, base + byteCount)` through `space`: the RMM's scrub before memory leaves the Realm PAS.
    func zero(_ base: PhysicalAddress, byteCount: UInt64, space: SecurityState) -> Bool

    /// Copies `byteCount` bytes from `source` (read through `sourceSpace`) to `destination` (written through
    /// `destinationSpace`).
    func copy(
        from source: PhysicalAddress, space sourceSpace: SecurityState, to destination: PhysicalAddress,
        space destinationSpace: SecurityState, byteCount: UInt64
    ) -> Bool

    /// Whether an interrupt is pending on `cpu`, so a long command should yield.
    func isInterruptPending(cpu: Int) -> Bool

    /// Zero-filled memory for the RMM's own metadata (granule tables), owned by the RMM for the rest of its life.
    /// Implementations should back it lazily: untouched metadata costs nothing.
    func allocateMetadata(byteCount: Int) -> MetadataMemory

    /// Takes back metadata memory `allocateMetadata` gave (the same block): RMI_RMM_DEACTIVATE discards its granule
    /// table once no CPU can reach it. The RMM never touches the memory again.
    func releaseMetadata(_ memory: MetadataMemory)

    /// The memory of `[base, base + byteCount)` for the RMM to keep granule metadata in, reached through the Realm
    /// PAS: a block that stays valid while the machine lives, or `nil` if any of it is not DRAM or fails the
    /// Realm check. With host-supplied tracking metadata, a FINE region's granule words live in the granules the
    /// host donated (delegated, so Realm PAS), as realm objects live in theirs; the RMM asks once per donation.
    func metadataMemory(at base: PhysicalAddress, byteCount: UInt64) -> MetadataMemory?

    /// The RMM met a condition firmware would panic on (EL3 broke its contract on memory the RMM owns). The RMM
    /// halts after reporting it; the platform must make it loud.
    func fatal(_ reason: StaticString, address: PhysicalAddress)
}
