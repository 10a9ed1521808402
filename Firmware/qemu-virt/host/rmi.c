// The host's RMI layer (see rmi.h).
#include "rmi.h"
#include "runtime.h"

int rmi_check_version(void) {
    struct arm_smccc_res res;
    rmi_smc(SMC_RMI_VERSION, RMI_ABI_VERSION(2, 0), 0, 0, &res);
    if (res.a0 == (uint64_t)-1) return -1;  // no RMM behind the conduit
    if (RMI_RETURN_STATUS(res.a0) != RMI_SUCCESS || (res.a1 >> 16) != 2) return -2;
    return 0;
}

int rmi_rmm_config_set(phys_addr_t config_page) {
    struct arm_smccc_res res;
    uint64_t *config = (uint64_t *)config_page;
    memset(config, 0, RMM_PAGE_SIZE);
    config[0] = 0;  // tracking_region_size: the default (1 GiB with 4 KB granules)
    config[1] = 0;  // rmi_granule_size: 4 KB
    return (int)RMI_RETURN_STATUS(rmi_smc(SMC_RMI_RMM_CONFIG_SET, config_page, 0, 0, &res));
}

int rmi_rmm_activate(void) {
    struct rmi_sro_stats stats;
    return (int)RMI_RETURN_STATUS(rmi_sro_execute(SMC_RMI_RMM_ACTIVATE, 0, 0, &stats));
}

uint64_t rmi_rmm_state(void) {
    struct arm_smccc_res res;
    rmi_smc(SMC_RMI_RMM_STATE_GET, 0, 0, 0, &res);
    return res.a1;
}

uint64_t rmi_granule_range_delegate(phys_addr_t base, phys_addr_t top, phys_addr_t *out_top) {
    struct arm_smccc_res res;
    rmi_smc(SMC_RMI_GRANULE_RANGE_DELEGATE, base, top, 0, &res);
    *out_top = res.a1;
    return res.a0;
}

uint64_t rmi_granule_range_undelegate(phys_addr_t base, phys_addr_t top, phys_addr_t *out_top) {
    struct arm_smccc_res res;
    rmi_smc(SMC_RMI_GRANULE_RANGE_UNDELEGATE, base, top, 0, &res);
    *out_top = res.a1;
    return res.a0;
}

// Follows out_top to the end of the range. RMI_BUSY (another CPU holds a granule lock) and RMI_BLOCKED (another
// CPU's undelegation has the granule in flight) come with no progress and are retried, within a budget so that a
// stuck RMM fails the call rather than hang the CPU; a success whose out_top does not advance is a broken RMM,
// reported as RMI_ERROR_GLOBAL rather than looped on.
#define RANGE_RETRY_BUDGET 100000
uint64_t rmi_range_retries;

static uint64_t range_loop(uint64_t (*call)(phys_addr_t, phys_addr_t, phys_addr_t *), phys_addr_t base,
                           uint64_t size, phys_addr_t *done, uint64_t *smc_count) {
    phys_addr_t cursor = base, top = base + size;
    uint64_t smcs = 0, retries = 0, status = RMI_SUCCESS;
    while (cursor < top) {
        phys_addr_t out_top = 0;
        uint64_t ret = call(cursor, top, &out_top);
        smcs++;
        if (RMI_RETURN_STATUS(ret) == RMI_BUSY || RMI_RETURN_STATUS(ret) == RMI_BLOCKED) {
            if (++retries == RANGE_RETRY_BUDGET) {
                status = ret;
                break;
            }
            continue;
        }
        if (RMI_RETURN_STATUS(ret) != RMI_SUCCESS) {
            status = ret;
            break;
        }
        if (out_top <= cursor || out_top > top) {
            status = RMI_ERROR_GLOBAL;
            break;
        }
        cursor = out_top;
    }
    __atomic_fetch_add(&rmi_range_retries, retries, __ATOMIC_RELAXED);
    if (done) *done = cursor;
    if (smc_count) *smc_count = smcs;
    return status;
}

uint64_t rmi_delegate_range(phys_addr_t base, uint64_t size, phys_addr_t *done, uint64_t *smc_count) {
    return range_loop(rmi_granule_range_delegate, base, size, done, smc_count);
}

uint64_t rmi_undelegate_range(phys_addr_t base, uint64_t size, phys_addr_t *done, uint64_t *smc_count) {
    return range_loop(rmi_granule_range_undelegate, base, size, done, smc_count);
}

uint64_t rmi_delegate_page(phys_addr_t page) { return rmi_delegate_range(page, RMM_PAGE_SIZE, 0, 0); }
uint64_t rmi_undelegate_page(phys_addr_t page) { return rmi_undelegate_range(page, RMM_PAGE_SIZE, 0, 0); }

// --- Stateful operations (sro.md section 7) ---
#define SRO_STEP_LIMIT 64

static uint64_t sro_issue(uint64_t fid, uint64_t a1, uint64_t a2, uint64_t a3, struct arm_smccc_res *res,
                          struct rmi_sro_stats *stats) {
    do {
        rmi_smc(fid, a1, a2, a3, res);
        stats->smcs++;
    } while (RMI_RETURN_STATUS(res->a0) == RMI_BUSY);
    return res->a0;
}

// DONATE: obtains the blocks the request describes, delegated first if it asks for DELEGATED memory, and lists
// them on the list page. Answers the granules offered (0: the host cannot serve it).
static uint64_t sro_offer(uint64_t request, uint64_t *list, uint64_t *entries, phys_addr_t *first) {
    uint64_t block = rmi_block_size(RMI_DONATE_SIZE(request)), count = RMI_DONATE_COUNT(request);
    uint64_t state = RMI_DONATE_STATE(request);
    if (!block || !count || state > RMI_OP_MEM_UNDELEGATED) return 0;
    if (RMI_DONATE_CONTIG(request)) {
        phys_addr_t base = host_alloc_pages(block * count, block * count);
        if (!base) return 0;
        if (state == RMI_OP_MEM_DELEGATED && rmi_delegate_range(base, block * count, 0, 0) != RMI_SUCCESS) {
            host_free_pages(base, block * count);
            return 0;
        }
        list[0] = RMI_ADDR_RANGE(base, RMI_DONATE_SIZE(request), count, state);
        *entries = 1;
        *first = base;
        return block * count / RMM_PAGE_SIZE;
    }
    if (count > 512) count = 512;  // one list page; the RMM asks again for the rest
    for (uint64_t i = 0; i < count; i++) {
        phys_addr_t base = host_alloc_pages(block, block);
        if (!base || (state == RMI_OP_MEM_DELEGATED && rmi_delegate_range(base, block, 0, 0) != RMI_SUCCESS)) {
            if (base) host_free_pages(base, block);
            count = i;
            break;
        }
        list[i] = RMI_ADDR_RANGE(base, RMI_DONATE_SIZE(request), 1, state);
        if (i == 0) *first = base;
    }
    *entries = count;
    return count * block / RMM_PAGE_SIZE;
}

// Gives back what the RMM did not consume, from the end of the list (it consumes in list order).
static void sro_return_unconsumed(uint64_t *list, uint64_t entries, uint64_t consumed_granules) {
    for (uint64_t i = 0; i < entries; i++) {
        uint64_t desc = list[i];
        uint64_t granules = RMI_ADDR_RANGE_COUNT(desc) * rmi_block_size(desc & 3) / RMM_PAGE_SIZE;
        uint64_t taken = consumed_granules < granules ? consumed_granules : granules;
        consumed_granules -= taken;
        if (taken == granules) continue;
        phys_addr_t rest = RMI_ADDR_RANGE_ADDR(desc) + taken * RMM_PAGE_SIZE;
        uint64_t bytes = (granules - taken) * RMM_PAGE_SIZE;
        if (RMI_ADDR_RANGE_STATE(desc) == RMI_OP_MEM_DELEGATED &&
            rmi_undelegate_range(rest, bytes, 0, 0) != RMI_SUCCESS)
            continue;  // leaked: still delegated
        host_free_pages(rest, bytes);
    }
}

uint64_t rmi_sro_execute(uint64_t fid, uint64_t a1, uint64_t a2, struct rmi_sro_stats *stats) {
    struct arm_smccc_res res;
    memset(stats, 0, sizeof *stats);
    uint64_t ret = sro_issue(fid, a1, a2, 0, &res, stats);
    if (RMI_RETURN_STATUS(ret) != RMI_INCOMPLETE) return ret;
    uint64_t handle = res.a1;
    stats->handle = handle;
    phys_addr_t list_page = host_alloc_pages(RMM_PAGE_SIZE, RMM_PAGE_SIZE);
    uint64_t *list = (uint64_t *)list_page;
    int cancelled = 0;
    for (int step = 0; RMI_RETURN_STATUS(ret) == RMI_INCOMPLETE; step++) {
        if (step == SRO_STEP_LIMIT || !list_page) return RMI_ERROR_GLOBAL;
        uint64_t request = RMI_RETURN_MEMREQ(ret), entries = 0;
        if (request == RMI_OP_MEM_REQ_NONE) {
            ret = sro_issue(SMC_RMI_OP_CONTINUE, handle, 0, 0, &res, stats);
        } else if (request == RMI_OP_MEM_REQ_DONATE) {
            phys_addr_t first = 0;
            uint64_t offered = sro_offer(res.a2, list, &entries, &first);
            if (!offered) {
                if (!RMI_RETURN_CANCEL(ret) || cancelled) return RMI_ERROR_GLOBAL;  // never cancel twice
                cancelled = 1;
                ret = sro_issue(SMC_RMI_OP_CANCEL, handle, 0, 0, &res, stats);
                continue;
            }
            ret = sro_issue(SMC_RMI_OP_MEM_DONATE, handle, list_page, entries, &res, stats);
            uint64_t consumed = RMI_RETURN_STATUS(ret) == RMI_SUCCESS || RMI_RETURN_STATUS(ret) == RMI_INCOMPLETE
                                    ? (res.a1 < offered ? res.a1 : offered)
                                    : 0;
            sro_return_unconsumed(list, entries, consumed);
            stats->donations++;
            stats->donated_granules += consumed;
            stats->last_donated = first;
        } else if (request == RMI_OP_MEM_REQ_RECLAIM) {
            ret = sro_issue(SMC_RMI_OP_MEM_RECLAIM, handle, list_page, 512, &res, stats);
            uint64_t written = res.a1 < 512 ? res.a1 : 512;
            for (uint64_t i = 0; i < written; i++) {
                uint64_t desc = list[i];
                phys_addr_t base = RMI_ADDR_RANGE_ADDR(desc);
                uint64_t bytes = RMI_ADDR_RANGE_COUNT(desc) * rmi_block_size(desc & 3);
                if (i == 0) stats->last_reclaimed = base;
                if (RMI_ADDR_RANGE_STATE(desc) == RMI_OP_MEM_DELEGATED &&
                    rmi_undelegate_range(base, bytes, 0, 0) != RMI_SUCCESS)
                    continue;  // leaked: still delegated
                host_free_pages(base, bytes);
                stats->reclaimed_granules += bytes / RMM_PAGE_SIZE;
            }
            stats->reclaims++;
        } else {
            return RMI_ERROR_GLOBAL;  // a reserved memory request
        }
    }
    host_free_pages(list_page, RMM_PAGE_SIZE);
    return cancelled ? RMI_ERROR_GLOBAL : ret;
}

// --- Page allocator: a bitmap of 4 KB pages over [base, top), first fit at the requested alignment ---
#define HOST_POOL_PAGES 8192  // 32 MiB
static uint64_t pool_bitmap[HOST_POOL_PAGES / 64];
static phys_addr_t pool_base, pool_top;
static uint32_t pool_lock;

static int page_used(uint64_t i) { return (pool_bitmap[i / 64] >> (i % 64)) & 1; }
static void page_mark(uint64_t i, int used) {
    if (used) pool_bitmap[i / 64] |= 1ULL << (i % 64);
    else pool_bitmap[i / 64] &= ~(1ULL << (i % 64));
}
static void pool_acquire(void) {
    while (__atomic_exchange_n(&pool_lock, 1, __ATOMIC_ACQUIRE)) {}
}
static void pool_release(void) { __atomic_store_n(&pool_lock, 0, __ATOMIC_RELEASE); }

void host_pages_init(phys_addr_t base, phys_addr_t top) {
    pool_base = base;
    pool_top = top - base > HOST_POOL_PAGES * RMM_PAGE_SIZE ? base + HOST_POOL_PAGES * RMM_PAGE_SIZE : top;
    memset(pool_bitmap, 0, sizeof pool_bitmap);
}

phys_addr_t host_alloc_pages(uint64_t size, uint64_t align) {
    uint64_t pages = (size + RMM_PAGE_SIZE - 1) / RMM_PAGE_SIZE, total = (pool_top - pool_base) / RMM_PAGE_SIZE;
    if (align < RMM_PAGE_SIZE) align = RMM_PAGE_SIZE;
    pool_acquire();
    for (phys_addr_t at = (pool_base + align - 1) & ~(align - 1); at + pages * RMM_PAGE_SIZE <= pool_top;
         at += align) {
        uint64_t first = (at - pool_base) / RMM_PAGE_SIZE, i = 0;
        while (i < pages && first + i < total && !page_used(first + i)) i++;
        if (i < pages) continue;
        for (i = 0; i < pages; i++) page_mark(first + i, 1);
        pool_release();
        memset((void *)at, 0, pages * RMM_PAGE_SIZE);
        return at;
    }
    pool_release();
    return 0;
}

void host_free_pages(phys_addr_t base, uint64_t size) {
    if (base < pool_base || base + size > pool_top) return;  // not the pool's
    pool_acquire();
    for (uint64_t i = 0; i < (size + RMM_PAGE_SIZE - 1) / RMM_PAGE_SIZE; i++)
        page_mark((base - pool_base) / RMM_PAGE_SIZE + i, 0);
    pool_release();
}
