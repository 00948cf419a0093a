/*
 * layoutc probe guest, x86_64 (ring 0): entry at the kernel image's virtual address (the
 * firmware, bios.S, gets here on its trampoline page table), exception stubs, probe primitives.
 * The entry switches CR3/CR4/CR0 to the manifest's values: from then on only the tables under
 * test translate.  A probe primitive puts its recovery address in MSR_GS_BASE (a scratch
 * register nothing else uses here); an exception resumes there with r10 = vector,
 * r11 = error code, r9 = CR2.
 */
#include "guest.h"

    .text                       /* start.o links first: the landing pad is the image's first page */
    .globl _landing
_landing:
    .fill   4096, 1, 0xc3       /* ret */

    .globl _start
_start:
    movl    $(CTRL_PA + CTRL_REGS), %esi   /* still on the trampoline: the control block is identity mapped */
    movq    0 * 8(%rsi), %rbx
    movq    1 * 8(%rsi), %rcx
    movq    2 * 8(%rsi), %rax
    movq    %rax, %cr4
    lgdt    gdt_desc(%rip)              /* the firmware's GDT is at a physical address: use the image's */
    movq    %rcx, %cr3
    movq    %rbx, %cr0
    movabsq $STACK_VA, %rsp
    call    guest_main
1:  hlt
    jmp     1b

    .macro stub vec, err
    .balign 16
    .if \err == 0
    pushq   $0
    .endif
    pushq   $\vec
    jmp     exception
    .endm

    .balign 16
    .globl vectors
vectors:                        /* 32 stubs of 16 bytes: vector n at vectors + 16 * n */
    stub 0, 0
    stub 1, 0
    stub 2, 0
    stub 3, 0
    stub 4, 0
    stub 5, 0
    stub 6, 0
    stub 7, 0
    stub 8, 1
    stub 9, 0
    stub 10, 1
    stub 11, 1
    stub 12, 1
    stub 13, 1
    stub 14, 1
    stub 15, 0
    stub 16, 0
    stub 17, 1
    stub 18, 0
    stub 19, 0
    stub 20, 0
    stub 21, 1
    stub 22, 0
    stub 23, 0
    stub 24, 0
    stub 25, 0
    stub 26, 0
    stub 27, 0
    stub 28, 0
    stub 29, 1
    stub 30, 1
    stub 31, 0

exception:
    popq    %r10
    popq    %r11
    movq    %cr2, %r9
    movl    $0xc0000101, %ecx
    rdmsr
    shlq    $32, %rdx
    orq     %rdx, %rax
    jz      fatal
    movq    %rax, (%rsp)        /* the iret frame's RIP */
    testb   $3, 8(%rsp)
    jz      2f                  /* from ring 3: resume in ring 0 on the kernel stack probe_user saved */
    movq    $0x18, 8(%rsp)
    movq    $0x10, 32(%rsp)
    movl    $0xc0000102, %ecx
    rdmsr
    shlq    $32, %rdx
    orq     %rdx, %rax
    movq    %rax, 24(%rsp)
2:  xorl    %eax, %eax
    xorl    %edx, %edx
    wrmsr
    iretq
    .globl fatal
fatal:                          /* an exception no probe expected: spin, the host times out */
    hlt
    jmp     fatal

    .macro recover label
    leaq    \label(%rip), %rax
    movq    %rax, %rdx
    shrq    $32, %rdx
    movl    $0xc0000101, %ecx
    wrmsr
    .endm
    .macro recovered
    xorl    %eax, %eax
    xorl    %edx, %edx
    movl    $0xc0000101, %ecx
    wrmsr
    .endm

/* u64 probe_read(u64 va, u64 *out): 0, *out = value; or 1 << 63 | vector << 32 | error code, *out = CR2 */
    .globl probe_read
probe_read:
    recover 1f
    movq    (%rdi), %r8
    recovered
    movq    %r8, (%rsi)
    xorl    %eax, %eax
    ret
1:  movq    %r9, (%rsi)
    jmp     fault_code

/* u64 probe_write(u64 va, u64 value) */
    .globl probe_write
probe_write:
    recover 1f
    movq    %rsi, (%rdi)
    recovered
    xorl    %eax, %eax
    ret
1:  jmp     fault_code

/* u64 probe_exec(u64 va): call a planted `ret` */
    .globl probe_exec
probe_exec:
    recover 1f
    movq    %rsp, %r8
    call    *%rdi
    recovered
    xorl    %eax, %eax
    ret
1:  movq    %r8, %rsp
    jmp     fault_code

fault_code:
    movq    %r10, %rax
    shlq    $32, %rax
    orq     %r11, %rax
    btsq    $63, %rax
    ret

    .balign 8
gdt:                            /* the same selectors as bios.S; accessed bits set: the GDT is read-only */
    .quad   0
    .quad   0x00cf9b000000ffff
    .quad   0x00cf93000000ffff
    .quad   0x00af9b000000ffff
gdt_desc:
    .word   gdt_desc - gdt - 1
    .quad   gdt

/* u128 probe_user(u64 va, u64 value, u64 stub): run the ring-3 stub (user_read / user_write copied to a
 * user page) on va; it ends in ud2 (#UD: success, the value read in rdx) or faults (the fault code) */
    .globl probe_user
probe_user:
    movq    %rdx, %r9
    recover 1f
    movq    %rsp, %rax
    movq    %rax, %rdx
    shrq    $32, %rdx
    movl    $0xc0000102, %ecx   /* MSR_KERNEL_GS_BASE: scratch for the kernel stack pointer */
    wrmsr
    pushq   $0x23               /* SS: user data */
    pushq   $0                  /* RSP: the stub uses no stack */
    pushq   $0x2                /* RFLAGS: interrupts off */
    pushq   $0x2b               /* CS: user code */
    pushq   %r9
    iretq
1:  movq    %r8, %rdx
    cmpq    $6, %r10
    je      2f
    jmp     fault_code
2:  xorl    %eax, %eax
    ret

    .globl user_stub, user_stub_end
user_stub:                      /* position-independent: copied to the user page */
    movq    (%rdi), %r8         /* user read (offset 0) */
    ud2
    movq    %rsi, (%rdi)        /* user write (offset 5) */
    ud2
user_stub_end:

/* void load_gdt(void *gdtr): the data area's GDT (writable: ltr marks the TSS busy) and TR */
    .globl load_gdt
load_gdt:
    lgdt    (%rdi)
    movw    $0x30, %ax
    ltr     %ax
    ret

/* void load_idt(void *idtr) */
    .globl load_idt
load_idt:
    lidt    (%rdi)
    ret
