// The host's RMI layer, in the style of a kernel's (Linux arch/arm64 rmi.c and rmi_cmds.h): one inline wrapper
// per command over the SMC conduit, range delegation driven by out_top, page wrappers, and a driver for stateful
// RMI operations (SROs) that serves their memory requests.
#ifndef HOST_RMI_H
#define HOST_RMI_H
#include <stdint.h>

typedef uint64_t phys_addr_t;

struct arm_smccc_res {
    uint64_t a0, a1, a2, a3, a4;
};

void host_smc(uint64_t fid, uint64_t a1, uint64_t a2, uint64_t a3, uint64_t a4, uint64_t a5, uint64_t a6,
              struct arm_smccc_res *res);

#define SZ_4K 0x1000ULL
#define SZ_2M 0x200000ULL
#define RMM_PAGE_SIZE SZ_4K

// Function IDs (DEN0137 B4.5, RMI v2.0).
#define SMC_RMI_VERSION                 0xC4000150
#define SMC_RMI_FEATURES                0xC4000165
#define SMC_RMI_RMM_CONFIG_SET          0xC400016E
#define SMC_RMI_RMM_CONFIG_GET          0xC40001EC
#define SMC_RMI_RMM_STATE_GET           0xC40001EE
#define SMC_RMI_RMM_ACTIVATE            0xC4000202
#define SMC_RMI_GRANULE_TRACKING_GET    0xC40001E1
#define SMC_RMI_GRANULE_RANGE_DELEGATE  0xC40001F1
#define SMC_RMI_GRANULE_RANGE_UNDELEGATE 0xC40001F2
#define SMC_RMI_GPT_L1_CREATE           0xC40001F3
#define SMC_RMI_GPT_L1_DESTROY          0xC40001F4
#define SMC_RMI_OP_CONTINUE             0xC4000203
#define SMC_RMI_OP_MEM_DONATE           0xC4000208
#define SMC_RMI_OP_MEM_RECLAIM          0xC4000209
#define SMC_RMI_OP_CANCEL               0xC400020A

#define RMI_ABI_VERSION(major, minor)   (((uint64_t)(major) << 16) | (minor))

// RmiResult: status in bits 7:0; for RMI_INCOMPLETE, the memory request in 9:8 and can-cancel in bit 10.
#define RMI_SUCCESS             0
#define RMI_ERROR_INPUT         1
#define RMI_ERROR_NOT_SUPPORTED 5
#define RMI_BUSY                10
#define RMI_ERROR_GLOBAL        11
#define RMI_ERROR_TRACKING      12
#define RMI_INCOMPLETE          13
#define RMI_BLOCKED             14
#define RMI_ERROR_GPT           15
#define RMI_RETURN_STATUS(ret)  ((ret) & 0xFF)
#define RMI_RETURN_MEMREQ(ret)  (((ret) >> 8) & 3)
#define RMI_RETURN_CANCEL(ret)  (((ret) >> 10) & 1)
#define RMI_OP_MEM_REQ_NONE     0
#define RMI_OP_MEM_REQ_DONATE   1
#define RMI_OP_MEM_REQ_RECLAIM  2

// RmiOpMemDonateReq (X2 of a DONATE request): size 1:0, count 15:2, contig 16, state 18:17.
#define RMI_DONATE_SIZE(req)    ((req) & 3)
#define RMI_DONATE_COUNT(req)   (((req) >> 2) & 0x3FFF)
#define RMI_DONATE_CONTIG(req)  (((req) >> 16) & 1)
#define RMI_DONATE_STATE(req)   (((req) >> 17) & 3)
// RmiAddrRangeDesc (4 KB granules): size 1:0, count 11:2, address 51:12, state 63:62.
#define RMI_ADDR_RANGE(addr, size, count, state) \
    ((addr) | (uint64_t)(size) | ((uint64_t)(count) << 2) | ((uint64_t)(state) << 62))
#define RMI_ADDR_RANGE_ADDR(desc)   ((desc) & 0x000FFFFFFFFFF000ULL)
#define RMI_ADDR_RANGE_COUNT(desc)  (((desc) >> 2) & 0x3FF)
#define RMI_ADDR_RANGE_STATE(desc)  ((desc) >> 62)
#define RMI_OP_MEM_DELEGATED    0
#define RMI_OP_MEM_UNDELEGATED  1

#define RMI_TRACKING_FINE           2
#define RMI_MEM_CATEGORY_CONVENTIONAL 0

static inline uint64_t rmi_block_size(uint64_t size) {  // RmiAddrBlockSize: L3 4 KB, L2 2 MB, L1 1 GB
    return size == 0 ? SZ_4K : size == 1 ? SZ_2M : size == 2 ? (1ULL << 30) : 0;
}

static inline uint64_t rmi_smc(uint64_t fid, uint64_t a1, uint64_t a2, uint64_t a3, struct arm_smccc_res *res) {
    host_smc(fid, a1, a2, a3, 0, 0, 0, res);
    return res->a0;
}

// --- Bring-up ---
int rmi_check_version(void);
int rmi_rmm_config_set(phys_addr_t config_page);
int rmi_rmm_activate(void);
uint64_t rmi_rmm_state(void);

// --- Delegation ---
// One SMC: [base, *out_top) changed state when the answer is RMI_SUCCESS.
uint64_t rmi_granule_range_delegate(phys_addr_t base, phys_addr_t top, phys_addr_t *out_top);
uint64_t rmi_granule_range_undelegate(phys_addr_t base, phys_addr_t top, phys_addr_t *out_top);
// The whole range, following out_top and retrying RMI_BUSY; 0 or the status that stopped it (*done: how far).
uint64_t rmi_delegate_range(phys_addr_t base, uint64_t size, phys_addr_t *done, uint64_t *smc_count);
uint64_t rmi_undelegate_range(phys_addr_t base, uint64_t size, phys_addr_t *done, uint64_t *smc_count);
uint64_t rmi_delegate_page(phys_addr_t page);
extern uint64_t rmi_range_retries;  // RMI_BUSY and RMI_BLOCKED answers retried so far, all CPUs
uint64_t rmi_undelegate_page(phys_addr_t page);

// --- Stateful operations ---
struct rmi_sro_stats {
    uint64_t smcs, donations, donated_granules, reclaims, reclaimed_granules;
    uint64_t handle;
    phys_addr_t last_donated, last_reclaimed;  // the first block of each, for the caller's checks
};
// Issues the command and drives it to its final answer; returns that answer's X0.
uint64_t rmi_sro_execute(uint64_t fid, uint64_t a1, uint64_t a2, struct rmi_sro_stats *stats);

// --- The host's page allocator over its part of the bank ---
void host_pages_init(phys_addr_t base, phys_addr_t top);
phys_addr_t host_alloc_pages(uint64_t size, uint64_t align);  // 0 when exhausted
void host_free_pages(phys_addr_t base, uint64_t size);
#endif
