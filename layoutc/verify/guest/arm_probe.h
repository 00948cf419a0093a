/*
 * The ARM probe guests' shared half (arm/probe.c, arm64/probe.c include it): kernel read, write
 * and execute probes with an address-translation instruction first, then the real access under
 * the exception vectors, a token planted through the linear map and read back (where the linear
 * map does not reach, K_HOST: the host loaded the token before boot and reads memory after).
 *
 * The includer defines: uptr (a virtual address), fault_t (what the probe_* primitives return:
 * 0 or the syndrome), LIN(pa), AT_KREAD(va) / AT_KWRITE(va) (the 64-bit PAR after the kernel
 * read / write translation), RET_INSN (a return instruction), par_pa(par, va), and declares
 * probe_read/probe_write/probe_exec/sync_icache (start.S).
 */
#ifndef LAYOUTC_ARM_PROBE_H
#define LAYOUTC_ARM_PROBE_H

/* no writable globals: the image is mapped read-only; state lives on the stack (linear map) */
static int plantable(u64 pa, u64 size)
{
    volatile struct ctrl *c = (volatile struct ctrl *)LIN((u64)CTRL_PA);
    for (int i = R_PLANT; i < R_PLANT + 2 * N_PLANT; i += 2)
        if (pa != NO_PA && pa >= c->regs[i] && pa < c->regs[i + 1] && size <= c->regs[i + 1] - pa)
            return 1;
    return 0;
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
    uptr va = (uptr)p->va & ~(uptr)7;
    u64 value = 0, old = 0;
    u64 hw = par_pa(r->a = AT_KREAD(va), va);
    u64 target = p->plant != NO_PA ? p->plant & ~7ULL : (hw == NO_PA ? NO_PA : hw & ~7ULL);
    int plant = !(p->kind & K_NOPLANT) && plantable(target, 8) && peek(target, &old) && poke(target, p->token);
    fault_t fsr = probe_read(va, &value);
    if (plant)
        poke(target, old);
    r->status = fsr ? S_FAULT : S_OK;
    r->b = fsr ? fsr : value;
    r->c = fsr ? value : (plant ? target : NO_PA);
}

static void write_probe(const struct probe *p, struct result *r)
{
    uptr va = (uptr)p->va & ~(uptr)7;
    u64 old = 0, seen = 0;
    u64 hw = par_pa(r->a = AT_KWRITE(va), va);
    if (hw == NO_PA) {  /* the walk faults: so does the store, wherever it would have gone */
        fault_t fsr = probe_write(va, p->token);
        r->status = fsr ? S_FAULT : S_OK;
        r->b = fsr;
        r->c = NO_PA;
        return;
    }
    hw &= ~7ULL;
    if ((p->kind & K_HOST) && p->plant != NO_PA && hw == (p->plant & ~7ULL) && !plantable(hw, 8)) {
        /* HighMem behind vmalloc or kmap, out of LIN()'s reach: the host loaded the word and reads it after */
        fault_t fsr = probe_write(va, p->token);
        r->status = fsr ? S_FAULT : S_OK;
        r->b = fsr;
        r->c = NO_PA;
        return;
    }
    if (!plantable(hw, 8) || !peek(hw, &old)) {
        r->status = S_SKIPPED;
        return;
    }
    u64 check = p->plant != NO_PA && plantable(p->plant & ~7ULL, 8) ? p->plant & ~7ULL : hw;
    fault_t fsr = probe_write(va, (p->kind & K_NOPLANT) ? old : p->token);
    int seen_ok = peek(check, &seen);
    poke(hw, old);
    r->status = fsr ? S_FAULT : S_OK;
    r->b = fsr ? fsr : seen;
    r->c = fsr || !seen_ok ? NO_PA : check;
}

/* kernel exec (user = 0), or user exec where the includer defines USER_EXEC(va): the same planted return */
static fault_t run_at(uptr va, int user)
{
#ifdef USER_EXEC
    if (user)
        return USER_EXEC(va);
#endif
    (void)user;
    return probe_exec(va);
}

static void exec_probe(const struct probe *p, struct result *r, int user)
{
    uptr va = (uptr)p->va & ~(uptr)3;
    u64 old = 0;
    u64 hw = par_pa(r->a = AT_KREAD(va), va);
    if (p->kind & K_NOPLANT) {
        r->status = S_SKIPPED;
        return;
    }
    if (hw == NO_PA) {
        fault_t fsr = run_at(va, user);
        r->status = fsr ? S_FAULT : S_OK;
        r->b = fsr;
        r->c = NO_PA;
        return;
    }
    hw &= ~3ULL;
    if ((p->kind & K_PLANTED) && p->plant == hw) {  /* loaded at boot: nothing to write */
        fault_t fsr_or_esr = run_at(va, user);
        r->status = fsr_or_esr ? S_FAULT : S_OK;
        r->b = fsr_or_esr;
        r->c = hw;
        return;
    }
    u64 word = hw & ~7ULL, shift = (hw & 4) * 8;
    if (!plantable(word, 8) || (p->plant != NO_PA && (p->plant & ~3ULL) != hw) || !peek(word, &old) ||
        !poke(word, (old & ~(0xffffffffULL << shift)) | ((u64)RET_INSN << shift))) {
        r->status = S_SKIPPED;  /* the pa is wrong already (a), or cannot be planted: never run what is there */
        return;
    }
    sync_icache();
    fault_t fsr = run_at(va, user);
    poke(word, old);
    sync_icache();
    r->status = fsr ? S_FAULT : S_OK;
    r->b = fsr;
    r->c = hw;
}

#endif
