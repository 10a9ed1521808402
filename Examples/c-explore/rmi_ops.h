/* The RMI numbers the example loops use (DEN0137 RMM v2.0), written out as kernel code brings its own. */
#ifndef RMI_OPS_H
#define RMI_OPS_H

#define SMC_RMI_GRANULE_RANGE_DELEGATE 0xC40001F1UL
#define SMC_RMI_GRANULE_RANGE_UNDELEGATE 0xC40001F2UL
#define SMC_RMI_OP_CONTINUE 0xC4000203UL
#define SMC_RMI_OP_CANCEL 0xC400020AUL

#define RMI_SUCCESS 0
#define RMI_BUSY 10
#define RMI_INCOMPLETE 13
#define RMI_BLOCKED 14

/* The result word: status in bits 7:0; for RMI_INCOMPLETE, the memory request in 9:8 and can-cancel in bit 10. */
#define RMI_RETURN_STATUS(x) ((x) & 0xff)
#define RMI_INCOMPLETE_REQUEST(x) (((x) >> 8) & 0x3)
#define RMI_INCOMPLETE_CAN_CANCEL(x) (((x) >> 10) & 0x1)

#endif
