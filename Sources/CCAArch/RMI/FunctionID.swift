/// An SMC function identifier (the value in X0 of an SMC).
///
/// The RMI v2.0 commands are static members, each named after the spec's spelling, in DEN0137 Chapter B4.
/// SMCCC layout: bit 31 fast call, bit 30 SMC64, bits 29:24 owner (4 = Standard Secure Service), bits 15:0
/// function number. Every RMI FID is `0xC4000000 | n`. A struct rather than an enum: any 64-bit value can arrive
/// in X0, and an unknown one is carried as unknown, never a trap.
@frozen
public struct FunctionID: RawRepresentable, Hashable, Comparable, Sendable {
    public var rawValue: UInt64

    @inlinable
    public init(rawValue: UInt64) { self.rawValue = rawValue }

    @inlinable
    public init(_ rawValue: UInt64) { self.rawValue = rawValue }

    @inlinable
    public static func < (lhs: FunctionID, rhs: FunctionID) -> Bool { lhs.rawValue < rhs.rawValue }

    /// SMCCC 1.3's SVE hint (bit 16): the caller holds no live SVE state. Masked off before dispatch, once, by
    /// `init(dispatching:)` at the SMC router (EL3's dispatcher in firmware).
    @inlinable public static var sveHintBit: UInt64 { 1 << 16 }

    /// Whether the SVE hint is set.
    @inlinable
    public var hasSVEHint: Bool { rawValue & Self.sveHintBit != 0 }

    /// The function an SMCCC dispatcher sees in `x0`: W0 only (bits 63:32 ignored, as TF-A's dispatcher reads
    /// them), the SVE hint cleared.
    @inlinable
    public init(dispatching x0: UInt64) { self.rawValue = x0 & 0xFFFF_FFFF & ~Self.sveHintBit }

    /// The SMCCC function number, bits 15:0.
    @inlinable
    public var functionNumber: UInt16 { UInt16(truncatingIfNeeded: rawValue) }

    /// Whether the value has the shape of an SMC64 fast call to the Standard Secure Service owner
    /// (`0xC400_xxxx`, upper 32 bits zero).
    @inlinable
    public var isStandardSecureSMC64: Bool { rawValue & 0xFFFF_FFFF_FFFF_0000 == 0xC400_0000 }

    @inlinable
    static func rmi(_ number: UInt64) -> FunctionID { FunctionID(0xC400_0000 | number) }

    // MARK: Bring-up and global state (DEN0137 B4.5)

    /// RMI_VERSION, 0xC4000150: negotiate the interface revision.
    @inlinable public static var version: FunctionID { rmi(0x150) }
    /// RMI_FEATURES, 0xC4000165: read a feature register.
    @inlinable public static var features: FunctionID { rmi(0x165) }
    /// RMI_RMM_CONFIG_SET, 0xC400016E: configure the RMM before activation.
    @inlinable public static var rmmConfigSet: FunctionID { rmi(0x16E) }
    /// RMI_RMM_CONFIG_GET, 0xC40001EC: read the RMM configuration.
    @inlinable public static var rmmConfigGet: FunctionID { rmi(0x1EC) }
    /// RMI_RMM_STATE_GET, 0xC40001EE: read the RMM lifecycle state (2.0-bet3).
    @inlinable public static var rmmStateGet: FunctionID { rmi(0x1EE) }
    /// RMI_RMM_ACTIVATE, 0xC4000202: leave INIT for ACTIVE.
    @inlinable public static var rmmActivate: FunctionID { rmi(0x202) }
    /// RMI_RMM_DEACTIVATE, 0xC400020F: return from ACTIVE to INIT (2.0-bet3).
    @inlinable public static var rmmDeactivate: FunctionID { rmi(0x20F) }

    // MARK: Granules, tracking and the GPT

    /// RMI_GRANULE_TRACKING_GET, 0xC40001E1: read the tracking state of a range.
    @inlinable public static var granuleTrackingGet: FunctionID { rmi(0x1E1) }
    /// RMI_GRANULE_TRACKING_SET, 0xC40001E3: change the tracking state of a region.
    @inlinable public static var granuleTrackingSet: FunctionID { rmi(0x1E3) }
    /// RMI_GRANULE_RANGE_DELEGATE, 0xC40001F1: delegate `[base, top)` to the Realm PAS.
    @inlinable public static var granuleRangeDelegate: FunctionID { rmi(0x1F1) }
    /// RMI_GRANULE_RANGE_UNDELEGATE, 0xC40001F2: wipe `[base, top)` and return it to the Non-secure PAS.
    @inlinable public static var granuleRangeUndelegate: FunctionID { rmi(0x1F2) }
    /// RMI_GPT_L1_CREATE, 0xC40001F3: unfold an L0 GPT Block into a host-donated L1 table.
    @inlinable public static var gptL1Create: FunctionID { rmi(0x1F3) }
    /// RMI_GPT_L1_DESTROY, 0xC40001F4: fold a homogeneous L1 GPT table back into a Block.
    @inlinable public static var gptL1Destroy: FunctionID { rmi(0x1F4) }
    /// RMI_GPT_INFO, 0xC4000211: who manages the L1 GPT of an L0 region (2.0-bet3).
    @inlinable public static var gptInfo: FunctionID { rmi(0x211) }

    // MARK: Stateful operations

    /// RMI_OP_CONTINUE, 0xC4000203: drive an incomplete operation.
    @inlinable public static var opContinue: FunctionID { rmi(0x203) }
    /// RMI_OP_MEM_DONATE, 0xC4000208: give memory an incomplete operation asked for.
    @inlinable public static var opMemDonate: FunctionID { rmi(0x208) }
    /// RMI_OP_MEM_RECLAIM, 0xC4000209: take back memory an incomplete operation hands over.
    @inlinable public static var opMemReclaim: FunctionID { rmi(0x209) }
    /// RMI_OP_CANCEL, 0xC400020A: start rolling back an incomplete operation.
    @inlinable public static var opCancel: FunctionID { rmi(0x20A) }

    // MARK: Realms, RECs, RTTs, data

    /// RMI_REALM_ACTIVATE, 0xC4000157.
    @inlinable public static var realmActivate: FunctionID { rmi(0x157) }
    /// RMI_REALM_CREATE, 0xC4000158.
    @inlinable public static var realmCreate: FunctionID { rmi(0x158) }
    /// RMI_REALM_DESTROY, 0xC4000159.
    @inlinable public static var realmDestroy: FunctionID { rmi(0x159) }
    /// RMI_REALM_TERMINATE, 0xC4000201.
    @inlinable public static var realmTerminate: FunctionID { rmi(0x201) }
    /// RMI_REC_CREATE, 0xC400015A.
    @inlinable public static var recCreate: FunctionID { rmi(0x15A) }
    /// RMI_REC_DESTROY, 0xC400015B.
    @inlinable public static var recDestroy: FunctionID { rmi(0x15B) }
    /// RMI_REC_ENTER, 0xC400015C.
    @inlinable public static var recEnter: FunctionID { rmi(0x15C) }
    /// RMI_RTT_CREATE, 0xC400015D.
    @inlinable public static var rttCreate: FunctionID { rmi(0x15D) }
    /// RMI_RTT_DESTROY, 0xC400015E.
    @inlinable public static var rttDestroy: FunctionID { rmi(0x15E) }
    /// RMI_RTT_READ_ENTRY, 0xC4000161.
    @inlinable public static var rttReadEntry: FunctionID { rmi(0x161) }
    /// RMI_RTT_DATA_MAP_INIT, 0xC4000153: copy a Non-secure page into a new DATA granule.
    @inlinable public static var rttDataMapInit: FunctionID { rmi(0x153) }
    /// RMI_RTT_DATA_MAP, 0xC40001F5.
    @inlinable public static var rttDataMap: FunctionID { rmi(0x1F5) }
    /// RMI_RTT_DATA_UNMAP, 0xC40001F6.
    @inlinable public static var rttDataUnmap: FunctionID { rmi(0x1F6) }
    /// RMI_RTT_FOLD, 0xC4000166.
    @inlinable public static var rttFold: FunctionID { rmi(0x166) }
    /// RMI_RTT_INIT_RIPAS, 0xC4000168.
    @inlinable public static var rttInitRIPAS: FunctionID { rmi(0x168) }
    /// RMI_RTT_SET_RIPAS, 0xC4000169.
    @inlinable public static var rttSetRIPAS: FunctionID { rmi(0x169) }
    /// RMI_RTT_SET_S2AP, 0xC400018B.
    @inlinable public static var rttSetS2AP: FunctionID { rmi(0x18B) }
    /// RMI_RTT_UNPROT_MAP, 0xC40001FB.
    @inlinable public static var rttUnprotMap: FunctionID { rmi(0x1FB) }
    /// RMI_RTT_UNPROT_UNMAP, 0xC40001FC.
    @inlinable public static var rttUnprotUnmap: FunctionID { rmi(0x1FC) }
    /// RMI_PSCI_COMPLETE, 0xC4000164.
    @inlinable public static var psciComplete: FunctionID { rmi(0x164) }
    /// RMI_ATTEST_PLAT_TOKEN_REFRESH, 0xC4000170.
    @inlinable public static var attestPlatTokenRefresh: FunctionID { rmi(0x170) }
}

extension FunctionID {
    /// An RMI v2.0 command: its FID and its spec name.
    public struct Command: Sendable {
        public let id: FunctionID
        /// The spec's spelling, e.g. `RMI_GRANULE_RANGE_DELEGATE`.
        public let name: StaticString
    }

    /// Every RMI v2.0 command of the reference table, in FID order (DEN0137 2.0, the bet3 additions included).
    ///
    /// The RMI v1.x IDs removed in v2.0 (GRANULE_DELEGATE 0x151, GRANULE_UNDELEGATE 0x152, ...) are not listed:
    /// an RMM answers them SMCCC NOT_SUPPORTED.
    public static let rmiCommands: [Command] = [
        Command(id: .version, name: "RMI_VERSION"),
        Command(id: .rttDataMapInit, name: "RMI_RTT_DATA_MAP_INIT"),
        Command(id: .realmActivate, name: "RMI_REALM_ACTIVATE"),
        Command(id: .realmCreate, name: "RMI_REALM_CREATE"),
        Command(id: .realmDestroy, name: "RMI_REALM_DESTROY"),
        Command(id: .recCreate, name: "RMI_REC_CREATE"),
        Command(id: .recDestroy, name: "RMI_REC_DESTROY"),
        Command(id: .recEnter, name: "RMI_REC_ENTER"),
        Command(id: .rttCreate, name: "RMI_RTT_CREATE"),
        Command(id: .rttDestroy, name: "RMI_RTT_DESTROY"),
        Command(id: .rttReadEntry, name: "RMI_RTT_READ_ENTRY"),
        Command(id: rmi(0x163), name: "RMI_RTT_DEV_VALIDATE"),
        Command(id: .psciComplete, name: "RMI_PSCI_COMPLETE"),
        Command(id: .features, name: "RMI_FEATURES"),
        Command(id: .rttFold, name: "RMI_RTT_FOLD"),
        Command(id: .rttInitRIPAS, name: "RMI_RTT_INIT_RIPAS"),
        Command(id: .rttSetRIPAS, name: "RMI_RTT_SET_RIPAS"),
        Command(id: rmi(0x16A), name: "RMI_VSMMU_CREATE"),
        Command(id: rmi(0x16B), name: "RMI_VSMMU_DESTROY"),
        Command(id: .rmmConfigSet, name: "RMI_RMM_CONFIG_SET"),
        Command(id: rmi(0x16F), name: "RMI_PSMMU_IRQ_NOTIFY"),
        Command(id: .attestPlatTokenRefresh, name: "RMI_ATTEST_PLAT_TOKEN_REFRESH"),
        Command(id: rmi(0x174), name: "RMI_PDEV_ABORT"),
        Command(id: rmi(0x175), name: "RMI_PDEV_COMMUNICATE"),
        Command(id: rmi(0x176), name: "RMI_PDEV_CREATE"),
        Command(id: rmi(0x177), name: "RMI_PDEV_DESTROY"),
        Command(id: rmi(0x178), name: "RMI_PDEV_GET_STATE"),
        Command(id: rmi(0x17A), name: "RMI_PDEV_STREAM_KEY_REFRESH"),
        Command(id: rmi(0x17B), name: "RMI_PDEV_SET_PUBKEY"),
        Command(id: rmi(0x17C), name: "RMI_PDEV_STOP"),
        Command(id: rmi(0x17D), name: "RMI_RTT_AUX_CREATE"),
        Command(id: rmi(0x17E), name: "RMI_RTT_AUX_DESTROY"),
        Command(id: rmi(0x17F), name: "RMI_RTT_AUX_FOLD"),
        Command(id: rmi(0x185), name: "RMI_VDEV_ABORT"),
        Command(id: rmi(0x186), name: "RMI_VDEV_COMMUNICATE"),
        Command(id: rmi(0x187), name: "RMI_VDEV_CREATE"),
        Command(id: rmi(0x188), name: "RMI_VDEV_DESTROY"),
        Command(id: rmi(0x189), name: "RMI_VDEV_GET_STATE"),
        Command(id: rmi(0x18A), name: "RMI_VDEV_UNLOCK"),
        Command(id: .rttSetS2AP, name: "RMI_RTT_SET_S2AP"),
        Command(id: rmi(0x18E), name: "RMI_VDEV_COMPLETE"),
        Command(id: rmi(0x1D0), name: "RMI_VDEV_GET_INTERFACE_REPORT"),
        Command(id: rmi(0x1D1), name: "RMI_VDEV_GET_MEASUREMENTS"),
        Command(id: rmi(0x1D2), name: "RMI_VDEV_LOCK"),
        Command(id: rmi(0x1D3), name: "RMI_VDEV_START"),
        Command(id: rmi(0x1D6), name: "RMI_VSMMU_EVENT_HANDLE"),
        Command(id: rmi(0x1D7), name: "RMI_PSMMU_ACTIVATE"),
        Command(id: rmi(0x1D8), name: "RMI_PSMMU_DEACTIVATE"),
        Command(id: rmi(0x1DB), name: "RMI_PSMMU_ST_L2_CREATE"),
        Command(id: rmi(0x1DC), name: "RMI_PSMMU_ST_L2_DESTROY"),
        Command(id: rmi(0x1DD), name: "RMI_DPT_L0_CREATE"),
        Command(id: rmi(0x1DE), name: "RMI_DPT_L0_DESTROY"),
        Command(id: rmi(0x1DF), name: "RMI_DPT_L1_CREATE"),
        Command(id: rmi(0x1E0), name: "RMI_DPT_L1_DESTROY"),
        Command(id: .granuleTrackingGet, name: "RMI_GRANULE_TRACKING_GET"),
        Command(id: .granuleTrackingSet, name: "RMI_GRANULE_TRACKING_SET"),
        Command(id: .rmmConfigGet, name: "RMI_RMM_CONFIG_GET"),
        Command(id: .rmmStateGet, name: "RMI_RMM_STATE_GET"),
        Command(id: rmi(0x1F0), name: "RMI_PSMMU_EVENT_CONSUME"),
        Command(id: .granuleRangeDelegate, name: "RMI_GRANULE_RANGE_DELEGATE"),
        Command(id: .granuleRangeUndelegate, name: "RMI_GRANULE_RANGE_UNDELEGATE"),
        Command(id: .gptL1Create, name: "RMI_GPT_L1_CREATE"),
        Command(id: .gptL1Destroy, name: "RMI_GPT_L1_DESTROY"),
        Command(id: .rttDataMap, name: "RMI_RTT_DATA_MAP"),
        Command(id: .rttDataUnmap, name: "RMI_RTT_DATA_UNMAP"),
        Command(id: rmi(0x1F7), name: "RMI_RTT_DEV_MAP"),
        Command(id: rmi(0x1F8), name: "RMI_RTT_DEV_UNMAP"),
        Command(id: rmi(0x1F9), name: "RMI_RTT_ARCH_DEV_MAP"),
        Command(id: rmi(0x1FA), name: "RMI_RTT_ARCH_DEV_UNMAP"),
        Command(id: .rttUnprotMap, name: "RMI_RTT_UNPROT_MAP"),
        Command(id: .rttUnprotUnmap, name: "RMI_RTT_UNPROT_UNMAP"),
        Command(id: rmi(0x1FD), name: "RMI_RTT_AUX_PROT_MAP"),
        Command(id: rmi(0x1FE), name: "RMI_RTT_AUX_PROT_UNMAP"),
        Command(id: rmi(0x1FF), name: "RMI_RTT_AUX_UNPROT_MAP"),
        Command(id: rmi(0x200), name: "RMI_RTT_AUX_UNPROT_UNMAP"),
        Command(id: .realmTerminate, name: "RMI_REALM_TERMINATE"),
        Command(id: .rmmActivate, name: "RMI_RMM_ACTIVATE"),
        Command(id: .opContinue, name: "RMI_OP_CONTINUE"),
        Command(id: rmi(0x204), name: "RMI_PDEV_STREAM_CONNECT"),
        Command(id: rmi(0x205), name: "RMI_PDEV_STREAM_DISCONNECT"),
        Command(id: rmi(0x206), name: "RMI_PDEV_STREAM_COMPLETE"),
        Command(id: rmi(0x207), name: "RMI_PDEV_STREAM_KEY_PURGE"),
        Command(id: .opMemDonate, name: "RMI_OP_MEM_DONATE"),
        Command(id: .opMemReclaim, name: "RMI_OP_MEM_RECLAIM"),
        Command(id: .opCancel, name: "RMI_OP_CANCEL"),
        Command(id: rmi(0x20B), name: "RMI_VSMMU_FEATURES"),
        Command(id: rmi(0x20C), name: "RMI_VSMMU_CMD_GET"),
        Command(id: rmi(0x20D), name: "RMI_VSMMU_CMD_COMPLETE"),
        Command(id: rmi(0x20E), name: "RMI_PSMMU_INFO"),
        Command(id: .rmmDeactivate, name: "RMI_RMM_DEACTIVATE"),
        Command(id: rmi(0x210), name: "RMI_PDEV_STREAM_INFO"),
        Command(id: .gptInfo, name: "RMI_GPT_INFO"),
    ]

    /// The RMI v2.0 command with this ID, or `nil` for an unknown or removed ID. The ID is taken as it is: one
    /// read from X0 goes through `init(dispatching:)` first, as the router does.
    public var rmiCommand: Command? {
        let id = self
        guard id.isStandardSecureSMC64 else { return nil }
        // The table is sorted by FID: binary search keeps this allocation-free and O(log n).
        return Self.rmiCommands.sortedSearch { id < $0.id ? .before : id > $0.id ? .after : .match }
    }

    /// Whether this is an RMI v2.0 command ID.
    @inlinable
    public var isRMI: Bool { rmiCommand != nil }
}
