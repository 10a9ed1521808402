/*
 * A range loop in the shape the review discusses (the Linux v14 rmi_delegate_range), written for this example:
 * retry RMI_BUSY and RMI_BLOCKED without bound, take any RMI_SUCCESS as progress, return only a status.
 * `rmm check host` finds what is wrong with it (Examples/c-explore/run.sh; docs/c-host.md explains each defect).
 */
#include "swift_rmm_linux.h"
#include "rmi_ops.h"

static int range_loop(unsigned long command, phys_addr_t phys, unsigned long size)
{
    struct arm_smccc_res res;
    phys_addr_t top = phys + size;
    unsigned long ret = RMI_SUCCESS;

    while (phys < top) {
        arm_smccc_1_1_invoke(command, phys, top, &res);
        ret = res.a0;
        if (ret == RMI_SUCCESS)
            phys = res.a1;
        else if (ret != RMI_BUSY && ret != RMI_BLOCKED)
            return (int)ret;
        cond_resched();
    }
    return (int)ret;
}

int rmi_delegate_range(phys_addr_t phys, unsigned long size)
{
    return range_loop(SMC_RMI_GRANULE_RANGE_DELEGATE, phys, size);
}

int rmi_undelegate_range(phys_addr_t phys, unsigned long size)
{
    WARN_ON(size == 0);
    return range_loop(SMC_RMI_GRANULE_RANGE_UNDELEGATE, phys, size);
}
