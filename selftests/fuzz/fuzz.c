// SPDX-License-Identifier: GPL-2.0
/*
 * vha-fuzz-kernel [-s SEED] [-t SECONDS] [-n RUNS] [-d test,net,blk]
 *                 [-b BLKDEV] [-o STATE] [-r PROGRAM]
 *
 * Runs programs (fuzz.h) against the real devices until SECONDS or RUNS
 * are used up. Before each run its program is written to STATE (a file
 * the VM runner keeps even when the kernel dies), so a crash leaves the
 * program that caused it; -r runs a program from such a file instead
 * (replay, and minimising: selftests/fuzz/minimize.sh). Coverage-guided
 * where the kernel has KCOV: a program that reached code of our modules
 * no earlier one did joins the corpus, and most new programs are
 * mutations of corpus programs.
 *
 * Prints the seed first, progress every 10 seconds, and at the end one
 * line: "fuzz: R runs in S s, E edges in our modules, corpus C".
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <linux/if_packet.h>
#include <linux/if_tun.h>
#include <linux/kcov.h>
#include <net/if.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "fuzz.h"

enum {
	COVER_WORDS = 1 << 16,		/* PCs a thread's area holds */
	EDGE_BITS = 1 << 22,		/* the edge bitmap */
	CORPUS_MAX = 512,
	MAX_MODULES = 8,
};

/* Coverage: KCOV areas per thread, our modules' text, seen edges. */
struct fz_cov {
	bool on;			/* /sys/kernel/debug/kcov works */
	struct {
		int fd;
		unsigned long *area;
	} thr[FZ_THREADS];
	struct {
		unsigned long start, end;
	} mod[MAX_MODULES];
	unsigned int nmod;
	uint8_t *seen;			/* EDGE_BITS bits, all runs */
	uint8_t *run;			/* EDGE_BITS bits, this run */
	unsigned long edges;		/* bits set in seen */
};

/* Our modules' address ranges, from /proc/modules. */
static void read_modules(struct fz_cov *cov)
{
	char name[64];
	unsigned long size, addr;
	FILE *f = fopen("/proc/modules", "r");

	while (f && cov->nmod < MAX_MODULES &&
	       fscanf(f, "%63s %lu %*s %*s %*s %lx%*[^\n]", name, &size,
		      &addr) == 3) {
		if (strncmp(name, "vhost_accel", 11) &&
		    strcmp(name, "vhost_net") && strcmp(name, "vhost_blk"))
			continue;
		cov->mod[cov->nmod].start = addr;
		cov->mod[cov->nmod].end = addr + size;
		cov->nmod++;
	}
	if (f)
		fclose(f);
}

struct fz_cov *fz_cov_open(void)
{
	struct fz_cov *cov = calloc(1, sizeof(*cov));
	int fd;

	if (!cov)
		return NULL;
	for (fd = 0; fd < FZ_THREADS; fd++)
		cov->thr[fd].fd = -1;
	cov->seen = calloc(1, EDGE_BITS / 8);
	cov->run = calloc(1, EDGE_BITS / 8);
	fd = open("/sys/kernel/debug/kcov", O_RDWR);
	cov->on = fd >= 0 && cov->seen && cov->run;
	if (fd >= 0)
		close(fd);
	read_modules(cov);
	cov->on = cov->on && cov->nmod;
	return cov;
}

/*
 * Thread 0 collects the coverage of the device's workers (KCOV remote
 * coverage: the core tags its workers with the handle of the thread that
 * made them, and thread 0 does SET_OWNER and NEW_WORKER); the other
 * threads their own system calls. 0 if collecting.
 */
int fz_cov_thread_start(struct fz_cov *cov, unsigned int t)
{
	struct {
		struct kcov_remote_arg arg;
	} r = { .arg = {
		.trace_mode = KCOV_TRACE_PC,
		.area_size = COVER_WORDS,
		.common_handle = kcov_remote_handle(KCOV_SUBSYSTEM_COMMON,
						    getpid() & 0xffffff),
	} };
	int fd;

	if (!cov || !cov->on)
		return -ENODEV;
	fd = open("/sys/kernel/debug/kcov", O_RDWR | O_CLOEXEC);
	if (fd < 0 || ioctl(fd, KCOV_INIT_TRACE, COVER_WORDS))
		goto err;
	cov->thr[t].area = mmap(NULL, COVER_WORDS * sizeof(unsigned long),
				PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	if (cov->thr[t].area == MAP_FAILED)
		goto err;
	__atomic_store_n(&cov->thr[t].area[0], 0, __ATOMIC_RELAXED);
	if (t ? ioctl(fd, KCOV_ENABLE, KCOV_TRACE_PC) :
		ioctl(fd, KCOV_REMOTE_ENABLE, &r.arg))
		goto err_unmap;
	cov->thr[t].fd = fd;
	return 0;
err_unmap:
	munmap(cov->thr[t].area, COVER_WORDS * sizeof(unsigned long));
err:
	if (fd >= 0)
		close(fd);
	cov->thr[t].fd = -1;
	return -errno;
}

static bool ours(const struct fz_cov *cov, unsigned long pc)
{
	unsigned int i;

	for (i = 0; i < cov->nmod; i++)
		if (pc >= cov->mod[i].start && pc < cov->mod[i].end)
			return true;
	return false;
}

/* Edges (pairs of consecutive PCs in our modules) of this thread's run. */
void fz_cov_thread_stop(struct fz_cov *cov, unsigned int t)
{
	unsigned long n, i, pc, prev = 0, h;
	unsigned long *area = cov->thr[t].area;

	ioctl(cov->thr[t].fd, KCOV_DISABLE, 0);
	n = __atomic_load_n(&area[0], __ATOMIC_RELAXED);
	for (i = 0; i < n && i + 1 < COVER_WORDS; i++) {
		pc = area[i + 1];
		if (!ours(cov, pc))
			continue;
		h = (prev * 31 ^ pc) * 0x9e3779b97f4a7c15ULL >> 42;
		__atomic_fetch_or(&cov->run[h / 8], 1 << (h % 8),
				  __ATOMIC_RELAXED);
		prev = pc;
	}
	munmap(area, COVER_WORDS * sizeof(unsigned long));
	close(cov->thr[t].fd);
	cov->thr[t].fd = -1;
}

/* Fold a run's edges into the total: how many were new. */
static unsigned long cov_merge(struct fz_cov *cov)
{
	unsigned long i, fresh = 0;
	uint8_t add;

	if (!cov->on)
		return 0;
	for (i = 0; i < EDGE_BITS / 8; i++) {
		add = cov->run[i] & ~cov->seen[i];
		if (add) {
			fresh += __builtin_popcount(add);
			cov->seen[i] |= add;
		}
		cov->run[i] = 0;
	}
	cov->edges += fresh;
	return fresh;
}

/* ---- backends for the whole run ---- */

static int tap_open(const char *name)
{
	struct ifreq ifr = { .ifr_flags = IFF_TAP | IFF_NO_PI | IFF_VNET_HDR };
	int fd = open("/dev/net/tun", O_RDWR | O_CLOEXEC);

	strncpy(ifr.ifr_name, name, IFNAMSIZ - 1);
	if (fd >= 0 && ioctl(fd, TUNSETIFF, &ifr)) {
		close(fd);
		return -1;
	}
	return fd;
}

/* Tap 0 up with a packet socket on it (RX traffic); tap 1 as it is. */
static void backends_open(struct fz_backends *be, const char *blk)
{
	struct sockaddr_ll sll = { .sll_family = AF_PACKET };
	struct ifreq ifr = { .ifr_name = "vhafz0" };
	int s;

	be->tap[0] = tap_open("vhafz0");
	be->tap[1] = tap_open("vhafz1");
	be->pkt = -1;
	s = socket(AF_INET, SOCK_DGRAM, 0);
	if (s >= 0 && !ioctl(s, SIOCGIFFLAGS, &ifr)) {
		ifr.ifr_flags |= IFF_UP;
		ioctl(s, SIOCSIFFLAGS, &ifr);
	}
	if (s >= 0)
		close(s);
	sll.sll_ifindex = if_nametoindex("vhafz0");
	be->pkt = socket(AF_PACKET, SOCK_RAW | SOCK_CLOEXEC, 0);
	if (be->pkt >= 0 && (!sll.sll_ifindex ||
			     bind(be->pkt, (void *)&sll, sizeof(sll)))) {
		close(be->pkt);
		be->pkt = -1;
	}
	be->blk_rw = blk ? open(blk, O_RDWR | O_CLOEXEC) : -1;
	be->blk_ro = blk ? open(blk, O_RDONLY | O_CLOEXEC) : -1;
}

/* ---- the main loop ---- */

struct opts {
	uint64_t seed;
	unsigned int seconds;
	unsigned long runs;
	unsigned int devmask;
	const char *blk;
	const char *state;
	const char *replay;
};

static unsigned int devmask_of(const char *s)
{
	unsigned int m = 0, d;

	for (d = 0; d < FZ_DEV_COUNT; d++)
		if (strstr(s, fz_dev_name(d)))
			m |= 1u << d;
	return m;
}

static int parse(int argc, char **argv, struct opts *o)
{
	int c;

	*o = (struct opts){ .seed = time(NULL) ^ getpid(), .seconds = 60,
			    .devmask = 7 };
	while ((c = getopt(argc, argv, "s:t:n:d:b:o:r:")) != -1) {
		switch (c) {
		case 's':
			o->seed = strtoull(optarg, NULL, 0);
			break;
		case 't':
			o->seconds = atoi(optarg);
			break;
		case 'n':
			o->runs = strtoul(optarg, NULL, 0);
			break;
		case 'd':
			o->devmask = devmask_of(optarg);
			break;
		case 'b':
			o->blk = optarg;
			break;
		case 'o':
			o->state = optarg;
			break;
		case 'r':
			o->replay = optarg;
			break;
		default:
			return -EINVAL;
		}
	}
	return o->devmask ? 0 : -EINVAL;
}

/* Write the program about to run where a crash cannot lose it. */
static void save_state(const char *path, const struct fz_prog *p)
{
	FILE *f;

	if (!path)
		return;
	f = fopen(path, "w");
	if (!f)
		return;
	fz_prog_write(p, f);
	fflush(f);
	fsync(fileno(f));
	fclose(f);
}

static int replay(const struct opts *o, const struct fz_backends *be,
		  struct fz_cov *cov)
{
	struct fz_prog p;
	unsigned long i;
	FILE *f = fopen(o->replay, "r");
	int ret = f ? fz_prog_read(&p, f) : -errno;

	if (f)
		fclose(f);
	if (ret) {
		fprintf(stderr, "vha-fuzz-kernel: cannot read %s\n", o->replay);
		return 2;
	}
	fz_prog_write(&p, stdout);
	for (i = 0; i < (o->runs ? o->runs : 1); i++)
		fz_exec(&p, be, cov);
	printf("fuzz: replayed %lu times\n", i);
	return 0;
}

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

/* A program: fresh (30%, or while the corpus is empty) or a mutation. */
static void next_prog(struct fz_prog *p, struct fz_prog *corpus,
		      unsigned int ncorpus, uint64_t *rng, unsigned int devmask)
{
	if (!ncorpus || fz_rand(rng) % 10 < 3) {
		fz_prog_generate(p, rng, devmask);
		return;
	}
	*p = corpus[fz_rand(rng) % ncorpus];
	fz_prog_mutate(p, rng);
}

static int fuzz_loop(const struct opts *o, const struct fz_backends *be,
		     struct fz_cov *cov)
{
	struct fz_prog *corpus = calloc(CORPUS_MAX, sizeof(*corpus)), p;
	double start = now(), last = start;
	unsigned int ncorpus = 0;
	uint64_t rng = o->seed;
	unsigned long runs = 0;

	if (!corpus)
		return 1;
	printf("fuzz: seed 0x%llx, devices 0x%x, coverage %s\n",
	       (unsigned long long)o->seed, o->devmask,
	       cov && cov->on ? "KCOV" : "none (no /sys/kernel/debug/kcov)");
	fflush(stdout);
	while ((!o->runs || runs < o->runs) && now() - start < o->seconds) {
		next_prog(&p, corpus, ncorpus, &rng, o->devmask);
		save_state(o->state, &p);
		fz_exec(&p, be, cov);
		runs++;
		if (cov && cov_merge(cov)) {
			if (ncorpus < CORPUS_MAX)
				corpus[ncorpus++] = p;
			else
				corpus[fz_rand(&rng) % CORPUS_MAX] = p;
		}
		if (now() - last >= 10) {
			last = now();
			printf("fuzz: %lu runs, %.0f s, %lu edges, corpus %u\n",
			       runs, last - start, cov ? cov->edges : 0,
			       ncorpus);
			fflush(stdout);
		}
	}
	printf("fuzz: %lu runs in %.0f s, %lu edges in our modules, corpus %u\n",
	       runs, now() - start, cov ? cov->edges : 0, ncorpus);
	free(corpus);
	return 0;
}

int main(int argc, char **argv)
{
	struct fz_backends be;
	struct fz_cov *cov;
	struct opts o;

	if (parse(argc, argv, &o)) {
		fprintf(stderr, "usage: %s [-s SEED] [-t SECONDS] [-n RUNS] [-d test,net,blk] [-b BLKDEV] [-o STATE] [-r PROGRAM]\n",
			argv[0]);
		return 2;
	}
	backends_open(&be, o.blk);
	if (!o.blk)
		o.devmask &= ~(1u << FZ_DEV_BLK);
	cov = fz_cov_open();
	return o.replay ? replay(&o, &be, cov) : fuzz_loop(&o, &be, cov);
}
