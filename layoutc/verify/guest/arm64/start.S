/*
 * layoutc probe guest, arm64 (EL1): entry with the MMU off, exception vectors, probe primitives.
 *
 * Entry (QEMU's generic loader sets the PC to the image's physical load address + 4 KiB):
 * program MAIR/TCR/TTBR0/TTBR1 from the control block, point VBAR_EL1 at the vectors' *virtual*
 * address and SCTLR_EL1.M on.  The next fetch is at a physical address that no table maps, so it
 * takes an instruction abort, and the vector continues at virt_entry (TPIDR_EL1): the guest needs
 * no identity map and runs only through the tables under test.
 *
 * Probe primitives run with TPIDR_EL1 = a recovery address: a synchronous exception resumes
 * there (ELR_EL1 := TPIDR_EL1) with ESR_EL1 and FAR_EL1 still holding the fault.
 */
#include "guest.h"

    .arch armv8.1-a

    .text                       /* start.o links first: the landing pad is the image's first page */
    .globl _landing
_landing:                       /* 4 KiB of `ret`: kernel-exec probes of the image's first page */
    .rept 1024
    ret
    .endr

    .globl _start
_start:
    ldr     x0, =CTRL_PA
    ldr     x1, [x0, #CTRL_REGS + 1 * 8]
    msr     mair_el1, x1
    ldr     x1, [x0, #CTRL_REGS + 0 * 8]
    msr     tcr_el1, x1
    ldr     x1, [x0, #CTRL_REGS + 3 * 8]
    msr     ttbr0_el1, x1
    ldr     x1, [x0, #CTRL_REGS + 4 * 8]
    msr     ttbr1_el1, x1
    ldr     x1, =vectors
    msr     vbar_el1, x1
    ldr     x1, =STACK_VA
    mov     sp, x1
    ldr     x1, =virt_entry
    msr     tpidr_el1, x1
    dsb     sy
    tlbi    vmalle1
    dsb     sy
    isb
    ldr     x1, [x0, #CTRL_REGS + 2 * 8]
    msr     sctlr_el1, x1
    isb
1:  b       1b                  /* not fetched: this physical address is not mapped */

virt_entry:
    bl      guest_main
3:  wfi
    b       3b

    .balign 2048
vectors:                        /* current EL (SP0, SPx), then lower EL (AArch64, AArch32) */
    .rept 8
    .balign 0x80
    b       exception
    .endr
    .rept 8
    .balign 0x80
    b       exception_lower
    .endr

exception_lower:                /* from EL0 (probe_uexec): resume at EL1h, interrupts masked */
    mov     x9, #0x3c5
    msr     spsr_el1, x9
exception:
    mrs     x9, tpidr_el1
    cbz     x9, fatal
    msr     elr_el1, x9
    msr     tpidr_el1, xzr
    eret
fatal:                          /* an exception no probe expected: spin, the host times out */
    mrs     x0, esr_el1
    mrs     x1, elr_el1
    mrs     x2, far_el1
    b       fatal

    .globl set_pan
set_pan:
    cbz     x0, 1f
    msr     pan, #1
    ret
1:  msr     pan, #0
    ret

/* u64 probe_read(u64 va, u64 *out): 0, *out = value; or ESR_EL1, *out = FAR_EL1 */
    .globl probe_read
probe_read:
    adr     x9, 1f
    msr     tpidr_el1, x9
    ldr     x2, [x0]
    msr     tpidr_el1, xzr
    str     x2, [x1]
    mov     x0, #0
    ret
1:  mrs     x0, esr_el1
    mrs     x2, far_el1
    str     x2, [x1]
    ret

/* u64 probe_write(u64 va, u64 value): 0 or ESR_EL1 */
    .globl probe_write
probe_write:
    adr     x9, 1f
    msr     tpidr_el1, x9
    str     x1, [x0]
    msr     tpidr_el1, xzr
    mov     x0, #0
    ret
1:  mrs     x0, esr_el1
    ret

/* u64 probe_exec(u64 va): branch to a planted `ret`; 0 or ESR_EL1 */
    .globl probe_exec
probe_exec:
    adr     x9, 1f
    msr     tpidr_el1, x9
    mov     x10, x30
    blr     x0
    msr     tpidr_el1, xzr
    mov     x30, x10
    mov     x0, #0
    ret
1:  mov     x30, x10
    mrs     x0, esr_el1
    ret

/* u64 probe_uexec(u64 va, u64 *far): eret to EL0 at va with x30 = UEXEC_SENTINEL; the planted `ret` then
 * fetches from the sentinel (outside both TTBR ranges).  Returns ESR_EL1 of the exception back from EL0,
 * *far = FAR_EL1: an instruction abort at the sentinel means va executed at EL0.  PSTATE.PAN comes back
 * clear (the caller sets it again). */
    .globl probe_uexec
probe_uexec:
    adr     x9, 1f
    msr     tpidr_el1, x9
    mov     x10, x30
    mov     x11, x1
    msr     elr_el1, x0
    mov     x9, #0x3c0          /* EL0t, DAIF masked */
    msr     spsr_el1, x9
    ldr     x30, =UEXEC_SENTINEL
    isb
    eret
1:  mov     x30, x10
    mrs     x0, esr_el1
    mrs     x2, far_el1
    str     x2, [x11]
    ret

    .macro at_op name, op
    .globl \name
\name:
    at      \op, x0
    isb
    mrs     x0, par_el1
    ret
    .endm
    at_op   at_s1e1r, s1e1r
    at_op   at_s1e1w, s1e1w
    at_op   at_s1e0r, s1e0r
    at_op   at_s1e0w, s1e0w

    .globl sync_icache
sync_icache:
    dsb     ish
    ic      iallu
    dsb     ish
    isb
    ret

    .ltorg
