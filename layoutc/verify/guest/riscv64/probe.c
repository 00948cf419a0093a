/*
 * layoutc probe guest, RISC-V: plant physically in M-mode, access through the MMU as S or U.
 * ctrl.regs: [0] satp [1] sstatus.SUM for kernel accesses.
 */
#include "guest.h"
#include "layout.h"

u64 probe_load(u64 va, u64 mode, u64 *out);
u64 probe_store(u64 va, u64 mode, u64 value);
u64 probe_exec(u64 va);

#define MODE_S 1
#define MODE_U 0

static int plantable(volatile struct ctrl *c, u64 pa, u64 size)
{
    for (int i = R_PLANT; i < R_PLANT + 2 * N_PLANT; i += 2)
        if (pa != NO_PA && pa >= c->regs[i] && pa < c->regs[i + 1] && size <= c->regs[i + 1] - pa)
            return 1;
    return 0;
}

static void fence_i(void)
{
    __asm__ volatile("fence.i" ::: "memory");
}

void guest_main(void)
{
    volatile struct ctrl *c = (volatile struct ctrl *)(u64)CTRL_PA;
    const struct probe *probes = (const struct probe *)c->probes;
    struct result *results = (struct result *)c->results;
    for (u64 i = 0; i < c->nprobes; i++) {
        const struct probe *p = &probes[i];
        struct result *r = &results[i];
        unsigned kind = (unsigned)(p->kind & 0xff);
        u64 mode = kind >= K_UREAD ? MODE_U : MODE_S;
        u64 va = p->va & ~7ULL, value = 0, code;
        u64 at = p->plant == NO_PA ? NO_PA : (kind == K_KEXEC ? p->plant & ~3ULL : p->plant & ~7ULL);
        int plant = at != NO_PA && !(p->kind & K_NOPLANT) && plantable(c, at & ~7ULL, 8);
        volatile u64 *word = (volatile u64 *)(at & ~7ULL);
        u64 old = plant ? *word : 0;
        r->a = r->b = r->c = 0;
        if (kind == K_KREAD || kind == K_UREAD) {
            if (plant)
                *word = p->token;
            code = probe_load(va, mode, &value);
            r->b = code ? code : value;
            r->c = code ? value : (plant ? at : NO_PA);
        } else if (kind == K_KWRITE || kind == K_UWRITE) {
            if (plant) {
                code = probe_store(va, mode, p->token);
            } else if (!probe_load(va, mode, &value)) {  /* tables or the guest there: write back what is there */
                code = probe_store(va, mode, value);
            } else {
                code = probe_store(va, mode, 0);  /* faults as the load did */
            }
            r->b = code ? code : (plant ? *word : 0);
            r->c = code ? NO_PA : (plant ? at : NO_PA);
        } else {
            if (p->plant != NO_PA && !plant) {
                r->status = S_SKIPPED;
                c->progress = i + 1;
                continue;
            }
            if (plant) {
                unsigned shift = (unsigned)(at & 4) * 8;
                *word = (old & ~(0xffffffffULL << shift)) | (0x00000073ULL << shift);  /* ecall */
                fence_i();
            }
            code = probe_exec(p->va & ~3ULL);
            r->b = code;
            r->c = plant ? at : NO_PA;
        }
        if (plant)
            *word = old;
        fence_i();
        r->status = code ? S_FAULT : S_OK;
        c->progress = i + 1;
    }
    c->done = DONE_MAGIC;
}
