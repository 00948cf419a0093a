/*
 * layoutc probe guest, x86_64: real kernel reads, writes and calls under the exception stubs.
 * layout.h is `layoutc emit header --prefix LAYOUT` of the layout under test; LIN() is its
 * direct map, PAGE_OFFSET + pa.  x86 has no address-translation instruction: the physical
 * address is proven with tokens the host loaded at the predicted addresses before boot (read
 * back through the probed address) and with the memory the host reads after the run (writes).
 */
#include "guest.h"
#include "layout.h"

#define LIN(pa) ((u64)(pa) + (u64)LAYOUT_PAGE_OFFSET)

u64 probe_read(u64 va, u64 *out);
u64 probe_write(u64 va, u64 value);
u64 probe_exec(u64 va);
void load_idt(void *idtr);
void load_gdt(void *gdtr);
typedef unsigned __int128 u128;
u128 probe_user(u64 va, u64 value, u64 stub);
extern char vectors[], user_stub[], user_stub_end[];

/* the data area (ctrl.regs[6], physical): IDT at +0, GDT at +0x200, TSS at +0x300, the user page's
 * tables at +0x1000.., the user page at +0x6000, the ring-0 stack for ring-3 faults up to +0x9000 */
#define D_GDT 0x200
#define D_TSS 0x300
#define D_TABLES 0x1000
#define D_USER 0x6000
#define D_RSP0 0x9000

/* map one user page (read-only, executable) at user_va through the user half of the root under test:
 * its slot there is empty in the boot tables, so no other probe changes (only where it faults: not
 * present one level lower, which #PF does not report) */
static void map_user_page(u64 root, u64 levels, u64 user_va, u64 data)
{
    u64 table = root;
    for (u64 level = levels; level > 1; level--) {
        unsigned shift = 12 + 9 * (unsigned)(level - 1);
        u64 *entry = (u64 *)LIN(table) + (user_va >> shift & 511);
        u64 next = data + D_TABLES + 0x1000 * (levels - level);
        *entry = next | 0x7;  /* P RW US */
        table = next;
    }
    *((u64 *)LIN(table) + (user_va >> 12 & 511)) = (data + D_USER) | 0x5;  /* P US: read-only, executable */
    for (char *from = user_stub, *to = (char *)LIN(data + D_USER); from < user_stub_end; from++, to++)
        *to = *from;
    __asm__ volatile("mov %%cr3, %%rax; mov %%rax, %%cr3" ::: "rax", "memory");
}

struct idtr {
    unsigned short limit;
    u64 base;
} __attribute__((packed));

void guest_main(void)
{
    volatile struct ctrl *c = (volatile struct ctrl *)LIN((u64)CTRL_PA);
    /* the IDT lives in the data area (the image is read-only): 32 interrupt gates, CS 0x18 */
    u64 *idt = (u64 *)LIN(c->regs[6]);
    for (int v = 0; v < 32; v++) {
        u64 h = (u64)vectors + 16 * v;
        idt[2 * v] = (h & 0xffff) | (0x18ULL << 16) | (0x8eULL << 40) | ((h >> 16 & 0xffff) << 48);
        idt[2 * v + 1] = h >> 32;
    }
    struct idtr idtr = {32 * 16 - 1, (u64)idt};
    load_idt(&idtr);
    u64 data = c->regs[6];
    u64 *gdt = (u64 *)LIN(data + D_GDT);
    gdt[0] = 0;
    gdt[1] = 0x00cf9b000000ffffULL;  /* 0x08 */
    gdt[2] = 0x00cf93000000ffffULL;  /* 0x10: kernel data */
    gdt[3] = 0x00af9b000000ffffULL;  /* 0x18: kernel code */
    gdt[4] = 0x00cff3000000ffffULL;  /* 0x20: user data (selector 0x23) */
    gdt[5] = 0x00affb000000ffffULL;  /* 0x28: user code (0x2b) */
    u64 tss = LIN(data + D_TSS);
    for (int i = 0; i < 13; i++)
        ((u64 *)tss)[i] = 0;
    *(u64 *)(tss + 4) = LIN(data + D_RSP0);  /* RSP0 */
    *(unsigned short *)(tss + 102) = 104;    /* no I/O bitmap */
    gdt[6] = 103 | (tss & 0xffffff) << 16 | 0x89ULL << 40 | (tss >> 24 & 0xff) << 56;  /* 0x30: TSS */
    gdt[7] = tss >> 32;
    struct idtr gdtr = {8 * 8 - 1, (u64)gdt};
    load_gdt(&gdtr);
    u64 user_va = c->regs[7];
    map_user_page(c->regs[1] & ~0xfffULL, c->regs[4], user_va, data);
    const struct probe *probes = (const struct probe *)LIN(c->probes);
    struct result *results = (struct result *)LIN(c->results);
    for (u64 i = 0; i < c->nprobes; i++) {
        const struct probe *p = &probes[i];
        struct result *r = &results[i];
        u64 value = 0, code;
        r->a = r->b = r->c = 0;
        switch (p->kind & 0xff) {
        case K_KREAD:
            code = probe_read(p->va, &value);
            r->status = code ? S_FAULT : S_OK;
            r->b = code ? code : value;
            r->c = code ? value : 0;
            break;
        case K_KWRITE:
            if (p->kind & K_NOPLANT) {  /* tables or the guest there: write back what is there */
                if (probe_read(p->va, &value)) {
                    code = probe_write(p->va, 0);  /* faults as the read did (the page is not there) */
                } else {
                    code = probe_write(p->va, value);
                }
            } else {
                code = probe_write(p->va, p->token);
            }
            r->status = code ? S_FAULT : S_OK;
            r->b = code;
            break;
        case K_KEXEC:
            if (!(p->kind & K_PLANTED) && p->plant != NO_PA) {
                r->status = S_SKIPPED;  /* a return instruction could not be loaded there */
                break;
            }
            code = probe_exec(p->va);
            r->status = code ? S_FAULT : S_OK;
            r->b = code;
            break;
        default: {  /* ring 3: the user stub on the probed address */
            u128 got = probe_user(p->va, p->token, user_va + ((p->kind & 0xff) == K_UREAD ? 0 : 5));
            code = (u64)got;
            r->status = code ? S_FAULT : S_OK;
            r->b = code ? code : (u64)(got >> 64);
            break;
        }
        }
        c->progress = i + 1;
    }
    c->done = DONE_MAGIC;
}
