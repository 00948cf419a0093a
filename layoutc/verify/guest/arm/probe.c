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
typedef u32 fault_t;  /* 0 or 1 << 31 | DFSR / IFSR */
#define AT_KREAD(va) at_s1cpr(va)
#define AT_KWRITE(va) at_s1cpw(va)
#define RET_INSN 0xe12fff1eU  /* bx lr */

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

#include "arm_probe.h"

void guest_main(void)
{
    volatile struct ctrl *c = (volatile struct ctrl *)LIN((u64)CTRL_PA);
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
            exec_probe(p, r, 0);
        }
        c->progress = i + 1;
    }
    c->done = DONE_MAGIC;
}
