public import CCAArch

/// What the host knows about its machine before it talks to the RMM.
public struct HostConfiguration: Sendable {
    /// The RMI granule size the host configures (RMM_CONFIG_SET) and delegates in: the host's page size.
    public var granuleSize: GranuleSize
    /// Every DRAM region of the machine: bring-up checks each is tracked FINE and CONVENTIONAL and has an L1 GPT.
    public var dramRegions: [GranuleRange]
    /// Retry and continuation budgets.
    public var retryPolicy: RetryPolicy
    /// The tracking_region_size encoding bring-up writes into RmiRmmConfig (rmi-abi.md section 7, bet3.md
    /// section 2): for 4 KB granules 0 selects 1 GB regions (what Linux writes) and 1 selects 2 MB regions.
    /// An encoding the RMM does not accept makes RMI_RMM_CONFIG_SET, and so bring-up, fail with ERROR_INPUT.
    public var trackingRegionSizeEncoding: UInt64
    /// Whether the host supplies the RMM's tracking metadata (bet3.md section 3): bring-up then makes every tracking
    /// region of its DRAM that the RMM left COARSE or NONE FINE with RMI_GRANULE_TRACKING_SET, donating the
    /// metadata, and bootstraps from one whole COARSE region when nothing is FINE yet. When `false` (the default,
    /// what Linux does) a region that is not FINE stops bring-up.
    public var suppliesTrackingMetadata: Bool

    public init(
        granuleSize: GranuleSize = .size4KB, dramRegions: [GranuleRange], retryPolicy: RetryPolicy = .init(),
        trackingRegionSizeEncoding: UInt64 = 0, suppliesTrackingMetadata: Bool = false
    ) {
        self.granuleSize = granuleSize
        self.dramRegions = dramRegions
        self.retryPolicy = retryPolicy
        self.trackingRegionSizeEncoding = trackingRegionSizeEncoding
        self.suppliesTrackingMetadata = suppliesTrackingMetadata
    }
}
