// The Non-secure host at EL2 (as a KVM host kernel runs): entry of the boot CPU and of every CPU started with
// PSCI CPU_ON (X0 the context id), its vectors, and the SMC conduit.
#include "board.h"

    .section .text.entry, "ax"
    .global host_entry
host_entry:
    mov     x20, x0
    mrs     x19, mpidr_el1
    and     x19, x19, #0xff
    ldr     x1, =__host_stacks
    mov     x2, #HOST_STACK_SIZE
    madd    x1, x19, x2, x1
    add     sp, x1, x2
    ldr     x1, =host_vectors
    msr     vbar_el2, x1
    ldr     x1, =CPTR_EL2_NO_TRAPS
    msr     cptr_el2, x1
    ldr     x1, =HCR_EL2_RW
    msr     hcr_el2, x1
    isb
    cbnz    x19, 2f
    ldr     x0, =__bss_start
    ldr     x1, =__bss_end
1:  cmp     x0, x1
    b.hs    3f
    stp     xzr, xzr, [x0], #16
    b       1b
3:  bl      host_mmu_build
2:  ldr     x0, =MAIR_DEVICE_NORMAL
    msr     mair_el2, x0
    ldr     x0, =TCR_4G_4K
    msr     tcr_el2, x0
    ldr     x0, =host_tables
    msr     ttbr0_el2, x0
    dsb     sy
    tlbi    alle2
    dsb     sy
    isb
    ldr     x0, =(SCTLR_EL2_RES1 | (1 << 0) | (1 << 2) | (1 << 12))
    msr     sctlr_el2, x0
    isb
    mov     x0, x19
    mov     x1, x20
    bl      host_main                           // C: never returns on the boot CPU
4:  wfe
    b       4b

// struct arm_smccc_res { x0...x4 }: X0...X6 in, X0...X4 out (SMCCC 1.1 and later preserve X4...X17 otherwise).
    .global host_smc
host_smc:                                       // (x0...x6 args, x7 = result pointer)
    smc     #0
    stp     x0, x1, [x7, #0]
    stp     x2, x3, [x7, #16]
    str     x4, [x7, #32]
    ret

// A synchronous exception at the host's EL2 that a check expects (host_probe_read): record it, skip the load.
    .macro  unexpected kind
    .balign 0x80
    mov     x0, #\kind
    mrs     x1, esr_el2
    mrs     x2, elr_el2
    mrs     x3, far_el2
    b       host_fault
    .endm
    .balign 0x800
host_vectors:
    unexpected 0x000
    unexpected 0x080
    unexpected 0x100
    unexpected 0x180
    .balign 0x80                                // 0x200: current EL with SP_ELx, synchronous
    b       host_sync
    unexpected 0x280
    unexpected 0x300
    unexpected 0x380
    unexpected 0x400
    unexpected 0x480
    unexpected 0x500
    unexpected 0x580
    unexpected 0x600
    unexpected 0x680
    unexpected 0x700
    unexpected 0x780

host_sync:
    mrs     x9, elr_el2
    ldr     x10, =host_probe_load
    cmp     x9, x10
    b.ne    1f
    mrs     x9, esr_el2                         // the probe's load faulted: answer the ESR, skip the load
    mov     x0, x9
    add     x10, x10, #4
    msr     elr_el2, x10
    eret
1:  mov     x0, #0x200
    mrs     x1, esr_el2
    mrs     x2, elr_el2
    mrs     x3, far_el2
    b       host_fault

// uint64_t host_probe_read(uint64_t va): 0 when the load from va succeeded, else the ESR of its fault.
    .global host_probe_read
host_probe_read:
    mov     x9, x0
    mov     x0, #0
host_probe_load:
    ldr     x10, [x9]
    ret

// Loads a pattern into V0...V31, makes the SMC, and answers how many of them came back changed.
    .global host_smc_keeps_simd
host_smc_keeps_simd:                            // (x0...x6 args)
    mov     x9, #0x111
    dup     v0.2d, x9
    .irp    n, 1,2,3,4,5,6,7,8,9,10,11,12,13,14,15,16,17,18,19,20,21,22,23,24,25,26,27,28,29,30,31
    add     x9, x9, #0x111
    dup     v\n\().2d, x9
    .endr
    smc     #0
    mov     x0, #0
    mov     x9, #0x111
    .irp    n, 0,1,2,3,4,5,6,7,8,9,10,11,12,13,14,15,16,17,18,19,20,21,22,23,24,25,26,27,28,29,30,31
    mov     x10, v\n\().d[0]
    mov     x11, v\n\().d[1]
    cmp     x10, x9
    ccmp    x11, x9, #0, eq
    cinc    x0, x0, ne
    add     x9, x9, #0x111
    .endr
    ret

// Loads a pattern into X18...X28 and X4...X17 past the call's registers, makes the SMC, and answers how many
// came back changed (an RMI call with X1...X6 as given; its answer is dropped).
    .global host_smc_keeps_registers
host_smc_keeps_registers:
    stp     x19, x20, [sp, #-96]!
    stp     x21, x22, [sp, #16]
    stp     x23, x24, [sp, #32]
    stp     x25, x26, [sp, #48]
    stp     x27, x28, [sp, #64]
    stp     x29, x30, [sp, #80]
    .irp    n, 7,8,9,10,11,12,13,14,15,16,17,18,19,20,21,22,23,24,25,26,27,28
    mov     x\n, #(0x100 + \n)
    .endr
    smc     #0
    mov     x0, #0
    .irp    n, 7,8,9,10,11,12,13,14,15,16,17,18,19,20,21,22,23,24,25,26,27,28
    cmp     x\n, #(0x100 + \n)
    cinc    x0, x0, ne
    .endr
    ldp     x21, x22, [sp, #16]
    ldp     x23, x24, [sp, #32]
    ldp     x25, x26, [sp, #48]
    ldp     x27, x28, [sp, #64]
    ldp     x29, x30, [sp, #80]
    ldp     x19, x20, [sp], #96
    ret
