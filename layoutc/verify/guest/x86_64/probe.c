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
extern char vectors[];

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
        default:
            r->status = S_SKIPPED;  /* user accesses: not probed on x86 yet */
            break;
        }
        c->progress = i + 1;
    }
    c->done = DONE_MAGIC;
}
