/*
 * layoutc probe guest, ARMv7-A: ask the MMU about every probe and write the raw answers back.
 * layout.h is `layoutc emit header --prefix LAYOUT` of the layout under test; LIN() is its
 * linear map (lowmem), PAGE_OFFSET + (pa - PHYS_OFFSET).  Kernel probes run in the kernel's
 * translation context (SW PAN: DACR with DOMAIN_USER no-access; LPAE: TTBCR.EPD0), user probes
 * (ATS1CUR/ATS1CUW) in the user one.  See start.S for ctrl.regs.
 */
#include "guest.h"
#include "layout.h"

typedef unsigned int uptr;
#define LIN(pa) ((uptr)((pa) - (u64)LAYOUT_PHYS_OFFSET + (u64)LAYOUT_PAGE_OFFSET))

u32 probe_read(uptr va, u64 *out);
u32 probe_write(uptr va, u64 value);
u32 probe_exec(uptr va);
u64 at_s1cpr(uptr va);
u64 at_s1cpw(uptr va);
u64 at_s1cur(uptr va);
u64 at_s1cuw(uptr va);
void set_context(u32 ttbcr, u32 dacr);
void sync_icache(void);

static volatile struct ctrl *ctrl(void)
{
    return (volatile struct ctrl *)LIN((u64)CTRL_PA);
}

/* no writable globals: the image is mapped read-only */
static int plantable(u64 pa, u64 size)
{
    volatile struct ctrl *c = ctrl();
    for (int i = R_PLANT; i < R_PLANT + 2 * N_PLANT; i += 2)
        if (pa != NO_PA && pa >= c->regs[i] && pa < c->regs[i + 1] && size <= c->regs[i + 1] - pa)
            return 1;
    return 0;
}

static u64 par_pa(u64 par, uptr va)
{
    if (par & 1)
        return NO_PA;
    if (par & (1 << 11))  /* the long-descriptor PAR: PA[39:12] */
        return (par & 0xfffffff000ULL) | (va & 0xfff);
    if (par & (1 << 1))   /* a supersection: PA[31:24], PA[39:32] in bits [15:8] */
        return (par & 0xff000000ULL) | ((par >> 8 & 0xff) << 32) | (va & 0xffffff);
    return (par & 0xfffff000ULL) | (va & 0xfff);
}

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
    uptr va = (uptr)p->va & ~7U;
    u64 value = 0, old = 0;
    u64 hw = par_pa(r->a = at_s1cpr(va), va);
    u64 target = p->plant != NO_PA ? p->plant & ~7ULL : (hw == NO_PA ? NO_PA : hw & ~7ULL);
    int plant = !(p->kind & K_NOPLANT) && plantable(target, 8) && peek(target, &old) && poke(target, p->token);
    u32 fsr = probe_read(va, &value);
    if (plant)
        poke(target, old);
    r->status = fsr ? S_FAULT : S_OK;
    r->b = fsr ? fsr : value;
    r->c = fsr ? value : (plant ? target : NO_PA);
}

static void write_probe(const struct probe *p, struct result *r)
{
    uptr va = (uptr)p->va & ~7U;
    u64 old = 0, seen = 0;
    u64 hw = par_pa(r->a = at_s1cpw(va), va);
    if (hw == NO_PA) {
        u32 fsr = probe_write(va, p->token);
        r->status = fsr ? S_FAULT : S_OK;
        r->b = fsr;
        r->c = NO_PA;
        return;
    }
    hw &= ~7ULL;
    if (!plantable(hw, 8) || !peek(hw, &old)) {
        r->status = S_SKIPPED;
        return;
    }
    u64 check = p->plant != NO_PA && plantable(p->plant & ~7ULL, 8) ? p->plant & ~7ULL : hw;
    u32 fsr = probe_write(va, (p->kind & K_NOPLANT) ? old : p->token);
    int seen_ok = peek(check, &seen);
    poke(hw, old);
    r->status = fsr ? S_FAULT : S_OK;
    r->b = fsr ? fsr : seen;
    r->c = fsr || !seen_ok ? NO_PA : check;
}

static void exec_probe(const struct probe *p, struct result *r)
{
    uptr va = (uptr)p->va & ~3U;
    u64 old = 0;
    u64 hw = par_pa(r->a = at_s1cpr(va), va);
    if (p->kind & K_NOPLANT) {
        r->status = S_SKIPPED;
        return;
    }
    if (hw == NO_PA) {
        u32 fsr = probe_exec(va);
        r->status = fsr ? S_FAULT : S_OK;
        r->b = fsr;
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
    u64 word = hw & ~7ULL;
    unsigned shift = (unsigned)(hw & 4) * 8;
    if (!plantable(word, 8) || (p->plant != NO_PA && (p->plant & ~3ULL) != hw) || !peek(word, &old) ||
        !poke(word, (old & ~(0xffffffffULL << shift)) | (0xe12fff1eULL << shift))) {  /* bx lr */
        r->status = S_SKIPPED;
        return;
    }
    sync_icache();
    u32 fsr = probe_exec(va);
    poke(word, old);
    sync_icache();
    r->status = fsr ? S_FAULT : S_OK;
    r->b = fsr;
    r->c = hw;
}

void guest_main(void)
{
    volatile struct ctrl *c = ctrl();
    const struct probe *probes = (const struct probe *)LIN(c->probes);
    struct result *results = (struct result *)LIN(c->results);
    u32 k_ttbcr = (u32)c->regs[8], u_ttbcr = (u32)c->regs[9], k_dacr = (u32)c->regs[3], u_dacr = (u32)c->regs[4];
    for (u64 i = 0; i < c->nprobes; i++) {
        const struct probe *p = &probes[i];
        struct result *r = &results[i];
        r->a = r->b = r->c = 0;
        unsigned kind = (unsigned)(p->kind & 0xff);
        if (kind >= K_UREAD) {
            set_context(u_ttbcr, u_dacr);
            r->a = kind == K_UREAD ? at_s1cur((uptr)p->va) : at_s1cuw((uptr)p->va);
            r->status = S_OK;
            set_context(k_ttbcr, k_dacr);
        } else if (kind == K_KREAD) {
            read_probe(p, r);
        } else if (kind == K_KWRITE) {
            write_probe(p, r);
        } else {
            exec_probe(p, r);
        }
        c->progress = i + 1;
    }
    c->done = DONE_MAGIC;
}
