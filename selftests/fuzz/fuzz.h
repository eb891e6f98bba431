/* SPDX-License-Identifier: GPL-2.0 */
/*
 * vha-fuzz-kernel: a fuzzer for the real modules, in the spirit of
 * syzkaller's vhost descriptions but seed-reproducible and aware of our
 * devices. A program is a list of operations (ioctls with their arguments,
 * backends, IOTLB messages, resets, closes), spread over a few threads,
 * run against a fresh device while a driver thread writes random chains
 * into the rings and kicks. Coverage of our modules comes from KCOV: each
 * thread's own system calls, and the device's workers through KCOV's
 * remote coverage (the core tags its workers with the owner's handle).
 *
 *   fuzz.c   main loop, corpus, coverage
 *   prog.c   programs: generation, mutation, text form
 *   exec.c   running a program: the device, its memory, the threads
 */
#ifndef VHA_FUZZ_H
#define VHA_FUZZ_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

enum fz_dev {
	FZ_DEV_TEST,
	FZ_DEV_NET,
	FZ_DEV_BLK,
	FZ_DEV_COUNT
};

/* Operations; their arguments are in struct fz_op's a, b, c. */
enum fz_kind {
	FZ_OWNER,		/* SET_OWNER (thread 0: its workers' coverage) */
	FZ_RESET_OWNER,
	FZ_FEATURES,		/* SET_FEATURES, a: offered-bit mask, b: stray bit */
	FZ_BACKEND_FEATURES,
	FZ_MEM_TABLE,		/* a: variant */
	FZ_LOG_BASE,		/* a: variant */
	FZ_LOG_FD,
	FZ_VRING_NUM,		/* a: vq, b: size variant */
	FZ_VRING_ADDR,		/* a: vq, b: placement, c: flags */
	FZ_VRING_BASE,		/* a: vq, b: value variant */
	FZ_GET_VRING_BASE,
	FZ_VRING_KICK,		/* a: vq, b: eventfd choice */
	FZ_VRING_CALL,
	FZ_VRING_ERR,
	FZ_BUSYLOOP,
	FZ_NEW_WORKER,		/* thread 0 */
	FZ_FREE_WORKER,		/* b: worker id */
	FZ_ATTACH_WORKER,	/* a: vq, b: worker id */
	FZ_GET_WORKER,
	FZ_IOTLB,		/* a: message type, b: range variant, c: perm */
	FZ_IOTLB_READ,
	FZ_BACKEND,		/* a: vq, b: choice (device's own meaning) */
	FZ_SERIAL,		/* blk */
	FZ_KICK,		/* a: vq */
	FZ_CLOSE,		/* close and open the device again */
	FZ_SLEEP,		/* a: microseconds / 16 */
	FZ_KIND_COUNT
};

enum {
	FZ_MAX_OPS = 64,
	FZ_THREADS = 3,		/* threads that issue operations */
	FZ_NVQS_MAX = 4,	/* queues a program touches */
};

struct fz_op {
	uint8_t kind;		/* enum fz_kind */
	uint8_t thread;		/* 0..FZ_THREADS-1 */
	uint16_t a;
	uint32_t b;
	uint64_t c;
};

struct fz_prog {
	uint8_t dev;		/* enum fz_dev */
	uint32_t seed;		/* of the driver thread's chains */
	unsigned int n;
	struct fz_op op[FZ_MAX_OPS];
};

/* A small, fast PRNG; every random choice of a run comes from its seed. */
static inline uint64_t fz_rand(uint64_t *s)
{
	uint64_t z = (*s += 0x9e3779b97f4a7c15ULL);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	return z ^ (z >> 31);
}

/* prog.c */
void fz_prog_generate(struct fz_prog *p, uint64_t *rng, unsigned int devmask);
void fz_prog_mutate(struct fz_prog *p, uint64_t *rng);
void fz_prog_write(const struct fz_prog *p, FILE *f);
int fz_prog_read(struct fz_prog *p, FILE *f);
const char *fz_kind_name(unsigned int kind);
const char *fz_dev_name(unsigned int dev);

/* exec.c */
/* Backends, opened once for the whole run (-1: none). */
struct fz_backends {
	int tap[2];		/* two tap devices' fds (net) */
	int pkt;		/* a packet socket on tap 0: RX traffic */
	int blk_rw, blk_ro;	/* the blk backend, read-write and read-only */
};

struct fz_cov;
int fz_exec(const struct fz_prog *p, const struct fz_backends *be,
	    struct fz_cov *cov);

/* fuzz.c: coverage, for exec.c's threads */
struct fz_cov *fz_cov_open(void);
int fz_cov_thread_start(struct fz_cov *cov, unsigned int thread);
void fz_cov_thread_stop(struct fz_cov *cov, unsigned int thread);

#endif
