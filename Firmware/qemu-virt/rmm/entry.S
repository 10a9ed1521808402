// The RMM at Secure EL2 (standing in for Realm EL2). EL3 enters here on each CPU with X0 the CPU index, X1 the
// boot interface version, X2 the CPU count and X3 the shared buffer (TF-A's RMM boot arguments). After
// RMM_BOOT_COMPLETE, every return from an SMC to EL3 carries the host's next RMI call in X0...X6, and the answer
// goes back with RMM_RMI_REQ_COMPLETE in X1...X5: the RMM's whole life after boot is the loop below.
#include "board.h"

    .section .text.entry, "ax"
    .global rmm_entry
rmm_entry:
    mov     x19, x0
    mov     x20, x1
    mov     x21, x2
    mov     x22, x3
    msr     tpidr_el2, x19                      // the CPU index, restored by EL3's world switch
    ldr     x4, =__rmm_stacks
    mov     x5, #RMM_STACK_SIZE
    madd    x4, x19, x5, x4
    add     sp, x4, x5
    ldr     x4, =rmm_vectors
    msr     vbar_el2, x4
    ldr     x4, =CPTR_EL2_NO_TRAPS              // FP/SIMD for the Swift code
    msr     cptr_el2, x4
    isb
    cbnz    x19, 2f
    ldr     x0, =__bss_start                    // cold boot: .bss, then the translation tables
    ldr     x1, =__bss_end
1:  cmp     x0, x1
    b.hs    3f
    stp     xzr, xzr, [x0], #16
    b       1b
3:  bl      rmm_mmu_build
2:  ldr     x0, =MAIR_DEVICE_NORMAL
    msr     mair_el2, x0
    ldr     x0, =TCR_4G_4K
    msr     tcr_el2, x0
    ldr     x0, =rmm_tables
    msr     ttbr0_el2, x0
    dsb     sy
    tlbi    alle2
    dsb     sy
    isb
    ldr     x0, =(SCTLR_EL2_RES1 | (1 << 0) | (1 << 2) | (1 << 12))   // M, C, I
    msr     sctlr_el2, x0
    isb
    mov     x0, x19
    mov     x1, x20
    mov     x2, x21
    mov     x3, x22
    bl      rmm_boot                            // Swift: 0 when ready on this CPU
    mov     x1, x0
    ldr     x0, =RMM_BOOT_COMPLETE
    smc     #0

rmm_loop:                                       // X0...X6: the host's RMI call
    sub     sp, sp, #64
    stp     x0, x1, [sp, #0]
    stp     x2, x3, [sp, #16]
    stp     x4, x5, [sp, #32]
    str     x6, [sp, #48]
    mov     x0, sp
    mrs     x1, tpidr_el2
    bl      rmm_handle                          // Swift: the answer in the first five words
    ldp     x1, x2, [sp, #0]
    ldp     x3, x4, [sp, #16]
    ldr     x5, [sp, #32]
    add     sp, sp, #64
    ldr     x0, =RMM_RMI_REQ_COMPLETE
    smc     #0
    b       rmm_loop

// An SMC from the RMM to EL3 (the granule services): X0...X6 from regs[0...6], X0...X4 back into regs[0...4].
    .global rmm_el3_call
rmm_el3_call:
    mov     x9, x0
    ldp     x0, x1, [x9, #0]
    ldp     x2, x3, [x9, #16]
    ldp     x4, x5, [x9, #32]
    ldr     x6, [x9, #48]
    smc     #0
    stp     x0, x1, [x9, #0]
    stp     x2, x3, [x9, #16]
    str     x4, [x9, #32]
    ret

// Any exception taken to the RMM is a bug in it: report and stop the run.
    .macro  fault kind
    .balign 0x80
    mov     x0, #\kind
    mrs     x1, esr_el2
    mrs     x2, elr_el2
    mrs     x3, far_el2
    b       rmm_fault
    .endm
    .balign 0x800
rmm_vectors:
    .irp    kind, 0x000, 0x080, 0x100, 0x180, 0x200, 0x280, 0x300, 0x380, 0x400, 0x480, 0x500, 0x580, 0x600, 0x680, 0x700, 0x780
    fault   \kind
    .endr
rmm_fault:
    ldr     x4, =__rmm_stacks                   // a fresh stack: the fault may be a stack overflow
    mrs     x5, tpidr_el2
    mov     x6, #RMM_STACK_SIZE
    madd    x4, x5, x6, x4
    add     sp, x4, x6
    bl      rmm_report_fault
1:  wfe
    b       1b
