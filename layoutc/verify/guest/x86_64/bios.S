/*
 * layoutc probe guest, x86_64: the firmware (QEMU -bios, the top 64 KiB below 4 GiB).
 * Reset vector (real mode) -> protected mode -> long mode on a trampoline page table the
 * firmware builds at TRAMPOLINE (an identity map of the first 512 GiB plus the exported root's
 * top entry, which maps the kernel image) -> a jump to the guest's entry at its virtual
 * address.  The guest then switches CR3 to the tables under test and nothing else translates.
 * ctrl.regs: [0] CR0 [1] CR3 [2] CR4 [3] EFER [4] paging levels (4 or 5) [5] entry (virtual)
 */
#include "guest.h"

#define TRAMPOLINE 0x1000   /* 4 pages: [5-level root], PML4, PDPT; below 1 MiB, reserved by the layout */

    .section .text
    .code16
start16:
    cli
    cld
    lgdtl   %cs:(gdt_desc - 0xffff0000)
    movl    %cr0, %eax
    orl     $1, %eax
    movl    %eax, %cr0
    ljmpl   $0x08, $start32

    .code32
start32:
    movw    $0x10, %ax
    movw    %ax, %ds
    movw    %ax, %es
    movw    %ax, %ss
    /* clear the trampoline pages */
    movl    $TRAMPOLINE, %edi
    movl    $(4 * 4096 / 4), %ecx
    xorl    %eax, %eax
    rep stosl
    /* PDPT (TRAMPOLINE + 0x3000): 512 x 1 GiB identity, present, writable, PS */
    movl    $(TRAMPOLINE + 0x3000), %edi
    xorl    %ecx, %ecx
1:  movl    %ecx, %eax
    shll    $30, %eax
    orl     $0x83, %eax
    movl    %eax, (%edi, %ecx, 8)
    movl    %ecx, %eax
    shrl    $2, %eax
    movl    %eax, 4(%edi, %ecx, 8)
    incl    %ecx
    cmpl    $512, %ecx
    jne     1b
    /* PML4 (TRAMPOLINE + 0x2000)[0] -> PDPT; 5-level: root (TRAMPOLINE + 0x1000)[0] -> PML4 */
    movl    $(TRAMPOLINE + 0x3000 + 3), TRAMPOLINE + 0x2000
    movl    $(TRAMPOLINE + 0x2000 + 3), TRAMPOLINE + 0x1000
    movl    $(TRAMPOLINE + 0x2000), %ebx
    movl    $(CTRL_PA + CTRL_REGS), %esi
    cmpl    $5, 4 * 8(%esi)
    jne     2f
    movl    $(TRAMPOLINE + 0x1000), %ebx
2:  movl    %cr4, %eax
    orl     $(1 << 5), %eax               /* PAE */
    cmpl    $5, 4 * 8(%esi)
    jne     3f
    orl     $(1 << 12), %eax              /* LA57 */
3:  movl    %eax, %cr4
    movl    %ebx, %cr3
    movl    $0xc0000080, %ecx             /* EFER: LME, NXE */
    rdmsr
    orl     $((1 << 8) | (1 << 11)), %eax
    wrmsr
    movl    %cr0, %eax
    orl     $0x80000001, %eax
    movl    %eax, %cr0
    ljmpl   $0x18, $start64

    .code64
start64:
    movl    $(CTRL_PA + CTRL_REGS), %esi
    movq    1 * 8(%rsi), %rax             /* the exported root: copy its top entry (the kernel image) */
    andq    $~0xfff, %rax
    movq    511 * 8(%rax), %rax
    movq    %rax, 511 * 8(%rbx)
    movq    %rbx, %cr3
    movq    5 * 8(%rsi), %rax
    jmp     *%rax

    .balign 8
gdt:
    .quad   0
    .quad   0x00cf9b000000ffff            /* 0x08: 32-bit code (accessed set: nothing writes the GDT) */
    .quad   0x00cf93000000ffff            /* 0x10: data */
    .quad   0x00af9b000000ffff            /* 0x18: 64-bit code */
gdt_desc:
    .word   gdt_desc - gdt - 1
    .long   gdt

    .section .reset, "ax"
    .code16
reset:
    jmp     start16
    .balign 16, 0xf4
