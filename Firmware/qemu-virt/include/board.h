// The QEMU virt board as the firmware sees it (-M virt,secure=on,virtualization=on -cpu max -m 2G -smp 4):
// the memory map, the SMC function IDs the worlds exchange, and the EL3 context layout. Included by C, assembly
// and (through the C preprocessor) the linker scripts, so it holds only #defines.
#ifndef BOARD_H
#define BOARD_H

// --- Devices ---
#define BOARD_UART_BASE         0x09000000      // PL011 UART0
#define BOARD_CPU_COUNT         4

// --- Memory map (DRAM 0x4000_0000 ... 0xC000_0000 with -m 2G) ---
// QEMU puts the device tree in the first MiB of DRAM when firmware boots, so the images start above it.
#define EL3_BASE                0x40200000      // EL3: image, per-CPU stacks and contexts, heap (the GPT)
#define EL3_SIZE                0x00E00000
#define RMM_BASE                0x41000000      // the RMM (Secure EL2 standing in for Realm EL2)
#define RMM_SIZE                0x01000000
#define RMM_SHARED_BUFFER       (RMM_BASE + RMM_SIZE - 0x1000)  // EL3 -> RMM boot manifest, RMM -> EL3 figures
#define HOST_BASE               0x42000000      // the Non-secure host (NS-EL2)
#define HOST_SIZE               0x02000000
#define NS_BANK_BASE            0x44000000      // DRAM the host owns and may delegate
#define NS_BANK_TOP             0xC0000000
#define DRAM_BASE               0x40000000
#define DRAM_TOP                0xC0000000
#define L0_REGION_SIZE          0x40000000      // GPCCR_EL3.L0GPTSZ = 1 GiB
#define PLATFORM_L1_REGION      0x40000000      // the L0 region whose L1 GPT table EL3 builds at boot
#define HOST_L1_REGION          0x80000000      // the L0 region whose L1 GPT table the host creates (an SRO)

#define EL3_STACK_SIZE          0x8000
#define RMM_STACK_SIZE          0x10000
#define HOST_STACK_SIZE         0x8000
#define STACK_PAINT             0x5AFE5AFE5AFE5AFE

// --- SMC function IDs ---
#define SMCCC_NOT_SUPPORTED     0xFFFFFFFFFFFFFFFF
#define RMI_FID_FIRST           0xC4000150      // the RMI range EL3 forwards to the RMM
#define RMI_FID_LAST            0xC40003FF
#define RMM_RMI_REQ_COMPLETE    0xC400018F      // RMM -> EL3: X1...X5 are the answer to the host's RMI call
#define RMM_BOOT_COMPLETE       0xC40001CF      // RMM -> EL3: X1 the boot status (0 = ready)
#define RMM_BOOT_VERSION        0x00000001      // the boot interface version EL3 passes in X1
#define PSCI_VERSION            0x84000000
#define PSCI_CPU_ON             0xC4000003
#define PSCI_AFFINITY_INFO      0xC4000004
#define PSCI_SYSTEM_OFF         0x84000008
#define PSCI_FEATURES           0x8400000A
#define SIP_BOARD_GPI_GET       0xC2000001      // X1 PA -> X0 0, X1 the GPI in EL3's GPT (for the host's checks)
#define SIP_BOARD_REPORT        0xC2000002      // EL3 prints its and the RMM's stack and heap figures
#define SIP_BOARD_EXIT          0xC2000003      // X1 status: EL3 ends the run by semihosting with it

// --- EL3 per-CPU world context (one per world per CPU) ---
#define WORLD_NON_SECURE        0
#define WORLD_REALM             1
#define CTX_X0                  0x000           // X0...X30
#define CTX_SP_EL2              0x0F8
#define CTX_ELR_EL3             0x100
#define CTX_SPSR_EL3            0x108
#define CTX_SCR_EL3             0x110
#define CTX_EL3_SP              0x118           // the CPU's EL3 stack top
#define CTX_CPU                 0x120
#define CTX_WORLD               0x128
#define CTX_FPSR                0x130
#define CTX_FPCR                0x138
#define CTX_Q0                  0x140           // Q0...Q31
#define CTX_EL2                 0x340           // EL2 system registers, in the order of el2_sysregs in el3/entry.S
#define CTX_EL2_COUNT           27
#define CTX_SIZE                0x500

// --- Architectural values the entry code writes ---
#define SCR_NS                  (1 << 0)
#define SCR_RES1                ((1 << 4) | (1 << 5))
#define SCR_HCE                 (1 << 8)
#define SCR_RW                  (1 << 10)
#define SCR_API_APK             ((1 << 16) | (1 << 17))
#define SCR_EEL2                (1 << 18)
#define SPSR_EL2H_MASKED        0x3C9           // EL2h, DAIF masked
#define SCTLR_EL2_RES1          0x30C50830
#define CPTR_EL2_NO_TRAPS       0x33FF          // E2H = 0: RES1 bits, TFP = 0
#define HCR_EL2_RW              0x80000000      // RW: lower ELs are AArch64
#define MAIR_DEVICE_NORMAL      0xFF00          // attr0 Device-nGnRnE, attr1 Normal write-back
#define TCR_4G_4K               (0x80800000 | (3 << 12) | (1 << 10) | (1 << 8) | 32)  // RES1, SH0, ORGN0, IRGN0, T0SZ

#endif
