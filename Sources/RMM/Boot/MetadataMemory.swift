/// A block of memory the platform gives the RMM for granule metadata (`RMMPlatformPort`): where it starts and how
/// many bytes it holds. The one place a raw pointer crosses the port: making one is an unsafe promise by the
/// platform that the bytes stay valid and in place for as long as the RMM may use them. The RMM then reaches them
/// only through atomics (`GranuleWords`).
@safe
public struct MetadataMemory: @unchecked Sendable {
    // @unchecked: the bytes are shared between CPUs only through atomic operations.

    /// The first byte.
    public let base: UnsafeMutableRawPointer
    /// The size of the block in bytes.
    public let byteCount: Int

    /// The block of `byteCount` bytes at `base`, which the caller promises stays valid and unmoved while the RMM
    /// may use it (until `releaseMetadata` for allocated blocks; the machine's life for donated granules).
    @unsafe
    public init(base: UnsafeMutableRawPointer, byteCount: Int) {
        unsafe self.base = base
        self.byteCount = byteCount
    }
}
