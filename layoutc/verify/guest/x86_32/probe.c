/*
 * layoutc probe guest, x86-32 (2-level or PAE): real kernel reads, writes and calls under the
 * exception stubs, user reads and writes in ring 3.  layout.h is `layoutc emit header --prefix
 * LAYOUT` of the layout under test; LIN() is its direct map, PAGE_OFFSET + pa.  As on x86_64 the
 * physical address is proven with tokens the host loaded before boot and memory it reads after.
 *
 * ctrl.regs: [0] CR0 [1] CR3 [2] CR4 [3] EFER (0: not written) [4] paging levels (2 or 3)
 * [5] entry (physical) [6] data area (physical) [7] the user page's virtual address
 */
#include "guest.h"
#include "layout.h"

typedef unsigned int uptr;
#define LIN(pa) ((uptr)((u64)(pa) + (u64)LAYOUT_PAGE_OFFSET))

u64 probe_read(uptr va, u64 *out);
u64 probe_write(uptr va, u64 value);
u64 probe_exec(uptr va);
u64 probe_user(uptr va, u64 value, uptr stub, u64 *out);
void load_gdt(void *gdtr);
extern char user_stub[], user_stub_write[], user_stub_end[];

/* the data area: IDT at +0 (start.S), GDT at +0x200, TSS at +0x300, the user page's tables at +0x1000..,
 * the user page at +0x6000, the ring-0 stack for ring-3 faults up to +0x9000 */
#define D_GDT 0x200
#define D_TSS 0x300
#define D_TABLES 0x1000
#define D_USER 0x6000
#define D_RSP0 0x9000

/* map one user page (read-only, executable) at user_va: follow the present entries of the tables under
 * test down to the first empty one (the host chose user_va so that no probe lies in what it covers) and
 * build the rest in the data area.  PAE: a PDPTE holds only P; 2-level entries are 4 bytes. */
static void map_user_page(u64 root, u64 levels, uptr user_va, u64 data)
{
    int pae = levels == 3;
    unsigned shifts[3] = {30, 21, 12}, shifts2[2] = {22, 12};
    unsigned *shift = pae ? shifts : shifts2;
    unsigned entries0 = pae ? 4 : 1024, entries = pae ? 512 : 1024;
    u64 table = root, fresh = data + D_TABLES;
    for (u64 level = 0; level < levels; level++) {
        unsigned slot = (user_va >> shift[level]) & ((level ? entries : entries0) - 1);
        u64 value;
        int last = level == levels - 1;
        if (last) {
            value = (data + D_USER) | 0x5;  /* P US: read-only, executable */
        } else {
            u64 present = pae ? *((u64 *)LIN(table) + slot) : *((u32 *)LIN(table) + slot);
            if (present & 1) {
                table = present & (pae ? 0x000ffffffffff000ULL : 0xfffff000ULL);
                continue;
            }
            value = fresh | (pae && level == 0 ? 0x1 : 0x7);  /* P (PDPTE) or P RW US */
        }
        if (pae)
            *((u64 *)LIN(table) + slot) = value;
        else
            *((u32 *)LIN(table) + slot) = (u32)value;
        if (!last) {
            table = fresh;
            fresh += 0x1000;
        }
    }
    for (char *from = user_stub, *to = (char *)LIN(data + D_USER); from < user_stub_end; from++, to++)
        *to = *from;
    __asm__ volatile("mov %%cr3, %%eax; mov %%eax, %%cr3" ::: "eax", "memory");  /* PAE: reloads the PDPTEs */
}

struct dtr {
    unsigned short limit;
    unsigned base;
} __attribute__((packed));

void guest_main(void)
{
    volatile struct ctrl *c = (volatile struct ctrl *)LIN((u64)CTRL_PA);
    u64 data = c->regs[6];
    u64 *gdt = (u64 *)LIN(data + D_GDT);
    gdt[0] = 0;
    gdt[1] = 0x00cf9b000000ffffULL;  /* 0x08: kernel code */
    gdt[2] = 0x00cf93000000ffffULL;  /* 0x10: kernel data */
    gdt[3] = 0x00cffb000000ffffULL;  /* 0x18: user code (selector 0x1b) */
    gdt[4] = 0x00cff3000000ffffULL;  /* 0x20: user data (0x23) */
    u32 *tss = (u32 *)LIN(data + D_TSS);
    for (int i = 0; i < 26; i++)
        tss[i] = 0;
    tss[1] = LIN(data + D_RSP0);  /* ESP0 */
    tss[2] = 0x10;                /* SS0 */
    tss[25] = 104 << 16;          /* I/O map base past the limit: no bitmap */
    u64 base = LIN(data + D_TSS);
    gdt[5] = 103 | (base & 0xffffff) << 16 | 0x89ULL << 40 | (base >> 24 & 0xff) << 56;  /* 0x28: TSS */
    struct dtr gdtr = {6 * 8 - 1, LIN(data + D_GDT)};
    load_gdt(&gdtr);
    uptr user_va = (uptr)c->regs[7];
    map_user_page(c->regs[1] & ~0x1fULL, c->regs[4], user_va, data);
    const struct probe *probes = (const struct probe *)LIN(c->probes);
    struct result *results = (struct result *)LIN(c->results);
    for (u64 i = 0; i < c->nprobes; i++) {
        const struct probe *p = &probes[i];
        struct result *r = &results[i];
        uptr va = (uptr)p->va;
        u64 value = 0, code;
        r->a = r->b = r->c = 0;
        switch (p->kind & 0xff) {
        case K_KREAD:
            code = probe_read(va, &value);
            r->status = code ? S_FAULT : S_OK;
            r->b = code ? code : value;
            r->c = code ? value : 0;
            break;
        case K_KWRITE:
            if (p->kind & K_NOPLANT) {  /* tables or the guest there: write back what is there */
                code = probe_read(va, &value) ? probe_write(va, 0) : probe_write(va, value);
            } else {
                code = probe_write(va, p->token);
            }
            r->status = code ? S_FAULT : S_OK;
            r->b = code;
            break;
        case K_KEXEC:
            if (!(p->kind & K_PLANTED) && p->plant != NO_PA) {
                r->status = S_SKIPPED;  /* a return instruction could not be loaded there */
                break;
            }
            code = probe_exec(va);
            r->status = code ? S_FAULT : S_OK;
            r->b = code;
            break;
        default: {  /* ring 3: the user stub on the probed address */
            uptr stub = user_va + ((p->kind & 0xff) == K_UREAD ? 0 : (uptr)(user_stub_write - user_stub));
            code = probe_user(va, p->token, stub, &value);
            r->status = code ? S_FAULT : S_OK;
            r->b = code ? code : value;
            break;
        }
        }
        c->progress = i + 1;
    }
    c->done = DONE_MAGIC;
}
