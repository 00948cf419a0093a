/*
 * layoutc probe guest, RISC-V (M-mode): linked at the kernel image's virtual address by the
 * layout's ld fragment, run at its physical address (medany code is PC-relative).  M-mode is
 * not translated: the guest plants tokens physically and asks the MMU through S/U-mode
 * accesses -- loads and stores with mstatus.MPRV (MPP = S or U), and for execution an mret into
 * S-mode at the probed address, where a planted `ecall` traps straight back.  Every trap comes
 * to `trap` (mtvec), which resumes at the recovery address in mscratch, back in M-mode, with
 * mcause and mtval in t5/t6.  QEMU 7.x shares TLB entries between M-mode and MPRV accesses:
 * sfence.vma around each access.
 */
#include "guest.h"

    .option norelax
    .text                       /* start.o links first: the landing pad is the image's first page */
    .globl _landing
_landing:
    .rept 1024
    ecall
    .endr

    .globl _start
_start:
    li      t0, -1
    srli    t0, t0, 10
    csrw    pmpaddr0, t0        /* PMP: S and U may reach all memory (the tables decide) */
    li      t0, 0x1f            /* NAPOT, R W X */
    csrw    pmpcfg0, t0
    csrw    medeleg, zero
    csrw    mideleg, zero
    csrw    mie, zero
    la      t0, trap
    csrw    mtvec, t0
    csrw    mscratch, zero
    li      sp, STACK_PA
    li      t0, CTRL_PA
    ld      t1, CTRL_REGS(t0)   /* satp */
    csrw    satp, t1
    sfence.vma
    call    guest_main
1:  wfi
    j       1b

    .balign 4
trap:
    csrr    t5, mcause
    csrr    t6, mtval
    csrrw   t4, mscratch, zero
    beqz    t4, fatal
    csrw    mepc, t4
    li      t4, 3 << 11         /* MPP = M: mret stays in M-mode (and MPRV stays as it is) */
    csrs    mstatus, t4
    li      t4, 1 << 17         /* MPRV off again */
    csrc    mstatus, t4
    mret
    .globl fatal
fatal:
    wfi
    j       fatal

    .macro set_mpp mode
    li      t4, 3 << 11
    csrc    mstatus, t4
    li      t4, \mode << 11
    csrs    mstatus, t4
    .endm

/* u64 probe_load(u64 va, u64 mode, u64 *out): MPRV load as `mode` (1 S, 0 U); 0, or 1 << 63 | mcause, *out = value / mtval */
    .globl probe_load
probe_load:
    la      t4, 1f
    csrw    mscratch, t4
    li      t4, 3 << 11
    csrc    mstatus, t4
    slli    t4, a1, 11
    csrs    mstatus, t4
    sfence.vma
    li      t4, 1 << 17
    csrs    mstatus, t4         /* MPRV on: loads and stores are translated as MPP */
    ld      t3, 0(a0)
    li      t4, 1 << 17
    csrc    mstatus, t4
    csrw    mscratch, zero
    sfence.vma
    sd      t3, 0(a2)
    li      a0, 0
    ret
1:  sfence.vma
    sd      t6, 0(a2)
    li      a0, 1
    slli    a0, a0, 63
    or      a0, a0, t5
    ret

/* u64 probe_store(u64 va, u64 mode, u64 value) */
    .globl probe_store
probe_store:
    la      t4, 1f
    csrw    mscratch, t4
    li      t4, 3 << 11
    csrc    mstatus, t4
    slli    t4, a1, 11
    csrs    mstatus, t4
    sfence.vma
    li      t4, 1 << 17
    csrs    mstatus, t4
    sd      a2, 0(a0)
    li      t4, 1 << 17
    csrc    mstatus, t4
    csrw    mscratch, zero
    sfence.vma
    li      a0, 0
    ret
1:  sfence.vma
    li      a0, 1
    slli    a0, a0, 63
    or      a0, a0, t5
    ret

/* u64 probe_exec(u64 va): mret into S-mode at va; the planted ecall (mcause 9) is success */
    .globl probe_exec
probe_exec:
    la      t4, 1f
    csrw    mscratch, t4
    li      t4, 3 << 11
    csrc    mstatus, t4
    li      t4, 1 << 11         /* MPP = S */
    csrs    mstatus, t4
    li      t4, 1 << 7          /* MPIE: interrupts stay off anyway (mie = 0) */
    csrc    mstatus, t4
    csrw    mepc, a0
    sfence.vma
    fence.i
    mret
1:  sfence.vma
    li      t4, 9
    li      a0, 0
    beq     t5, t4, 2f
    li      a0, 1
    slli    a0, a0, 63
    or      a0, a0, t5
2:  ret
