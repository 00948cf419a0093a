/*
 * layoutc probe guest, arm64: ask the MMU about every probe and write the raw answers back.
 *
 * Built from the layout under test: layout.h is `layoutc emit header --prefix LAYOUT` of it, the
 * image is linked with `layoutc emit ld --prefix LAYOUT` (the kernel image's virtual address),
 * and LIN() is the layout's linear map, PAGE_OFFSET + (pa - PHYS_OFFSET).
 *
 * ctrl.regs: [0] TCR_EL1 [1] MAIR_EL1 [2] SCTLR_EL1 [3] TTBR0_EL1 [4] TTBR1_EL1 [5] PSTATE.PAN
 * (kernel accesses), [24..25] the plantable physical range.
 */
#include "guest.h"
#include "layout.h"

#define LIN(pa) ((pa) - (u64)LAYOUT_PHYS_OFFSET + (u64)LAYOUT_PAGE_OFFSET)

u64 probe_read(u64 va, u64 *out);
u64 probe_write(u64 va, u64 value);
u64 probe_exec(u64 va);
u64 at_s1e1r(u64 va);
u64 at_s1e1w(u64 va);
u64 at_s1e0r(u64 va);
u64 at_s1e0w(u64 va);
void sync_icache(void);
void set_pan(u64 on);

/* no writable globals: the image is mapped read-only; state lives on the stack (linear map) */
static int plantable(u64 pa, u64 size)
{
    volatile struct ctrl *c = (volatile struct ctrl *)LIN((u64)CTRL_PA);
    for (int i = R_PLANT; i < R_PLANT + 2 * N_PLANT; i += 2)
        if (pa != NO_PA && pa >= c->regs[i] && pa < c->regs[i + 1] && size <= c->regs[i + 1] - pa)
            return 1;
    return 0;
}

static u64 par_pa(u64 par, u64 va)
{
    if (par & 1)
        return NO_PA;
    /* PAR_EL1.PA: bits [47:12], with a 52-bit PA bits [51:48] too */
    return (par & 0x000ffffffffff000ULL) | (va & 0xfff);
}

/* the guest's own accesses through the linear map go through the tables under test too (a negative
 * control may have made them read-only or unmapped): each one is a probe that may fail */
static int peek(u64 pa, u64 *value)
{
    return probe_read(LIN(pa), value) == 0;
}

static int poke(u64 pa, u64 value)
{
    return probe_write(LIN(pa), value) == 0;
}

static void read_probe(const struct probe *p, struct result *r)
{
    u64 va = p->va & ~7ULL, value = 0, old = 0;
    u64 hw = par_pa(r->a = at_s1e1r(va), va);
    u64 target = p->plant != NO_PA ? p->plant & ~7ULL : (hw == NO_PA ? NO_PA : hw & ~7ULL);
    int plant = !(p->kind & K_NOPLANT) && plantable(target, 8) && peek(target, &old) && poke(target, p->token);
    u64 esr = probe_read(va, &value);
    if (plant)
        poke(target, old);
    r->status = esr ? S_FAULT : S_OK;
    r->b = esr ? esr : value;
    r->c = esr ? value : (plant ? target : NO_PA);
}

static void write_probe(const struct probe *p, struct result *r)
{
    u64 va = p->va & ~7ULL, old = 0, seen = 0;
    u64 hw = par_pa(r->a = at_s1e1w(va), va);
    if (hw == NO_PA) {  /* the walk faults: so does the store, wherever it would have gone */
        u64 esr = probe_write(va, p->token);
        r->status = esr ? S_FAULT : S_OK;
        r->b = esr;
        r->c = NO_PA;
        return;
    }
    hw &= ~7ULL;
    if (!plantable(hw, 8) || !peek(hw, &old)) {
        r->status = S_SKIPPED;
        return;
    }
    u64 check = p->plant != NO_PA && plantable(p->plant & ~7ULL, 8) ? p->plant & ~7ULL : hw;
    u64 esr = probe_write(va, (p->kind & K_NOPLANT) ? old : p->token);
    int seen_ok = peek(check, &seen);
    poke(hw, old);
    r->status = esr ? S_FAULT : S_OK;
    r->b = esr ? esr : seen;
    r->c = esr || !seen_ok ? NO_PA : check;
}

static void exec_probe(const struct probe *p, struct result *r)
{
    u64 va = p->va & ~3ULL, old = 0;
    u64 hw = par_pa(r->a = at_s1e1r(va), va);
    if (p->kind & K_NOPLANT) {
        r->status = S_SKIPPED;
        return;
    }
    if (hw == NO_PA) {
        u64 esr = probe_exec(va);
        r->status = esr ? S_FAULT : S_OK;
        r->b = esr;
        r->c = NO_PA;
        return;
    }
    hw &= ~3ULL;
    if ((p->kind & K_PLANTED) && p->plant == hw) {  /* loaded at boot: nothing to write */
        u64 fsr_or_esr = probe_exec(va);
        r->status = fsr_or_esr ? S_FAULT : S_OK;
        r->b = fsr_or_esr;
        r->c = hw;
        return;
    }
    u64 word = hw & ~7ULL, shift = (hw & 4) * 8;
    if (!plantable(word, 8) || (p->plant != NO_PA && (p->plant & ~3ULL) != hw) || !peek(word, &old) ||
        !poke(word, (old & ~(0xffffffffULL << shift)) | (0xd65f03c0ULL << shift))) {  /* ret */
        r->status = S_SKIPPED;  /* the pa is wrong already (a), or cannot be planted: never run what is there */
        return;
    }
    sync_icache();
    u64 esr = probe_exec(va);
    poke(word, old);
    sync_icache();
    r->status = esr ? S_FAULT : S_OK;
    r->b = esr;
    r->c = hw;
}

void guest_main(void)
{
    volatile struct ctrl *c = (volatile struct ctrl *)LIN((u64)CTRL_PA);
    const struct probe *probes = (const struct probe *)LIN(c->probes);
    struct result *results = (struct result *)LIN(c->results);
    set_pan(c->regs[5]);
    for (u64 i = 0; i < c->nprobes; i++) {
        const struct probe *p = &probes[i];
        struct result *r = &results[i];
        r->a = r->b = r->c = 0;
        switch (p->kind & 0xff) {
        case K_KREAD:  read_probe(p, r); break;
        case K_KWRITE: write_probe(p, r); break;
        case K_KEXEC:  exec_probe(p, r); break;
        case K_UREAD:  r->a = at_s1e0r(p->va); r->status = S_OK; break;
        case K_UWRITE: r->a = at_s1e0w(p->va); r->status = S_OK; break;
        default:       r->status = S_SKIPPED; break;
        }
        c->progress = i + 1;
    }
    c->done = DONE_MAGIC;
}
