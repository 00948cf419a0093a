/*
 * layoutc probe guest, x86-32: the firmware (QEMU -bios, the top 64 KiB below 4 GiB).
 * Reset vector (real mode) -> flat 32-bit protected mode, paging off -> a jump to the guest's
 * entry at its *physical* address (ctrl.regs[5]); the guest turns paging on with the tables
 * under test itself (start.S).  No SeaBIOS: nothing else touches RAM.
 */
#include "guest.h"

    .section .text
    .code16
start16:
    cli
    cld
    lgdtl   %cs:(gdt_desc - start16)      /* start16 is at 0xffff0000, the reset CS base */
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
    movw    %ax, %fs
    movw    %ax, %gs
    movl    $(CTRL_PA + CTRL_REGS), %esi
    movl    5 * 8(%esi), %eax
    jmp     *%eax

    .balign 8
gdt:                            /* the guest's start.S uses the same selectors */
    .quad   0
    .quad   0x00cf9b000000ffff  /* 0x08: 32-bit code (accessed set) */
    .quad   0x00cf93000000ffff  /* 0x10: data */
gdt_desc:
    .word   gdt_desc - gdt - 1
    .long   gdt

    .section .reset, "ax"
    .code16
reset:
    jmp     start16
    .balign 16, 0xf4
