/// The C interface of swift-rmm: `@_cdecl` functions that `include/swift_rmm.h` declares.
///
/// Each export checks every argument and answers a return code, never a trap: a C caller can pass anything.
/// The structs the header defines are mirrored here (`_COptions`, `_CFault`, ...) with the same field order
/// and types; the header pins their sizes and offsets with `_Static_assert`, and the tests pin the mirrors'.

/// The return codes of the C interface (the header's `SRMM_OK`, `SRMM_FAULT_*` and `SRMM_ERR_*`).
enum ReturnCode: Int32, CaseIterable, Error {
    /// SRMM_OK (0).
    case ok = 0
    /// SRMM_FAULT_GPC (1): a memory access failed the granule protection check.
    case faultGPC = 1
    /// SRMM_FAULT_NOT_MEMORY (2): a memory access reached an address no DRAM backs.
    case faultNotMemory = 2
    /// SRMM_ERR_NULL_POINTER (-1).
    case nullPointer = -1
    /// SRMM_ERR_INVALID_ARGUMENT (-2).
    case invalidArgument = -2
    /// SRMM_ERR_INVALID_CPU (-3).
    case invalidCPU = -3
    /// SRMM_ERR_INVALID_LENGTH (-4).
    case invalidLength = -4
    /// SRMM_ERR_INVALID_CONFIGURATION (-5).
    case invalidConfiguration = -5
    /// SRMM_ERR_UNKNOWN_FAULT (-6).
    case unknownFault = -6
    /// SRMM_ERR_PLATFORM (-7).
    case platform = -7
    /// SRMM_ERR_ACTIVATION (-8).
    case activation = -8
    /// SRMM_ERR_BUFFER_TOO_SMALL (-9).
    case bufferTooSmall = -9
    /// SRMM_ERR_LIBRARY (-10): the C library did not load, or was not built with swift_rmm_linux.h.
    case library = -10
    /// SRMM_ERR_SYMBOL (-11): the library has no such symbol.
    case symbol = -11
    /// SRMM_ERR_SHAPE (-12): the function does not have the shape it was given.
    case shape = -12
    /// SRMM_ERR_OUTSIDE_MEMORY (-13): the function accessed memory that is not the host's.
    case outsideMemory = -13

    /// The text `srmm_error_string` gives.
    var message: StaticString {
        switch self {
        case .ok: "success"
        case .faultGPC: "the access failed the granule protection check"
        case .faultNotMemory: "the access reached an address with no memory behind it"
        case .nullPointer: "a required pointer argument is NULL"
        case .invalidArgument: "an argument is outside its domain (enum value, flag or count)"
        case .invalidCPU: "the CPU index is outside the platform's CPUs"
        case .invalidLength: "the byte count or region count is out of range"
        case .invalidConfiguration: "the platform options describe a machine the model cannot build"
        case .unknownFault:
            "unknown fault name: expected busy, blocked, zero_progress, el3_refuse, el3_busy, irq or clear"
        case .platform: "the host could not reserve memory for the machine"
        case .activation: "the host bring-up sequence failed"
        case .bufferTooSmall: "the buffer is too small for the text; it holds a truncated copy"
        case .library: "the C library did not load, or was not built with swift_rmm_linux.h"
        case .symbol: "the C library has no such symbol"
        case .shape: "the C function does not have the shape it was given"
        case .outsideMemory: "the C function accessed memory that is not the host's"
        }
    }
}

/// The limits the header publishes.
enum Limits {
    /// SRMM_MAX_ACCESS_LENGTH: the largest byte count of one srmm_read or srmm_write (16 MiB).
    static let maximumAccessLength: UInt = 16 << 20
    /// SRMM_MAX_REGIONS: the most DRAM or MMIO regions the options may list.
    static let maximumRegions: UInt64 = 64
    /// SRMM_MAX_GRANULES_PER_CALL: the most granules one srmm_granules call reads (1 Mi, 4 GiB of 4 KB granules).
    static let maximumGranulesPerCall: UInt = 1 << 20
    /// The most violations srmm_check reports.
    static let maximumViolations = 64
}
