/*
 * swift_rmm.h: the C interface of swift-rmm, an executable model of Arm CCA memory delegation
 * (RMM v2.0, EL3 granule protection, host helpers).
 *
 * C host code (a Linux- or Xen-style helper loop) drives one simulated machine through these functions: the
 * same operations as the `rmm serve` JSON driver (docs/serve-protocol.md): SMCs from host CPUs, memory accesses by a
 * security state through the granule protection check, granule inspection, counters, fault injection and the
 * invariant checker.
 *
 * Linking: the library products are SwiftRMM (dynamic, libSwiftRMM.so / libSwiftRMM.dylib) and SwiftRMMStatic
 * (static). Build the dynamic one with `swift build --product SwiftRMM`; Examples/c-host shows a complete host.
 *
 * Errors: every function returns an int status. SRMM_OK (0) is success; negative values are SRMM_ERR_* codes
 * for a bad call (a null pointer, a CPU index out of range, a bad length, an unknown enum value or fault name,
 * an invalid platform description); positive values are outcomes of the model (a memory access that faulted).
 * No argument makes the library crash, except pointers that are not null yet do not point at what the
 * function expects (dangling, too short, a handle already destroyed): C cannot tell those apart.
 * A failed call changes no state of the platform and writes nothing through its output pointers unless its
 * documentation says otherwise.
 *
 * Thread safety: the model is thread safe. Every function below except srmm_platform_destroy may be called on
 * the same platform from several threads at once; in particular SMCs from different CPUs (and from the same
 * CPU) may run concurrently, as on a real machine, alongside memory accesses, srmm_granule, srmm_stats and
 * srmm_inject. A CPU's own counts (its SMCs, its EL3 calls and their maintenance, in srmm_stats and
 * srmm_cpu_stats) are kept without atomic read-modify-writes, since a real CPU runs one SMC at a time: they are
 * exact when each CPU index is used by one thread at a time, and may come out short, nothing worse, when two
 * threads issue SMCs on one CPU index at once. srmm_check reports stale runs if CPUs change granules while it
 * reads: call it at quiescent points. srmm_platform_destroy must not run concurrently with any other call on the
 * same platform, and the handle must not be used after it. Different platforms are independent.
 * srmm_options_init, srmm_status_name and srmm_error_string touch no platform and are always safe.
 */
#ifndef SWIFT_RMM_H
#define SWIFT_RMM_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/* ---------------------------------------------------------------------------------------------------------- */
/* Return codes                                                                                               */
/* ---------------------------------------------------------------------------------------------------------- */

/** Success. */
#define SRMM_OK 0
/** srmm_read / srmm_write: the granule protection check failed; the fault struct says where and why. */
#define SRMM_FAULT_GPC 1
/** srmm_read / srmm_write: the access reached an address with no DRAM behind it (a hole or MMIO). */
#define SRMM_FAULT_NOT_MEMORY 2

/** A required pointer argument is NULL. */
#define SRMM_ERR_NULL_POINTER (-1)
/** An argument has a value outside its domain: an unknown enum value, a flag other than 0 or 1, a count too big. */
#define SRMM_ERR_INVALID_ARGUMENT (-2)
/** A CPU index outside 0 .. cpus-1 of the platform. */
#define SRMM_ERR_INVALID_CPU (-3)
/** A byte count of 0 or above SRMM_MAX_ACCESS_LENGTH, or a region count above SRMM_MAX_REGIONS. */
#define SRMM_ERR_INVALID_LENGTH (-4)
/** The platform options describe a machine the model cannot build (see the CLI's validation messages). */
#define SRMM_ERR_INVALID_CONFIGURATION (-5)
/** srmm_inject: a fault name the serve protocol does not define. */
#define SRMM_ERR_UNKNOWN_FAULT (-6)
/** The host could not reserve memory for the machine. */
#define SRMM_ERR_PLATFORM (-7)
/** srmm_platform_create with activate = 1: the host bring-up sequence failed. */
#define SRMM_ERR_ACTIVATION (-8)
/** srmm_check: the text did not fit; the buffer holds a NUL-terminated prefix and the count is exact. */
#define SRMM_ERR_BUFFER_TOO_SMALL (-9)

/** srmm_explore: the C library did not load, or was not built with swift_rmm_linux.h. */
#define SRMM_ERR_LIBRARY (-10)
/** srmm_explore: the C library has no such symbol. */
#define SRMM_ERR_SYMBOL (-11)
/** srmm_explore: the function does not have the shape it was given (see docs/c-host.md). */
#define SRMM_ERR_SHAPE (-12)
/** srmm_explore: the function accessed memory that is not the host's (a null or wild pointer). */
#define SRMM_ERR_OUTSIDE_MEMORY (-13)

/** The largest byte count one srmm_read or srmm_write accepts (16 MiB). */
#define SRMM_MAX_ACCESS_LENGTH ((size_t)16 * 1024 * 1024)
/** The most DRAM or MMIO regions srmm_options may list. */
#define SRMM_MAX_REGIONS 64
/** The most granules one srmm_granules call reads (1 Mi: 4 GiB of 4 KB granules). */
#define SRMM_MAX_GRANULES_PER_CALL ((size_t)1 << 20)

/* ---------------------------------------------------------------------------------------------------------- */
/* Values                                                                                                     */
/* ---------------------------------------------------------------------------------------------------------- */

/** A security state (physical address space), numbered as the architecture numbers the PAS. */
typedef enum srmm_world {
    SRMM_WORLD_SECURE = 0,     /**< Secure PAS. */
    SRMM_WORLD_NS = 1,         /**< Non-secure PAS: the host. */
    SRMM_WORLD_ROOT = 2,       /**< Root PAS: EL3 firmware. */
    SRMM_WORLD_REALM = 3,      /**< Realm PAS: realms and the RMM. */
} srmm_world;

/** What a failed memory access met (srmm_fault.kind). */
typedef enum srmm_fault_kind {
    SRMM_FAULT_KIND_NONE = 0,           /**< No fault. */
    SRMM_FAULT_KIND_ADDRESS_SIZE = 1,   /**< The PA is beyond the protected physical address size (GPCSC 0). */
    SRMM_FAULT_KIND_WALK = 2,           /**< The GPT walk met an invalid descriptor or a reserved GPI. */
    SRMM_FAULT_KIND_GPF = 3,            /**< Granule Protection Fault: the GPI forbids the access. */
    SRMM_FAULT_KIND_EXTERNAL_ABORT = 4, /**< External abort while fetching the GPT. */
    SRMM_FAULT_KIND_NOT_MEMORY = 5,     /**< The check passed but no DRAM backs the address. */
} srmm_fault_kind;

/** The RMM's state of a granule (DEN0137 A2.3.6, without the GRAN_ prefix; srmm_granule_info.state). */
typedef enum srmm_granule_state {
    SRMM_GRANULE_UNDELEGATED = 0,
    SRMM_GRANULE_DELEGATED = 1,
    SRMM_GRANULE_RD = 2,
    SRMM_GRANULE_REC = 3,
    SRMM_GRANULE_REC_AUX = 4,
    SRMM_GRANULE_RTT = 5,
    SRMM_GRANULE_DATA = 6,
    SRMM_GRANULE_INTERNAL = 7,
    SRMM_GRANULE_PARTIAL = 8, /**< Held by an incomplete operation; other commands answer RMI_BLOCKED. */
    SRMM_GRANULE_GPT_L1 = 9,  /**< Backing memory of a host-created L1 GPT table. */
    SRMM_GRANULE_RD_AUX = 10, /**< Auxiliary memory of a realm descriptor, donated at RMI_REALM_CREATE. */
    SRMM_GRANULE_NONE = -1,   /**< No memory the RMM tracks covers the address (DRAM reads UNDELEGATED before activation). */
} srmm_granule_state;

/** GPI encodings (the 4-bit field of the GPT; srmm_granule_info.gpi holds the raw encoding or SRMM_GPI_NONE). */
#define SRMM_GPI_NO_ACCESS 0x0
#define SRMM_GPI_SECURE 0x8
#define SRMM_GPI_NS 0x9
#define SRMM_GPI_ROOT 0xA
#define SRMM_GPI_REALM 0xB
#define SRMM_GPI_ANY 0xF
/** The GPT could not be read at the address (beyond the protected physical address size). */
#define SRMM_GPI_NONE (-1)

/** A physical address region [base, base + size). */
typedef struct srmm_region {
    uint64_t base;
    uint64_t size;
} srmm_region;

/**
 * The platform options of the CLI (`rmm serve --dram ... --pa-bits ...`). Call srmm_options_init first; a
 * zero or NULL field means the default platform's value (docs/serve-protocol.md, "The default platform").
 */
typedef struct srmm_options {
    /** sizeof(srmm_options) of the header the caller was built with, set by srmm_options_init. The library reads
     *  only that many bytes, so later versions can append fields without breaking callers; 0 (options never
     *  initialised) or a size no version had is refused with SRMM_ERR_INVALID_ARGUMENT. */
    uint64_t struct_size;
    /** DRAM regions, conventional, named DRAM0, DRAM1, ... in order. NULL: the default DRAM list. */
    const srmm_region *dram;
    /** Entries in dram (at most SRMM_MAX_REGIONS); must be 0 when dram is NULL. */
    uint64_t dram_count;
    /** Device (MMIO) regions, named MMIO0, MMIO1, ... NULL: the default MMIO region; non-NULL with count 0: none. */
    const srmm_region *mmio;
    /** Entries in mmio (at most SRMM_MAX_REGIONS); must be 0 when mmio is NULL. */
    uint64_t mmio_count;
    /** Physical address size in bits: 32, 36, 40, 42, 44, 48 or 52. 0: 40. */
    uint64_t pa_bits;
    /** log2 of the bytes one L0 GPT entry covers: 30, 34, 36 or 39. 0: 30. */
    uint64_t l0gptsz;
    /** Number of host CPUs, 1 to 64. 0: 4. */
    uint64_t cpus;
    /** Seed of every random choice the platform makes. */
    uint64_t seed;
    /** 1: a granule already in the destination state stops a range command (the 2.0-bet2 reading). 0: skipped. */
    uint64_t strict_range_state;
    /** Granules one range SMC moves at most. 0: the default, 262144. */
    uint64_t budget;
    /** 1: run the host library's bring-up sequence on CPU 0 before returning (the CLI's --activate). 0: don't. */
    uint64_t activate;
    /** 1: DRAM regions start as GPT Blocks and the host creates their L1 tables with RMI_GPT_L1_CREATE (the
     *  CLI's --host-l1-tables). 0: the platform creates them at boot. */
    uint64_t host_l1_tables;
    /** The tracking region size in bytes the host library's bring-up configures with RMI_RMM_CONFIG_SET (the
     *  CLI's --tracking-region): 1 GiB or 2 MiB for 4 KB granules. 0: encoding 0 (1 GiB). Added in the second
     *  version of the struct (struct_size 112); a caller built with the first (104) gets the default. */
    uint64_t tracking_region_size;
    /** Assignable non-coherent device memory banks (the CLI's --dev-ncoh), named DEV_NCOH0, ...: tracked with
     *  category DEV_NCOH, delegable by the range commands, never scrubbed. NULL: none. Third version of the
     *  struct (struct_size 144) with the three fields below. */
    const srmm_region *dev_ncoh;
    /** Entries in dev_ncoh (at most SRMM_MAX_REGIONS); must be 0 when dev_ncoh is NULL. */
    uint64_t dev_ncoh_count;
    /** Assignable coherent device memory banks (the CLI's --dev-coh), named DEV_COH0, ...; NULL: none. */
    const srmm_region *dev_coh;
    /** Entries in dev_coh (at most SRMM_MAX_REGIONS); must be 0 when dev_coh is NULL. */
    uint64_t dev_coh_count;
    /** The most granules EL3 moves in one GPI change (the CLI's --el3-max-granules): a FINE run then answers
     *  SUCCESS with what moved and a COARSE unit moves in pieces through RMI_INCOMPLETE and RMI_OP_CONTINUE.
     *  0: no limit. Fourth version of the struct (struct_size 176) with the three fields below; earlier callers get
     *  the defaults of all four. */
    uint64_t el3_max_granules;
    /** Who supplies the RMM's tracking metadata (the CLI's --tracking-metadata): 0 the platform, preallocated
     *  (every region FINE at activation); 1 the host by donation (regions start COARSE or NONE, and the host
     *  library's bring-up makes them FINE). */
    uint64_t tracking_metadata;
    /** Stateful-operation contexts the RMM keeps per CPU (the CLI's --sro-contexts), 1 to 64. 0: 4. */
    uint64_t sro_contexts;
    /** What a range command does when the first granule of its run is locked by another CPU (the CLI's
     *  --lock-contention): 0 answer RMI_BUSY; 1 wait for the lock. Anything else: SRMM_ERR_INVALID_ARGUMENT. */
    uint64_t lock_contention;
} srmm_options;

/** Where and why a memory access faulted (filled by srmm_read and srmm_write). */
typedef struct srmm_fault {
    /** The first failing physical address. */
    uint64_t pa;
    /** An srmm_fault_kind. */
    uint32_t kind;
    /** The GPT level the check stopped at (0 or 1); 0 for SRMM_FAULT_KIND_NOT_MEMORY. */
    uint32_t level;
    /** The GPCSC syndrome (ESR_EL3.ISS[25:20]); 0 for SRMM_FAULT_KIND_NOT_MEMORY. */
    uint32_t gpcsc;
    /** The srmm_world of the access. */
    uint32_t world;
} srmm_fault;

/** What the RMM and the GPT say about one granule (a debug port, not an architectural interface). */
typedef struct srmm_granule_info {
    /** An srmm_granule_state. */
    int32_t state;
    /** The raw GPI encoding (SRMM_GPI_*), or SRMM_GPI_NONE. */
    int32_t gpi;
    /** References held on the granule (an RD counts its RECs, an RTT its live entries). */
    uint32_t refcount;
    /** Always 0. */
    uint32_t reserved;
    /** The state's name ("UNDELEGATED", "DELEGATED", ..., "NONE"): static storage, never freed. */
    const char *state_name;
    /** The GPI's name ("NS", "REALM", "NO_ACCESS", ..., "NONE"): static storage, never freed. */
    const char *gpi_name;
} srmm_granule_info;

/** The platform's counters since creation (docs/serve-protocol.md, `stats`). */
typedef struct srmm_stats_info {
    uint64_t smc;            /**< SMCs issued by host CPUs. */
    uint64_t el3_calls;      /**< Calls from the RMM to EL3. */
    uint64_t tlbi;           /**< TLB invalidations by PA. */
    uint64_t dsb;            /**< Data synchronization barriers. */
    uint64_t cipapa_lines;   /**< Cache lines cleaned and invalidated to the point of physical aliasing. */
    uint64_t scrubbed_bytes; /**< Bytes wiped on the way back to Non-secure. */
    uint64_t gpf;            /**< Memory accesses that failed the granule protection check. */
    uint64_t other_smc;      /**< Host SMCs outside the RMI and EL3 function ranges. */
} srmm_stats_info;

/** A stateful operation waiting for the host (srmm_pending_operations). */
typedef struct srmm_pending_operation {
    /** The handle RMI_INCOMPLETE gave in X1, which the OP_* commands name. */
    uint64_t handle;
    /** The FID of the command that started it (RMI_GRANULE_RANGE_DELEGATE, RMI_REC_CREATE, ...). */
    uint64_t command;
    /** The FID of the step it waits for: RMI_OP_CONTINUE, RMI_OP_MEM_DONATE or RMI_OP_MEM_RECLAIM. */
    uint64_t waiting_for;
    /** 1: the latest RMI_INCOMPLETE allowed RMI_OP_CANCEL. */
    uint32_t can_cancel;
    /** Always 0. */
    uint32_t reserved;
} srmm_pending_operation;

/** The platform's layout and options, as srmm_platform_info reads them back. */
typedef struct srmm_platform_description {
    /** sizeof(srmm_platform_description): set it before the call; srmm_platform_info refuses another size. */
    uint64_t struct_size;
    uint32_t cpus;
    /** Physical address size in bits. */
    uint32_t pa_bits;
    /** log2 of the bytes one L0 GPT entry covers. */
    uint32_t l0gptsz;
    /** Entries used in dram, in ascending address order. */
    uint32_t dram_count;
    /** Entries used in mmio, in ascending address order. */
    uint32_t mmio_count;
    uint32_t strict_range_state;
    uint32_t host_l1_tables;
    /** 1: DRAM is also mapped as the host's view (docs/c-host.md). */
    uint32_t host_view;
    /** Granules one range SMC moves at most. */
    uint64_t budget;
    uint64_t seed;
    srmm_region dram[SRMM_MAX_REGIONS];
    srmm_region mmio[SRMM_MAX_REGIONS];
} srmm_platform_description;

/** srmm_explore_options.shape: `int NAME(phys_addr_t base, unsigned long size)`, 0 meaning all moved. */
#define SRMM_SHAPE_LINUX_RANGE 0
/** srmm_explore_options.shape: `int NAME(phys_addr_t base, unsigned long size, phys_addr_t *out_top)`. */
#define SRMM_SHAPE_LINUX_RANGE_OUT 1
/** srmm_explore_options.operation: the range starts Non-secure and the function delegates it. */
#define SRMM_OPERATION_DELEGATE 0
/** srmm_explore_options.operation: the range starts delegated and the function undelegates it. */
#define SRMM_OPERATION_UNDELEGATE 1

/**
 * What srmm_explore explores: the options of `rmm check host --c-library` (docs/c-host.md). Call
 * srmm_explore_options_init first: it sets struct_size and the CLI's defaults.
 */
typedef struct srmm_explore_options {
    /** sizeof(srmm_explore_options), set by srmm_explore_options_init; srmm_explore refuses another size. */
    uint64_t struct_size;
    /** Path of a shared library built with swift_rmm_linux.h. */
    const char *library;
    /** The function to explore. */
    const char *symbol;
    /** SRMM_SHAPE_LINUX_RANGE or SRMM_SHAPE_LINUX_RANGE_OUT. */
    uint32_t shape;
    /** SRMM_OPERATION_DELEGATE or SRMM_OPERATION_UNDELEGATE. */
    uint32_t operation;
    /** Granules in the range, 1 to 64 (default 4). */
    uint32_t granules;
    /** Chosen answers per schedule, 0 to 24 (default 6). */
    uint32_t depth;
    /** Retries after RMI_BUSY, 0 to 16 (default 2). */
    uint32_t busy_retries;
    /** Retries after RMI_BLOCKED, 0 to 16 (default 1). */
    uint32_t blocked_retries;
    /** Operation steps, 1 to 16 (default 4). */
    uint32_t continuations;
    /** 1: also answers the specification forbids. */
    uint32_t forbidden;
    /** 0: every schedule; N: N random schedules drawn with seed. */
    uint64_t random;
    uint64_t seed;
} srmm_explore_options;

/** What srmm_explore found. */
typedef struct srmm_explore_result {
    uint64_t schedules;      /**< Schedules run. */
    uint64_t smcs;           /**< SMCs the adversary answered. */
    uint64_t violations;     /**< Kinds of violation (0: the function passed every check). */
    uint64_t violating_runs; /**< Runs that broke a property (at the full depth). */
    uint64_t warnings;       /**< WARN sites that fired. */
    uint64_t smc_bound;      /**< The SMC bound the function was held to. */
} srmm_explore_result;

/* The Swift side reads and writes these structs at exactly these offsets (checked where C11 is available). */
#if !defined(__cplusplus) && defined(__STDC_VERSION__) && __STDC_VERSION__ >= 201112L
_Static_assert(sizeof(srmm_region) == 16, "srmm_region layout");
_Static_assert(sizeof(srmm_options) == 176 && offsetof(srmm_options, tracking_region_size) == 104 &&
                   offsetof(srmm_options, dev_coh_count) == 136 && offsetof(srmm_options, el3_max_granules) == 144 &&
                   offsetof(srmm_options, tracking_metadata) == 152 && offsetof(srmm_options, sro_contexts) == 160 &&
                   offsetof(srmm_options, lock_contention) == 168,
               "srmm_options layout");
_Static_assert(sizeof(srmm_fault) == 24 && offsetof(srmm_fault, world) == 20, "srmm_fault layout");
_Static_assert(sizeof(srmm_granule_info) == 32 && offsetof(srmm_granule_info, gpi_name) == 24,
               "srmm_granule_info layout");
_Static_assert(sizeof(srmm_stats_info) == 64, "srmm_stats_info layout");
_Static_assert(sizeof(srmm_explore_options) == 72 && offsetof(srmm_explore_options, seed) == 64,
               "srmm_explore_options layout");
_Static_assert(sizeof(srmm_explore_result) == 48, "srmm_explore_result layout");
_Static_assert(sizeof(srmm_pending_operation) == 32, "srmm_pending_operation layout");
_Static_assert(sizeof(srmm_platform_description) == 2104 && offsetof(srmm_platform_description, dram) == 56,
               "srmm_platform_description layout");
#endif

/** One simulated machine; opaque. */
typedef struct srmm_platform srmm_platform;

/* ---------------------------------------------------------------------------------------------------------- */
/* Functions                                                                                                  */
/* ---------------------------------------------------------------------------------------------------------- */

/**
 * Sets struct_size to sizeof(srmm_options) and every other field to its default (all zero and NULL: the default
 * platform).
 * @return SRMM_OK, or SRMM_ERR_NULL_POINTER.
 */
int srmm_options_init(srmm_options *options);

/**
 * Builds a machine. options may be NULL for the default platform. On success *platform is a new handle that
 * srmm_platform_destroy must release; on failure *platform is set to NULL (when platform is not NULL).
 * The RMM starts booted but not active, unless options->activate is 1.
 * @return SRMM_OK; SRMM_ERR_NULL_POINTER (platform NULL, or a region count without its array);
 *         SRMM_ERR_INVALID_ARGUMENT (a flag other than 0 or 1, or a struct_size no version of srmm_options had); SRMM_ERR_INVALID_LENGTH (a region count above
 *         SRMM_MAX_REGIONS); SRMM_ERR_INVALID_CONFIGURATION (validation failed: unsupported pa_bits or l0gptsz,
 *         cpus above 64, no DRAM, a misaligned, empty, overlapping or out-of-range region);
 *         SRMM_ERR_PLATFORM (memory reservation failed); SRMM_ERR_ACTIVATION (bring-up failed).
 */
int srmm_platform_create(const srmm_options *options, srmm_platform **platform);

/**
 * Releases a platform and all its memory. NULL is accepted and ignored. Must not run concurrently with any
 * other call on the same platform; the handle is invalid afterwards.
 */
void srmm_platform_destroy(srmm_platform *platform);

/**
 * Issues an SMC from host CPU `cpu` (the Non-secure world): x_in holds X0 (the function ID) and X1..X6; on
 * SRMM_OK, x_out receives X0..X4 as the RMM or the firmware returned them. An FID that nothing implements
 * returns X0 = 0xffffffffffffffff (SMCCC NOT_SUPPORTED) with SRMM_OK: that is the machine's answer, not an error.
 * @return SRMM_OK; SRMM_ERR_NULL_POINTER; SRMM_ERR_INVALID_CPU (cpu < 0 or >= the platform's CPU count).
 */
int srmm_smc(srmm_platform *platform, int cpu, const uint64_t x_in[7], uint64_t x_out[5]);

/**
 * Reads `length` bytes at physical address `pa` as security state `world` into `buffer`. Every granule the
 * access touches passes the granule protection check first.
 * @param fault NULL, or where to describe a fault (set to SRMM_FAULT_KIND_NONE on SRMM_OK).
 * @return SRMM_OK; SRMM_FAULT_GPC or SRMM_FAULT_NOT_MEMORY (buffer unchanged, *fault filled);
 *         SRMM_ERR_NULL_POINTER; SRMM_ERR_INVALID_ARGUMENT (world not an srmm_world);
 *         SRMM_ERR_INVALID_LENGTH (0 or above SRMM_MAX_ACCESS_LENGTH).
 */
int srmm_read(srmm_platform *platform, int world, uint64_t pa, void *buffer, size_t length, srmm_fault *fault);

/**
 * Writes `length` bytes from `buffer` at physical address `pa` as security state `world`. A faulting write
 * changes no byte.
 * @param fault NULL, or where to describe a fault (set to SRMM_FAULT_KIND_NONE on SRMM_OK).
 * @return as srmm_read.
 */
int srmm_write(srmm_platform *platform, int world, uint64_t pa, const void *buffer, size_t length,
               srmm_fault *fault);

/**
 * Inspects the granule that holds `pa`: its RMM state, its GPI and its reference count. An address no tracked
 * memory covers answers state SRMM_GRANULE_NONE (and SRMM_OK).
 * @return SRMM_OK; SRMM_ERR_NULL_POINTER.
 */
int srmm_granule(srmm_platform *platform, uint64_t pa, srmm_granule_info *info);

/**
 * Makes the next `count` matching events fail (docs/serve-protocol.md, `inject`): "busy", "blocked",
 * "zero_progress", "el3_refuse", "el3_busy", "irq"; "clear" drops every pending injection (count ignored).
 * @return SRMM_OK; SRMM_ERR_NULL_POINTER; SRMM_ERR_UNKNOWN_FAULT; SRMM_ERR_INVALID_ARGUMENT (count above
 *         INT64_MAX).
 */
int srmm_inject(srmm_platform *platform, const char *fault, uint64_t count);

/**
 * Makes the next `count` calls of the RMI command `fid` answer `status` (an RMI status, bits 7:0 of X0) without
 * reaching the RMM: fault injection for every command and every stateful-operation step (RMI_OP_MEM_DONATE
 * answering RMI_BUSY, RMI_REC_CREATE answering RMI_BLOCKED, ...), queued per command after those already pending.
 * srmm_inject(platform, "clear", 0) drops these too.
 * @return SRMM_OK; SRMM_ERR_NULL_POINTER; SRMM_ERR_INVALID_ARGUMENT (fid is not an RMI command; status is not a
 *         defined status, or is RMI_SUCCESS or RMI_INCOMPLETE, whose results only the RMM can give; count above
 *         INT64_MAX).
 */
int srmm_inject_command(srmm_platform *platform, uint64_t fid, uint64_t status, uint64_t count);

/**
 * Reads the platform's counters.
 * @return SRMM_OK; SRMM_ERR_NULL_POINTER.
 */
int srmm_stats(srmm_platform *platform, srmm_stats_info *stats);

/**
 * Lists the stateful operations waiting for the host: handle, starting command, the step each waits for, and
 * whether it may be cancelled. Writes at most `capacity` entries and their total number into *count. A debug
 * port: call it at quiescent points (an operation a CPU resumes meanwhile may be reported half-changed).
 * @return SRMM_OK; SRMM_ERR_NULL_POINTER (platform or count NULL, or operations NULL with capacity > 0);
 *         SRMM_ERR_BUFFER_TOO_SMALL (the first capacity entries are written; *count is exact).
 */
int srmm_pending_operations(srmm_platform *platform, srmm_pending_operation *operations, size_t capacity,
                            size_t *count);

/**
 * Per-CPU counters: the SMCs host CPU `cpu` issued and the calls the RMM made to EL3 while running on it, since
 * the platform was created (their sums over the CPUs are srmm_stats_info.smc and .el3_calls).
 * @return SRMM_OK; SRMM_ERR_NULL_POINTER; SRMM_ERR_INVALID_CPU.
 */
int srmm_cpu_stats(srmm_platform *platform, int cpu, uint64_t *smc, uint64_t *el3_calls);

/**
 * Runs the machine-wide invariant checker (at most 64 violations reported). Writes the violations, one per line
 * and each ending in '\n', into buffer as a NUL-terminated string ("" when every invariant holds) and their
 * number into *violations. buffer may be NULL only when size is 0; violations may be NULL.
 * @return SRMM_OK (whether or not invariants are violated: read *violations); SRMM_ERR_NULL_POINTER;
 *         SRMM_ERR_BUFFER_TOO_SMALL (buffer holds a NUL-terminated prefix when size > 0; *violations is exact).
 */
int srmm_check(srmm_platform *platform, char *buffer, size_t size, size_t *violations);

/**
 * The name of the RMI status in bits 7:0 of an SMC's X0 ("RMI_SUCCESS", "RMI_BUSY", ...), "SMCCC_NOT_SUPPORTED"
 * for X0 = 0xffffffffffffffff, "UNKNOWN" for other encodings. Static storage; never NULL.
 */
const char *srmm_status_name(uint64_t x0);

/** A one-line description of an SRMM_OK, SRMM_FAULT_* or SRMM_ERR_* code; "unknown code" otherwise. Never NULL. */
const char *srmm_error_string(int code);

/**
 * Reads the platform's layout and options back: regions, CPUs, budget, PA size, flags. Set info->struct_size to
 * sizeof(srmm_platform_description) first; unused region entries are zero.
 * @return SRMM_OK; SRMM_ERR_NULL_POINTER; SRMM_ERR_INVALID_ARGUMENT (struct_size is not this header's size).
 */
int srmm_platform_info(srmm_platform *platform, srmm_platform_description *info);

/**
 * The RMM states (srmm_granule_state) of `count` consecutive granules from `base`, and their GPIs when gpis is
 * not NULL: srmm_granule for a whole range in one call.
 * @return SRMM_OK; SRMM_ERR_NULL_POINTER (platform or states); SRMM_ERR_INVALID_LENGTH (count 0 or above
 *         SRMM_MAX_GRANULES_PER_CALL); SRMM_ERR_INVALID_ARGUMENT (base not granule aligned, or the range wraps).
 */
int srmm_granules(srmm_platform *platform, uint64_t base, size_t count, int32_t *states, int32_t *gpis);

/**
 * Why the calling thread's last srmm_platform_create failed, as one sentence (the validation message, the
 * bring-up failure, ...); "" after a success. Written as srmm_check writes its text.
 * @return SRMM_OK; SRMM_ERR_NULL_POINTER (buffer NULL with size > 0); SRMM_ERR_BUFFER_TOO_SMALL.
 */
int srmm_platform_create_error(char *buffer, size_t size);

/**
 * Sets struct_size and every option to the CLI's defaults (library and symbol NULL, shape and operation 0).
 * @return SRMM_OK, or SRMM_ERR_NULL_POINTER.
 */
int srmm_explore_options_init(srmm_explore_options *options);

/**
 * Explores a C range function against every schedule of the adversarial RMM (or options->random of them), as
 * `rmm check host --c-library` does: each call runs guarded, so a crash or a call that never returns is a
 * violation, not the end of the caller's process. On SRMM_OK *result is filled and report (when size > 0) holds
 * the WARN sites and each violation with its shortest schedule, NUL-terminated ("" when clean). On bad input the
 * report holds the error's text. Explorations on different threads may run at once.
 * @return SRMM_OK (read result->violations); SRMM_ERR_NULL_POINTER (options, result, library or symbol NULL, or
 *         report NULL with size > 0); SRMM_ERR_INVALID_ARGUMENT (struct_size or an option out of range);
 *         SRMM_ERR_LIBRARY; SRMM_ERR_SYMBOL; SRMM_ERR_SHAPE; SRMM_ERR_OUTSIDE_MEMORY; SRMM_ERR_PLATFORM (the
 *         thread could not be prepared); SRMM_ERR_BUFFER_TOO_SMALL (*result is filled; report is truncated).
 */
int srmm_explore(const srmm_explore_options *options, srmm_explore_result *result, char *report, size_t size);

#ifdef __cplusplus
}
#endif

#endif /* SWIFT_RMM_H */
