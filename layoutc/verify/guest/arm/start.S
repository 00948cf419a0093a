/*
 * layoutc probe guest, ARMv7-A (short descriptors or LPAE), SVC mode: entry with the MMU off,
 * exception vectors, probe primitives.  The same scheme as arm64/start.S: program the
 * translation registers from the control block, VBAR := the vectors' virtual address, MMU on;
 * the next fetch (a physical address no table maps executable) aborts into the vectors, which
 * continue at virt_entry.  Probe primitives set TPIDRPRW to a recovery address: an abort
 * returns there in SVC mode with DFSR/IFSR/DFAR holding the fault.
 *
 * ctrl.regs (32-bit values in 64-bit words): [0] TTBCR [1] TTBR0 (64-bit with LPAE) [2] TTBR1
 * [3] DACR, kernel [4] DACR, user [5] PRRR or MAIR0 [6] NMRR or MAIR1 [7] SCTLR
 * [8] TTBCR, kernel [9] TTBCR, user
 */
#include "guest.h"

    .syntax unified
    .arm
    .arch armv7-a
    .arch_extension sec

    .text                       /* start.o links first: the landing pad is the image's first page */
    .globl _landing
_landing:                       /* 4 KiB of `bx lr`: kernel-exec probes of the image's first page */
    .rept 1024
    bx      lr
    .endr

    .globl _start
_start:                         /* the image's second page: the boot core enters here */
    b       1f
    .globl park
park:                           /* _start + 4: cores a machine starts besides the boot core wait here */
    wfi
    b       park

1:  ldr     r4, =CTRL_PA
    ldr     r0, [r4, #CTRL_REGS + 8 * 8]
    mcr     p15, 0, r0, c2, c0, 2       /* TTBCR (the kernel's) */
    ldr     r0, [r4, #CTRL_REGS + 0 * 8]
    tst     r0, #0x80000000             /* EAE: the 64-bit TTBRs; a CPU without LPAE (Cortex-A9) has */
    beq     4f                          /* no 64-bit TTBR access: mcrr would be undefined there */
    ldr     r0, [r4, #CTRL_REGS + 1 * 8]
    ldr     r1, [r4, #CTRL_REGS + 1 * 8 + 4]
    mcrr    p15, 0, r0, r1, c2          /* TTBR0, 64-bit */
    ldr     r0, [r4, #CTRL_REGS + 2 * 8]
    ldr     r1, [r4, #CTRL_REGS + 2 * 8 + 4]
    mcrr    p15, 1, r0, r1, c2          /* TTBR1, 64-bit */
    b       5f
4:  ldr     r0, [r4, #CTRL_REGS + 1 * 8]
    mcr     p15, 0, r0, c2, c0, 0       /* TTBR0, 32-bit */
    ldr     r0, [r4, #CTRL_REGS + 2 * 8]
    mcr     p15, 0, r0, c2, c0, 1       /* TTBR1, 32-bit */
5:  ldr     r0, [r4, #CTRL_REGS + 3 * 8]
    mcr     p15, 0, r0, c3, c0, 0       /* DACR */
    ldr     r0, [r4, #CTRL_REGS + 5 * 8]
    mcr     p15, 0, r0, c10, c2, 0      /* PRRR / MAIR0 */
    ldr     r0, [r4, #CTRL_REGS + 6 * 8]
    mcr     p15, 0, r0, c10, c2, 1      /* NMRR / MAIR1 */
    ldr     r0, =vectors
    mcr     p15, 0, r0, c12, c0, 0      /* VBAR */
    ldr     sp, =STACK_VA
    ldr     r0, =virt_entry
    mcr     p15, 0, r0, c13, c0, 4      /* TPIDRPRW: where the first abort continues */
    mov     r0, #0
    mcr     p15, 0, r0, c8, c7, 0       /* TLBIALL */
    dsb
    isb
    ldr     r0, [r4, #CTRL_REGS + 7 * 8]
    bic     r0, r0, #(1 << 13)          /* V = 0: vectors at VBAR, not 0xffff0000 */
    bic     r0, r0, #(1 << 1)           /* no alignment faults */
    mcr     p15, 0, r0, c1, c0, 0       /* SCTLR: MMU on */
    isb
2:  b       2b                          /* not fetched: this physical address is not mapped */

virt_entry:
    bl      guest_main
3:  wfi
    b       3b

    .balign 32
vectors:
    b       fatal                       /* reset */
    b       exception                   /* undefined */
    b       fatal                       /* svc */
    b       exception                   /* prefetch abort */
    b       exception                   /* data abort */
    b       fatal
    b       fatal                       /* irq */
    b       fatal                       /* fiq */

exception:
    mrc     p15, 0, ip, c13, c0, 4
    cmp     ip, #0
    beq     fatal
    mov     lr, ip
    mov     ip, #0
    mcr     p15, 0, ip, c13, c0, 4
    movs    pc, lr                      /* back to SVC mode (SPSR), at the recovery address */
fatal:                                  /* an exception no probe expected: spin, the host times out */
    mrc     p15, 0, r0, c5, c0, 0
    mrc     p15, 0, r1, c6, c0, 0
    b       fatal

/* u32 probe_read(u32 va, u64 *out): 0, *out = value; or 1 << 31 | DFSR, *out = DFAR */
    .globl probe_read
probe_read:
    adr     ip, 1f
    mcr     p15, 0, ip, c13, c0, 4
    ldrd    r2, r3, [r0]
    mov     ip, #0
    mcr     p15, 0, ip, c13, c0, 4
    strd    r2, r3, [r1]
    mov     r0, #0
    bx      lr
1:  mrc     p15, 0, r0, c5, c0, 0
    orr     r0, r0, #0x80000000
    mrc     p15, 0, r2, c6, c0, 0
    mov     r3, #0
    strd    r2, r3, [r1]
    bx      lr

/* u32 probe_write(u32 va, u64 value: r2:r3): 0 or 1 << 31 | DFSR */
    .globl probe_write
probe_write:
    adr     ip, 1f
    mcr     p15, 0, ip, c13, c0, 4
    strd    r2, r3, [r0]
    mov     ip, #0
    mcr     p15, 0, ip, c13, c0, 4
    mov     r0, #0
    bx      lr
1:  mrc     p15, 0, r0, c5, c0, 0
    orr     r0, r0, #0x80000000
    bx      lr

/* u32 probe_exec(u32 va): branch to a planted `bx lr`; 0 or 1 << 31 | IFSR */
    .globl probe_exec
probe_exec:
    adr     ip, 1f
    mcr     p15, 0, ip, c13, c0, 4
    mov     r3, lr
    blx     r0
    mov     ip, #0
    mcr     p15, 0, ip, c13, c0, 4
    mov     r0, #0
    bx      r3
1:  mrc     p15, 0, r0, c5, c0, 1
    orr     r0, r0, #0x80000000
    bx      r3

    .macro at_op name, opc2
    .globl \name
\name:                                  /* u64 name(u32 va): the PAR after ATS1Cxx */
    mcr     p15, 0, r0, c7, c8, \opc2
    isb
    mrc     p15, 0, r1, c2, c0, 2       /* TTBCR.EAE: the PAR has the format of the walk */
    tst     r1, #0x80000000
    bne     1f
    mrc     p15, 0, r0, c7, c4, 0       /* the 32-bit PAR: without LPAE there is no 64-bit access */
    mov     r1, #0
    bx      lr
1:  mrrc    p15, 0, r0, r1, c7          /* the 64-bit PAR (long-descriptor format) */
    bx      lr
    .endm
    at_op   at_s1cpr, 0
    at_op   at_s1cpw, 1
    at_op   at_s1cur, 2
    at_op   at_s1cuw, 3

/* void set_context(u32 ttbcr, u32 dacr): kernel or user translation regime, TLB flushed */
    .globl set_context
set_context:
    mcr     p15, 0, r0, c2, c0, 2
    mcr     p15, 0, r1, c3, c0, 0
    mov     r0, #0
    mcr     p15, 0, r0, c8, c7, 0
    dsb
    isb
    bx      lr

    .globl sync_icache
sync_icache:
    mov     r0, #0
    dsb
    mcr     p15, 0, r0, c7, c5, 0       /* ICIALLU */
    mcr     p15, 0, r0, c7, c5, 6       /* BPIALL */
    dsb
    isb
    bx      lr

    .ltorg
