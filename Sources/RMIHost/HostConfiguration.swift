public import CCAArch

/// What the host knows about its machine before it talks to the RMM.
public struct HostConfiguration: Sendable {
    /// The RMI granule size the host configures (RMM_CONFIG_SET) and delegates in: the host's page size.
    public var granuleSize: GranuleSize
    /// Every DRAM region of the machine: bring-up checks each is tracked FINE and CONVENTIONAL and has an L1 GPT.
    public var dramRegions: [GranuleRange]
    /// Retry and continuation budgets.
    public var retryPolicy: RetryPolicy

    public init(granuleSize: GranuleSize = .size4KB, dramRegions: [GranuleRange], retryPolicy: RetryPolicy = .init()) {
        self.granuleSize = granuleSize
        self.dramRegions = dramRegions
        self.retryPolicy = retryPolicy
    }
}
