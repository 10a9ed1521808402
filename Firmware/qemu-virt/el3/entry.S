// EL3: reset entry of every CPU, the exception vectors, and the world switch.
//
// While a lower EL runs, SP_EL3 points at the world context of that CPU it came from (TF-A's layout): an SMC saves
// X0-X30, SP_EL2, ELR/SPSR/SCR_EL3 and the FP/SIMD registers there, moves to the CPU's EL3 stack and calls
// el3_handle_sync(context), which answers the context to resume. When that is the other world, the EL2 system
// registers are saved to the old context and loaded from the new one, and the CPU leaves EL3 into the new world.
#include "board.h"

    .section .text.entry, "ax"
    .global el3_reset
el3_reset:
    mrs     x0, CurrentEL
    cmp     x0, #(3 << 2)
    b.ne    wrong_el
    mrs     x19, mpidr_el1
    and     x19, x19, #0xff                     // CPU index (QEMU virt: Aff0)
    cmp     x19, #BOARD_CPU_COUNT
    b.hs    park
    ldr     x0, =__el3_stacks                   // this CPU's EL3 stack
    mov     x1, #EL3_STACK_SIZE
    madd    x0, x19, x1, x0
    add     sp, x0, x1
    msr     cptr_el3, xzr                       // no FP/SIMD traps to EL3: the Swift code uses NEON
    ldr     x0, =el3_vectors
    msr     vbar_el3, x0
    isb
    cbnz    x19, secondary

    ldr     x0, =__bss_start                    // the primary zeroes .bss and builds the translation tables
    ldr     x1, =__bss_end
1:  cmp     x0, x1
    b.hs    2f
    stp     xzr, xzr, [x0], #16
    b       1b
2:  bl      el3_mmu_build
    bl      mmu_enable_el3
    bl      el3_cold_boot                       // C: returns the context to enter (the RMM's, for its boot)
    b       el3_enter

secondary:                                      // wait (MMU off) until the primary built the tables
    ldr     x0, =el3_tables_ready
3:  ldar    w1, [x0]
    cbnz    w1, 4f
    wfe
    b       3b
4:  bl      mmu_enable_el3
    mov     x0, x19
    bl      el3_secondary_wait                  // C: PSCI CPU_ON; returns the context to enter
    b       el3_enter

wrong_el:                                       // this image needs EL3: -M virt,secure=on
    ldr     x1, =BOARD_UART_BASE
    mov     w2, #'!'
    str     w2, [x1]
park:
    wfe
    b       park

mmu_enable_el3:
    ldr     x0, =MAIR_DEVICE_NORMAL
    msr     mair_el3, x0
    ldr     x0, =TCR_4G_4K
    msr     tcr_el3, x0
    ldr     x0, =el3_tables
    msr     ttbr0_el3, x0
    dsb     sy
    tlbi    alle3
    dsb     sy
    isb
    mrs     x0, sctlr_el3
    orr     x0, x0, #(1 << 0)                   // M
    orr     x0, x0, #(1 << 2)                   // C
    orr     x0, x0, #(1 << 12)                  // I
    bic     x0, x0, #(1 << 1)                   // A: no alignment checks
    msr     sctlr_el3, x0
    isb
    ret

// Enters the world of context x0 for the first time: its EL2 registers, then the common exit.
el3_enter:
    mov     x20, x0
    add     x0, x20, #CTX_EL2
    bl      el2_sysregs_restore
    mov     x0, x20
    b       el3_exit

// --- EL2 system registers of a world: saved and restored on each world switch (x0 = the CTX_EL2 area) ---
    .macro  el2_sysregs op, ldop
    \op     sctlr_el2, tcr_el2, 0
    \op     ttbr0_el2, mair_el2, 16
    \op     amair_el2, vbar_el2, 32
    \op     elr_el2, spsr_el2, 48
    \op     esr_el2, far_el2, 64
    \op     hpfar_el2, hcr_el2, 80
    \op     cptr_el2, tpidr_el2, 96
    \op     vtcr_el2, vttbr_el2, 112
    \op     cnthctl_el2, cntvoff_el2, 128
    \op     mdcr_el2, hstr_el2, 144
    \op     vpidr_el2, vmpidr_el2, 160
    \op     actlr_el2, afsr0_el2, 176
    \op     afsr1_el2, cnthp_ctl_el2, 192
    \ldop   cnthp_cval_el2, 208
    .endm
    .macro  save_pair a, b, offset
    mrs     x9, \a
    mrs     x10, \b
    stp     x9, x10, [x0, #\offset]
    .endm
    .macro  restore_pair a, b, offset
    ldp     x9, x10, [x0, #\offset]
    msr     \a, x9
    msr     \b, x10
    .endm
    .macro  save_one a, offset
    mrs     x9, \a
    str     x9, [x0, #\offset]
    .endm
    .macro  restore_one a, offset
    ldr     x9, [x0, #\offset]
    msr     \a, x9
    .endm

el2_sysregs_save:
    el2_sysregs save_pair, save_one
    ret
el2_sysregs_restore:
    el2_sysregs restore_pair, restore_one
    isb
    ret

// --- Vectors: only a synchronous exception from a lower AArch64 EL (an SMC) is served ---
    .macro  unexpected kind
    .balign 0x80
    mov     x0, #\kind
    mrs     x1, esr_el3
    mrs     x2, elr_el3
    mrs     x3, far_el3
    b       el3_unexpected
    .endm

    .balign 0x800
el3_vectors:
    unexpected 0x000
    unexpected 0x080
    unexpected 0x100
    unexpected 0x180
    unexpected 0x200                            // current EL: a fault in EL3 itself
    unexpected 0x280
    unexpected 0x300
    unexpected 0x380
    .balign 0x80                                // 0x400: lower EL, AArch64, synchronous
    stp     x0, x1, [sp, #(CTX_X0 + 0 * 8)]
    stp     x2, x3, [sp, #(CTX_X0 + 2 * 8)]
    b       el3_save
    unexpected 0x480
    unexpected 0x500
    unexpected 0x580
    unexpected 0x600
    unexpected 0x680
    unexpected 0x700
    unexpected 0x780

el3_save:
    stp     x4, x5, [sp, #(CTX_X0 + 4 * 8)]
    stp     x6, x7, [sp, #(CTX_X0 + 6 * 8)]
    stp     x8, x9, [sp, #(CTX_X0 + 8 * 8)]
    stp     x10, x11, [sp, #(CTX_X0 + 10 * 8)]
    stp     x12, x13, [sp, #(CTX_X0 + 12 * 8)]
    stp     x14, x15, [sp, #(CTX_X0 + 14 * 8)]
    stp     x16, x17, [sp, #(CTX_X0 + 16 * 8)]
    stp     x18, x19, [sp, #(CTX_X0 + 18 * 8)]
    stp     x20, x21, [sp, #(CTX_X0 + 20 * 8)]
    stp     x22, x23, [sp, #(CTX_X0 + 22 * 8)]
    stp     x24, x25, [sp, #(CTX_X0 + 24 * 8)]
    stp     x26, x27, [sp, #(CTX_X0 + 26 * 8)]
    stp     x28, x29, [sp, #(CTX_X0 + 28 * 8)]
    mrs     x0, sp_el2
    stp     x30, x0, [sp, #(CTX_X0 + 30 * 8)]   // X30, then SP_EL2 at CTX_SP_EL2
    mrs     x0, elr_el3
    mrs     x1, spsr_el3
    stp     x0, x1, [sp, #CTX_ELR_EL3]
    mrs     x0, scr_el3
    str     x0, [sp, #CTX_SCR_EL3]
    mrs     x0, fpsr
    mrs     x1, fpcr
    stp     x0, x1, [sp, #CTX_FPSR]
    add     x0, sp, #CTX_Q0
    stp     q0, q1, [x0], #32
    stp     q2, q3, [x0], #32
    stp     q4, q5, [x0], #32
    stp     q6, q7, [x0], #32
    stp     q8, q9, [x0], #32
    stp     q10, q11, [x0], #32
    stp     q12, q13, [x0], #32
    stp     q14, q15, [x0], #32
    stp     q16, q17, [x0], #32
    stp     q18, q19, [x0], #32
    stp     q20, q21, [x0], #32
    stp     q22, q23, [x0], #32
    stp     q24, q25, [x0], #32
    stp     q26, q27, [x0], #32
    stp     q28, q29, [x0], #32
    stp     q30, q31, [x0], #32

    mov     x19, sp                             // the context we came from
    ldr     x0, [x19, #CTX_EL3_SP]
    mov     sp, x0
    mov     x0, x19
    bl      el3_handle_sync                     // C: the context to resume
    cmp     x0, x19
    b.eq    el3_exit
    mov     x20, x0                             // a world switch
    add     x0, x19, #CTX_EL2
    bl      el2_sysregs_save
    add     x0, x20, #CTX_EL2
    bl      el2_sysregs_restore
    mov     x0, x20

// Leaves EL3 into the context at x0; SP_EL3 stays on it until the next exception.
el3_exit:
    mov     sp, x0
    ldr     x1, [sp, #CTX_SCR_EL3]
    msr     scr_el3, x1
    ldp     x1, x2, [sp, #CTX_ELR_EL3]
    msr     elr_el3, x1
    msr     spsr_el3, x2
    ldr     x1, [sp, #CTX_SP_EL2]
    msr     sp_el2, x1
    ldp     x1, x2, [sp, #CTX_FPSR]
    msr     fpsr, x1
    msr     fpcr, x2
    add     x0, sp, #CTX_Q0
    ldp     q0, q1, [x0], #32
    ldp     q2, q3, [x0], #32
    ldp     q4, q5, [x0], #32
    ldp     q6, q7, [x0], #32
    ldp     q8, q9, [x0], #32
    ldp     q10, q11, [x0], #32
    ldp     q12, q13, [x0], #32
    ldp     q14, q15, [x0], #32
    ldp     q16, q17, [x0], #32
    ldp     q18, q19, [x0], #32
    ldp     q20, q21, [x0], #32
    ldp     q22, q23, [x0], #32
    ldp     q24, q25, [x0], #32
    ldp     q26, q27, [x0], #32
    ldp     q28, q29, [x0], #32
    ldp     q30, q31, [x0], #32
    isb
    ldp     x2, x3, [sp, #(CTX_X0 + 2 * 8)]
    ldp     x4, x5, [sp, #(CTX_X0 + 4 * 8)]
    ldp     x6, x7, [sp, #(CTX_X0 + 6 * 8)]
    ldp     x8, x9, [sp, #(CTX_X0 + 8 * 8)]
    ldp     x10, x11, [sp, #(CTX_X0 + 10 * 8)]
    ldp     x12, x13, [sp, #(CTX_X0 + 12 * 8)]
    ldp     x14, x15, [sp, #(CTX_X0 + 14 * 8)]
    ldp     x16, x17, [sp, #(CTX_X0 + 16 * 8)]
    ldp     x18, x19, [sp, #(CTX_X0 + 18 * 8)]
    ldp     x20, x21, [sp, #(CTX_X0 + 20 * 8)]
    ldp     x22, x23, [sp, #(CTX_X0 + 22 * 8)]
    ldp     x24, x25, [sp, #(CTX_X0 + 24 * 8)]
    ldp     x26, x27, [sp, #(CTX_X0 + 26 * 8)]
    ldp     x28, x29, [sp, #(CTX_X0 + 28 * 8)]
    ldr     x30, [sp, #(CTX_X0 + 30 * 8)]
    ldp     x0, x1, [sp, #(CTX_X0 + 0 * 8)]
    eret

el3_unexpected:                                 // x0 kind, x1 ESR, x2 ELR, x3 FAR
    ldr     x4, =__el3_stacks                   // a fresh stack: the fault may be a stack overflow
    mrs     x5, mpidr_el1
    and     x5, x5, #0xff
    mov     x6, #EL3_STACK_SIZE
    madd    x4, x5, x6, x4
    add     sp, x4, x6
    bl      el3_report_unexpected
    b       park
