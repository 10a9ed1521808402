/*
 * A range loop the explorer finds clean: it reports the prefix that moved through *out_top, bounds every retry,
 * accepts only progress the specification allows, and drives or cancels an RMI_INCOMPLETE operation.
 * Its budgets match the explorer's defaults (--busy-retries 2, --blocked-retries 1, --continuations 4).
 */
#include "swift_rmm_linux.h"
#include "rmi_ops.h"

#define ATTEMPTS 3         /* SMCs per step: one and two retries after RMI_BUSY */
#define BLOCKED_ATTEMPTS 2 /* RMI_BLOCKED answers per step */
#define CONTINUATIONS 4    /* RMI_OP_CONTINUE steps per operation */
#define EBUSY 16
#define EIO 5

/* One step: the call, retried while the RMM is busy or blocked, within the budgets. */
static unsigned long step(unsigned long command, unsigned long a1, unsigned long a2, struct arm_smccc_res *res)
{
    int blocked = 0;
    for (int attempt = 0; attempt < ATTEMPTS; attempt++) {
        arm_smccc_1_1_invoke(command, a1, a2, res);
        unsigned long status = RMI_RETURN_STATUS(res->a0);
        if (status == RMI_BLOCKED && ++blocked < BLOCKED_ATTEMPTS)
            continue;
        if (status != RMI_BUSY)
            return res->a0;
        cpu_relax();
    }
    return res->a0;
}

/* Whether out_top is progress the specification allows: above phys, within top, on a granule boundary. */
static bool progress(phys_addr_t phys, phys_addr_t top, unsigned long out_top)
{
    return out_top > phys && out_top <= top && (out_top & (PAGE_SIZE - 1)) == 0;
}

/* Drives an operation RMI_INCOMPLETE started; returns 0 with *phys advanced, or an error (moved nothing more). */
static int finish_operation(unsigned long handle, unsigned long result, phys_addr_t *phys, phys_addr_t top)
{
    struct arm_smccc_res res;
    for (int continuation = 0; continuation < CONTINUATIONS; continuation++) {
        if (RMI_INCOMPLETE_REQUEST(result) != 0)
            break; /* a range operation has no memory to ask for */
        unsigned long answer = step(SMC_RMI_OP_CONTINUE, handle, 0, &res);
        unsigned long status = RMI_RETURN_STATUS(answer);
        if (status == RMI_INCOMPLETE) {
            result = answer;
            continue;
        }
        /* The operation ended: its out_top (success) or its cursor (an error) says what moved. */
        if (res.a1 >= *phys && res.a1 <= top && (res.a1 & (PAGE_SIZE - 1)) == 0)
            *phys = res.a1;
        if (status == RMI_SUCCESS && res.a1 > *phys - 1)
            return 0;
        return status == RMI_SUCCESS ? -EIO : (int)status;
    }
    if (RMI_INCOMPLETE_CAN_CANCEL(result))
        step(SMC_RMI_OP_CANCEL, handle, 0, &res); /* rolls the operation back: nothing more moved */
    /* An operation that cannot be cancelled keeps what it holds: [*phys, top) is reported as not moved. */
    return -EBUSY;
}

static int range_loop(unsigned long command, phys_addr_t base, unsigned long size, phys_addr_t *out_top)
{
    struct arm_smccc_res res;
    phys_addr_t phys = base;
    phys_addr_t top = base + size;
    int ret = 0;

    while (phys < top) {
        unsigned long answer = step(command, phys, top, &res);
        unsigned long status = RMI_RETURN_STATUS(answer);
        if (status == RMI_SUCCESS && progress(phys, top, res.a1)) {
            phys = res.a1;
        } else if (status == RMI_INCOMPLETE) {
            ret = finish_operation(res.a1, answer, &phys, top);
            if (ret)
                break;
        } else {
            ret = status == RMI_SUCCESS ? -EIO : (int)status; /* no progress, or an error: stop */
            break;
        }
    }
    *out_top = phys;
    return ret;
}

int rmi_delegate_range(phys_addr_t base, unsigned long size, phys_addr_t *out_top)
{
    return range_loop(SMC_RMI_GRANULE_RANGE_DELEGATE, base, size, out_top);
}

int rmi_undelegate_range(phys_addr_t base, unsigned long size, phys_addr_t *out_top)
{
    return range_loop(SMC_RMI_GRANULE_RANGE_UNDELEGATE, base, size, out_top);
}
