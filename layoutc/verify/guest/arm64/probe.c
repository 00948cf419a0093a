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

typedef u64 uptr;
typedef u64 fault_t;  /* 0 or ESR_EL1 */
#define AT_KREAD(va) at_s1e1r(va)
#define AT_KWRITE(va) at_s1e1w(va)
#define RET_INSN 0xd65f03c0U  /* ret */

#define LIN(pa) ((pa) - (u64)LAYOUT_PHYS_OFFSET + (u64)LAYOUT_PAGE_OFFSET)

u64 probe_read(u64 va, u64 *out);
u64 probe_write(u64 va, u64 value);
u64 probe_exec(u64 va);
u64 at_s1e1r(u64 va);
u64 at_s1e1w(u64 va);
u64 at_s1e0r(u64 va);
u64 at_s1e0w(u64 va);
u64 probe_uexec(u64 va, u64 *far);
void sync_icache(void);
void set_pan(u64 on);

static u64 par_pa(u64 par, u64 va)
{
    if (par & 1)
        return NO_PA;
    /* PAR_EL1.PA: bits [47:12], with a 52-bit PA bits [51:48] too */
    return (par & 0x000ffffffffff000ULL) | (va & 0xfff);
}

/* user exec: 0 when the planted `ret` ran at EL0 (it returned to the sentinel), else ESR_EL1 */
static fault_t user_exec(u64 va)
{
    u64 far = 0;
    u64 esr = probe_uexec(va, &far);
    set_pan(((volatile struct ctrl *)LIN((u64)CTRL_PA))->regs[5]);
    if ((esr >> 26) == 0x20 && far == UEXEC_SENTINEL)
        return 0;
    return esr;
}
#define USER_EXEC(va) user_exec(va)

#include "arm_probe.h"

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
        case K_KEXEC:  exec_probe(p, r, 0); break;
        case K_UEXEC:  exec_probe(p, r, 1); break;
        case K_UREAD:  r->a = at_s1e0r(p->va); r->status = S_OK; break;
        case K_UWRITE: r->a = at_s1e0w(p->va); r->status = S_OK; break;
        default:       r->status = S_SKIPPED; break;
        }
        c->progress = i + 1;
    }
    c->done = DONE_MAGIC;
}
