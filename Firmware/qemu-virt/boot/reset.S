// The boot ROM (-bios): every CPU starts here at EL3 out of reset and jumps to the EL3 image in DRAM.
#include "board.h"
    .section .text
    .global _start
_start:
    movz    x0, #(EL3_BASE >> 16), lsl #16
    br      x0
