/*
 * The probe guest's interface with `layoutc verify --qemu` (layoutc/verify/protocol.py is the
 * other side).  All fields are little-endian 64-bit words in guest RAM:
 *
 *   CTRL_PA:  struct ctrl        loaded by QEMU's generic loader with the probe list after it
 *   probes:   struct probe[n]    what to ask the MMU
 *   results:  struct result[n]   what the hardware answered (raw: PAR, ESR/FAR, error codes)
 *
 * The guest writes DONE_MAGIC into ctrl.done when every probe is answered; the host reads the
 * results out of guest memory through the QEMU monitor.  The guest interprets nothing: decoding
 * PAR, ESR and fault codes into "pa or fault kind and level" is the host's job.
 */
#ifndef LAYOUTC_GUEST_H
#define LAYOUTC_GUEST_H

#ifndef __ASSEMBLER__
typedef unsigned long long u64;
typedef unsigned int u32;
#endif

#define CTRL_MAGIC 0x50434f5455414cULL /* "LAYOUTCP" without the last byte */
#define DONE_MAGIC 0x454e4f44ULL       /* "DONE" */

/* probe.kind: the access, and flags */
#define K_KREAD  0
#define K_KWRITE 1
#define K_KEXEC  2
#define K_UREAD  3
#define K_UWRITE 4
#define K_UEXEC  5  /* arm64: eret to EL0 at the probed address */
/* arm64 user exec returns here: outside both TTBR ranges for every VA size (bits 55..52 set, 63..56 clear) */
#ifdef __ASSEMBLER__
#define UEXEC_SENTINEL 0x00f0000000001000
#else
#define UEXEC_SENTINEL 0x00f0000000001000ULL
#endif
#define K_NOPLANT 0x100  /* the predicted pa holds tables or the guest: access, never write there */
#define K_PLANTED 0x200  /* the host loaded a return instruction at the predicted pa: just jump */
#define K_HOST    0x400  /* the host loaded the token at the predicted pa (out of the guest's reach) and
                          * reads the word after the run: a write stores the token if AT agrees */
#define NO_PA (~0ULL)

/* result.status */
#define S_OK      1  /* the access completed (b: value read back, c: where the token was planted) */
#define S_FAULT   2  /* the access faulted (b: syndrome, c: fault address) */
#define S_SKIPPED 3  /* not attempted (a: the translation answer that made it unsafe) */

/* byte offsets for the assembly entry code */
#define CTRL_REGS 48

#ifndef __ASSEMBLER__
struct ctrl {
    u64 magic;
    u64 nprobes;
    u64 probes;     /* physical addresses */
    u64 results;
    u64 done;
    u64 progress;
    u64 regs[26];   /* architecture-specific register values, see each arch's probe.c */
};

struct probe {
    u64 va;
    u64 kind;
    u64 plant;      /* physical address to plant the token at, NO_PA: none predicted */
    u64 token;
};

struct result {
    u64 status;
    u64 a;          /* address-translation answer (PAR) where the architecture has one */
    u64 b;
    u64 c;
};

/* regs[18..25]: up to four [start, end) physical ranges the guest may reach through LIN() to plant
 * tokens (the RAM banks in the linear map) */
#define R_PLANT 18
#define N_PLANT 4
#endif

#endif
