/*
 * layoutc probe guest, x86-32 (ring 0, 2-level or PAE paging): entry at the image's *physical*
 * address with paging off (bios.S), exception stubs, probe primitives.
 *
 * The entry builds the IDT in the data area (ctrl.regs[6], physical: the image is mapped read-only),
 * points IDTR and GDTR at *virtual* addresses, loads the manifest's CR4 (EFER.NXE for PAE), CR3 and
 * CR0 and jumps to its virtual address; where the tables under test do not map the physical one
 * (Linux's boot tables have no identity map) that fetch faults and the #PF stub resumes at the
 * virtual entry: from then on only the tables under test translate.
 *
 * A probe primitive puts its recovery address in DR0 (a scratch register: DR7 enables nothing) and,
 * for ring-3 probes, its stack pointer in DR1.  An exception resumes there with ecx = vector,
 * edx = error code.
 */
#include "guest.h"

#define IDT_PA_REG (6 * 8)

    .text                       /* start.o links first: the landing pad is the image's first page */
    .globl _landing
_landing:
    .fill   4096, 1, 0xc3       /* ret */

    .globl _start
_start:
    movl    $(CTRL_PA + CTRL_REGS), %esi   /* no stack yet: the firmware leaves none */
    movl    5 * 8(%esi), %ebp
    subl    $_start, %ebp       /* ebp = physical - virtual (the image lies in the direct map) */
    movl    IDT_PA_REG(%esi), %edi   /* the IDT: 32 interrupt gates, CS 0x08, at the data area's start */
    movl    $vectors, %eax
    xorl    %ecx, %ecx
2:  movl    %eax, %edx
    andl    $0xffff, %edx
    orl     $0x00080000, %edx
    movl    %edx, (%edi, %ecx, 8)
    movl    %eax, %edx
    andl    $0xffff0000, %edx
    orl     $0x8e00, %edx
    movl    %edx, 4(%edi, %ecx, 8)
    addl    $16, %eax
    incl    %ecx
    cmpl    $32, %ecx
    jne     2b
    movw    $(32 * 8 - 1), 0x1f0(%edi)   /* IDTR at data + 0x1f0: limit, virtual base */
    movl    %edi, %eax
    subl    %ebp, %eax
    movl    %eax, 0x1f2(%edi)
    lidt    0x1f0(%edi)
    lgdt    gdt_desc(%ebp)      /* read at its physical address; the base in it is virtual */
    movl    $STACK_VA, %esp
    movl    $virt_entry, %eax
    movl    %eax, %dr0          /* the first fetch fault after paging is on resumes there */
    movl    2 * 8(%esi), %eax
    movl    %eax, %cr4
    movl    3 * 8(%esi), %eax   /* EFER (PAE: NXE); 0: leave it */
    testl   %eax, %eax
    jz      3f
    movl    $0xc0000080, %ecx
    xorl    %edx, %edx
    wrmsr
3:  movl    1 * 8(%esi), %eax
    movl    %eax, %cr3
    movl    0 * 8(%esi), %eax
    movl    $virt_entry, %ebx
    movl    %eax, %cr0
    jmp     *%ebx

virt_entry:
    xorl    %eax, %eax
    movl    %eax, %dr0
    movl    $STACK_VA, %esp
    call    guest_main
4:  hlt
    jmp     4b

    .macro stub vec, err
    .balign 16
    .if \err == 0
    pushl   $0
    .endif
    pushl   $\vec
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
    popl    %ecx                /* vector */
    popl    %edx                /* error code */
    movl    %dr0, %eax
    testl   %eax, %eax
    jz      fatal
    pushl   %eax
    xorl    %eax, %eax
    movl    %eax, %dr0
    popl    %eax
    testb   $3, 4(%esp)
    jnz     5f
    movl    %eax, (%esp)        /* from ring 0: iret to the recovery address, same stack */
    iret
5:  movl    %dr1, %esp          /* from ring 3: back on the stack probe_user saved */
    pushl   %eax
    movw    $0x10, %ax          /* the kernel's data segment again (ebx/esi hold what ring 3 read) */
    movw    %ax, %ds
    movw    %ax, %es
    popl    %eax
    jmp     *%eax
    .globl fatal
fatal:                          /* an exception no probe expected: spin, the host times out */
    hlt
    jmp     fatal

    .macro recover label
    movl    $\label, %eax
    movl    %eax, %dr0
    .endm
    .macro recovered
    xorl    %eax, %eax
    movl    %eax, %dr0
    .endm

/* the fault code in edx:eax: 1 << 63 | vector << 32 | error code */
fault_code:
    movl    %edx, %eax
    movl    %ecx, %edx
    orl     $0x80000000, %edx
    ret

/* u64 probe_read(u32 va, u64 *out): 0, *out = value; or the fault code, *out = CR2 */
    .globl probe_read
probe_read:
    pushl   %ebx
    pushl   %esi
    pushl   %edi
    movl    16(%esp), %edi
    movl    20(%esp), %esi
    recover 1f
    movl    (%edi), %ebx
    movl    4(%edi), %edi
    recovered
    movl    %ebx, (%esi)
    movl    %edi, 4(%esi)
    xorl    %eax, %eax
    xorl    %edx, %edx
    jmp     9f
1:  movl    %cr2, %eax
    movl    %eax, (%esi)
    movl    $0, 4(%esi)
    call    fault_code
9:  popl    %edi
    popl    %esi
    popl    %ebx
    ret

/* u64 probe_write(u32 va, u64 value) */
    .globl probe_write
probe_write:
    pushl   %ebx
    pushl   %esi
    pushl   %edi
    movl    16(%esp), %edi
    movl    20(%esp), %ebx
    movl    24(%esp), %esi
    recover 1f
    movl    %ebx, (%edi)
    movl    %esi, 4(%edi)
    recovered
    xorl    %eax, %eax
    xorl    %edx, %edx
    jmp     9f
1:  call    fault_code
9:  popl    %edi
    popl    %esi
    popl    %ebx
    ret

/* u64 probe_exec(u32 va): call a planted `ret` */
    .globl probe_exec
probe_exec:
    pushl   %ebx
    movl    %esp, %ebx
    recover 1f
    movl    8(%esp), %ecx
    call    *%ecx
    recovered
    xorl    %eax, %eax
    xorl    %edx, %edx
    popl    %ebx
    ret
1:  movl    %ebx, %esp
    call    fault_code
    popl    %ebx
    ret

    .balign 8
gdt:                            /* the firmware's selectors; accessed bits set: the image is read-only */
    .quad   0
    .quad   0x00cf9b000000ffff
    .quad   0x00cf93000000ffff
gdt_desc:
    .word   gdt_desc - gdt - 1
    .long   gdt

/* u64 probe_user(u32 va, u64 value, u32 stub, u64 *out): run the ring-3 stub (copied to the user page)
 * on va; it ends in ud2 (#UD: success, *out = the value read) or faults (the fault code) */
    .globl probe_user
probe_user:
    pushl   %ebx
    pushl   %esi
    pushl   %edi
    pushl   %ebp
    movl    20(%esp), %edi      /* va */
    movl    24(%esp), %ebx      /* value, low */
    movl    28(%esp), %esi      /* value, high */
    movl    32(%esp), %ebp      /* stub */
    movl    %esp, %eax
    movl    %eax, %dr1
    recover 1f
    movw    $0x23, %ax          /* user data: DPL 3, so ring 3 keeps DS/ES */
    movw    %ax, %ds
    movw    %ax, %es
    pushl   $0x23               /* SS */
    pushl   $0                  /* ESP: the stub uses no stack */
    pushl   $0x2                /* EFLAGS: interrupts off */
    pushl   $0x1b               /* CS: user code */
    pushl   %ebp
    iret
1:  movl    36(%esp), %eax      /* out */
    movl    %ebx, (%eax)
    movl    %esi, 4(%eax)
    cmpl    $6, %ecx
    je      2f
    call    fault_code
    jmp     9f
2:  xorl    %eax, %eax
    xorl    %edx, %edx
9:  popl    %ebp
    popl    %edi
    popl    %esi
    popl    %ebx
    ret

    .globl user_stub, user_stub_write, user_stub_end
user_stub:                      /* position-independent: copied to the user page */
    movl    (%edi), %ebx        /* user read */
    movl    4(%edi), %esi
    ud2
user_stub_write:
    movl    %ebx, (%edi)        /* user write */
    movl    %esi, 4(%edi)
    ud2
user_stub_end:

/* void load_gdt(void *gdtr): the data area's GDT (writable: ltr marks the TSS busy) and TR */
    .globl load_gdt
load_gdt:
    movl    4(%esp), %eax
    lgdt    (%eax)
    movw    $0x28, %ax
    ltr     %ax
    ret
