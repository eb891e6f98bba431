// SPDX-License-Identifier: GPL-2.0
/*
 * vha-vmm-race: VMM races on /dev/vhost-net and /dev/vhost-blk with
 * traffic flowing (see race.h for the processes and threads). The parent
 * forks one owner per slot, SIGKILLs one at random times and starts
 * another, reads the frames the guests transmit on the taps, and at the
 * end checks the integrity of both devices' data and that a clean owner
 * still moves data on both. Choices come from a seeded PRNG: the seed is
 * printed, --seed replays it (the timing of the threads is not
 * reproducible, the sequence of choices each thread makes is). TAP output.
 *
 *   vha-vmm-race --disk PATH [--seed N] [--seconds N] [--owners N]
 *                [--ops MASK] [--blocks N]
 *
 * --ops is a mask of enum race_op (race.h), to shrink a reproducer.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#include <linux/fs.h>
#include <linux/virtio_blk.h>

#include "blk_client.h"
#include "race.h"

struct shared *sh;

static int tap_count, tap_failed;

static void result(bool ok, const char *fmt, ...)
{
	va_list ap;

	printf("%sok %d - ", ok ? "" : "not ", ++tap_count);
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	printf("\n");
	fflush(stdout);
	if (!ok)
		tap_failed++;
}

static void diag(const char *fmt, ...)
{
	va_list ap;

	printf("# ");
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	printf("\n");
	fflush(stdout);
}

/* ---- shared helpers ---- */

uint64_t race_mix(uint64_t x)
{
	x += 0x9e3779b97f4a7c15ULL;
	x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ULL;
	x = (x ^ (x >> 27)) * 0x94d049bb133111ebULL;
	return x ^ (x >> 31);
}

uint64_t race_rnd(uint64_t *s)
{
	uint64_t x = *s ? *s : 0x7ace;

	x ^= x >> 12;
	x ^= x << 25;
	x ^= x >> 27;
	*s = x;
	return x * 0x2545f4914f6cdd1dULL >> 11;
}

void race_fail(const char *fmt, ...)
{
	int i = __atomic_fetch_add(&sh->nerr, 1, __ATOMIC_RELAXED);
	va_list ap;

	if (i >= 4)
		return;
	va_start(ap, fmt);
	vsnprintf(sh->err[i], sizeof(sh->err[i]), fmt, ap);
	va_end(ap);
}

static uint32_t fnv(const uint8_t *p, size_t n)
{
	uint32_t h = 2166136261u;

	while (n--)
		h = (h ^ *p++) * 16777619u;
	return h;
}

/* Frame layout after the Ethernet header. */
enum {
	F_KIND = 14,
	F_SLOT = 15,
	F_ID = 16,
	F_GEN = 20,
	F_LEN = 24,
	F_DATA = 26,
};

size_t race_frame(uint8_t *buf, size_t len, uint8_t kind, uint8_t slot,
		  uint32_t id, uint32_t gen)
{
	static const uint8_t mac[12] = { 0x02, 0x76, 0x68, 0, 0, 1,
					 0x02, 0x76, 0x68, 0, 0, 2 };
	uint16_t l = len;
	uint32_t h;
	size_t i;

	memcpy(buf, mac, 12);
	buf[12] = NT_ETH_P_TEST >> 8;
	buf[13] = NT_ETH_P_TEST & 0xff;
	buf[F_KIND] = kind;
	buf[F_SLOT] = slot;
	memcpy(buf + F_ID, &id, 4);
	memcpy(buf + F_GEN, &gen, 4);
	memcpy(buf + F_LEN, &l, 2);
	for (i = F_DATA; i < len - 4; i++)
		buf[i] = (uint8_t)(id * 31 + i * 7 + gen);
	h = fnv(buf, len - 4);
	memcpy(buf + len - 4, &h, 4);
	return len;
}

int race_frame_check(const uint8_t *buf, size_t len, uint8_t kind,
		     uint32_t *id)
{
	uint16_t l;
	uint32_t h;

	if (len < RACE_FRAME_MIN || len > RACE_FRAME_MAX)
		return 0;
	memcpy(id, buf + F_ID, 4);
	memcpy(&l, buf + F_LEN, 2);
	memcpy(&h, buf + len - 4, 4);
	return buf[F_KIND] == kind && l == len && h == fnv(buf, len - 4);
}

bool race_first_seen(uint8_t *map, uint32_t id)
{
	uint8_t bit = 1u << (id % 8);

	return !(__atomic_fetch_or(&map[id / 8], bit, __ATOMIC_RELAXED) & bit);
}

enum { BLOCK_MAGIC = 0x7aceb10c, WORDS = RACE_BLOCK / 4 };

void race_block_fill(uint8_t *buf, uint32_t blk, uint32_t ver)
{
	uint32_t w[WORDS], i;

	w[0] = BLOCK_MAGIC;
	w[1] = blk;
	w[2] = ver;
	for (i = 3; i < WORDS - 1; i++)
		w[i] = race_mix(((uint64_t)blk << 32 | ver) + i);
	w[WORDS - 1] = fnv((uint8_t *)w, RACE_BLOCK - 4);
	memcpy(buf, w, RACE_BLOCK);
}

int race_block_parse(const uint8_t *buf, uint32_t blk, uint32_t *ver)
{
	uint32_t w[WORDS], i;

	memcpy(w, buf, RACE_BLOCK);
	*ver = ~0u;
	for (i = 0; i < WORDS && !w[i]; i++)
		;
	if (i == WORDS) {
		*ver = 0;
		return 0;
	}
	if (w[0] != BLOCK_MAGIC || w[1] != blk ||
	    w[WORDS - 1] != fnv(buf, RACE_BLOCK - 4))
		return -1;
	*ver = w[2];
	return 0;
}

/* ---- the parent ---- */

static struct race_cfg cfg = {
	.seed = 0x7ace0001,
	.seconds = 60,
	.owners = 2,
	.ops = (1u << OP_COUNT) - 1,
	.blocks = 4096,
};

static const char *const op_name[OP_COUNT] = {
	"net-backend", "blk-backend", "net-mem", "blk-mem", "net-eventfd",
	"blk-eventfd", "net-worker", "blk-worker", "net-reset", "blk-reset",
	"net-reopen", "blk-reopen", "kill",
};

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

static int rx_stop;

static void tx_seen(const uint8_t *buf, int n)
{
	uint32_t id = ~0u;

	if (!race_frame_check(buf, n, RACE_KIND_TX, &id) ||
	    id >= __atomic_load_n(&sh->next_tx_id, __ATOMIC_RELAXED)) {
		CNT_ADD(tx_bad, 1);
		race_fail("TX frame corrupt on the tap (%d bytes, id %u)", n,
			  id);
	} else if (!race_first_seen(sh->tx_seen, id)) {
		CNT_ADD(tx_dup, 1);
		race_fail("TX frame %u seen twice on the tap", id);
	} else {
		CNT_ADD(tx_seen, 1);
	}
}

/* The taps' network side: every frame the guests transmitted. */
static void *receiver(void *arg)
{
	struct pollfd p[RACE_MAX_OWNERS];
	static uint8_t buf[NT_MAX_FRAME];
	unsigned int i;
	int n;

	(void)arg;
	for (i = 0; i < cfg.owners; i++)
		p[i] = (struct pollfd){ .fd = cfg.tap[i].pkt, .events = POLLIN };
	while (!__atomic_load_n(&rx_stop, __ATOMIC_ACQUIRE)) {
		poll(p, cfg.owners, 100);
		for (i = 0; i < cfg.owners; i++)
			while ((n = nt_tap_recv(&cfg.tap[i], buf, sizeof(buf),
						0)) > 0)
				tx_seen(buf, n);
	}
	return NULL;
}

static pid_t spawn(unsigned int slot, uint32_t gen)
{
	pid_t pid;

	fflush(stdout);
	pid = fork();
	if (!pid)
		race_owner(&cfg, slot, gen);
	return pid;
}

struct run {
	pid_t pid[RACE_MAX_OWNERS];
	uint32_t gens, kills, died, hung;
};

/* Owners that ended by themselves (they only do so on a failure). */
static void reap_dead(struct run *r)
{
	unsigned int s;
	int st;

	for (s = 0; s < cfg.owners; s++) {
		if (waitpid(r->pid[s], &st, WNOHANG) != r->pid[s])
			continue;
		r->died++;
		race_fail("owner of slot %u ended by itself (status 0x%x)", s,
			  st);
		r->pid[s] = spawn(s, r->gens++);
	}
}

static void chaos_phase(struct run *r)
{
	uint64_t rnd = race_mix(cfg.seed);
	double end = now() + cfg.seconds, next;
	unsigned int s;

	for (s = 0; s < cfg.owners; s++)
		r->pid[s] = spawn(s, r->gens++);
	next = now() + 2 + race_rnd(&rnd) % 6000 / 1000.0;
	while (now() < end) {
		usleep(50000);
		reap_dead(r);
		if (now() < next || !(cfg.ops & (1u << OP_KILL)))
			continue;
		s = race_rnd(&rnd) % cfg.owners;
		CNT_ADD(op_try[OP_KILL], 1);
		kill(r->pid[s], SIGKILL);
		if (waitpid(r->pid[s], NULL, 0) == r->pid[s])
			CNT_ADD(op_ok[OP_KILL], 1);
		r->kills++;
		r->pid[s] = spawn(s, r->gens++);
		next = now() + 1 + race_rnd(&rnd) % 7000 / 1000.0;
	}
	__atomic_store_n(&sh->stop, 1, __ATOMIC_RELEASE);
}

/* The owners stop and exit; one that does not within 60 s has hung. */
static void stop_owners(struct run *r)
{
	double end = now() + 60;
	unsigned int s, left;
	int st;

	do {
		left = 0;
		for (s = 0; s < cfg.owners; s++) {
			if (!r->pid[s])
				continue;
			if (waitpid(r->pid[s], &st, WNOHANG) != r->pid[s]) {
				left++;
				continue;
			}
			if (!WIFEXITED(st) || WEXITSTATUS(st))
				r->died++;
			r->pid[s] = 0;
		}
		if (left)
			usleep(50000);
	} while (left && now() < end);
	for (s = 0; s < cfg.owners; s++) {
		if (!r->pid[s])
			continue;
		r->hung++;
		race_fail("owner of slot %u did not stop within 60 s", s);
		kill(r->pid[s], SIGKILL);
		waitpid(r->pid[s], NULL, 0);
	}
}

static int disk_open(uint64_t *size)
{
	struct stat st;
	int fd;

	fd = open(cfg.disk, O_RDWR | O_DIRECT | O_CLOEXEC);
	if (fd < 0)
		fd = open(cfg.disk, O_RDWR | O_CLOEXEC);	/* tmpfs */
	if (fd < 0 || fstat(fd, &st))
		return -1;
	*size = st.st_size;
	if (S_ISBLK(st.st_mode) && ioctl(fd, BLKGETSIZE64, size))
		return -1;
	return fd;
}

/* Zero the blocks in use, so that version 0 reads as zeros. */
static int disk_zero(int fd)
{
	void *z;
	uint32_t b;
	int ret = 0;

	if (posix_memalign(&z, 4096, RACE_BLOCK))
		return -1;
	memset(z, 0, RACE_BLOCK);
	for (b = 0; !ret && b < cfg.blocks; b++)
		if (pwrite(fd, z, RACE_BLOCK, (off_t)b * RACE_BLOCK) !=
		    RACE_BLOCK)
			ret = -1;
	free(z);
	return ret ? ret : fsync(fd);
}

/* Every acknowledged write is on the disk; nothing older, nothing torn. */
static void check_disk(int fd)
{
	unsigned int bad = 0, written = 0;
	struct race_block *rb;
	uint32_t b, ver;
	void *buf;

	if (posix_memalign(&buf, 4096, RACE_BLOCK))
		return;
	for (b = 0; b < cfg.blocks; b++) {
		rb = &sh->blk[b];
		written += rb->acked > 0;
		if (pread(fd, buf, RACE_BLOCK, (off_t)b * RACE_BLOCK) !=
		    RACE_BLOCK || race_block_parse(buf, b, &ver) ||
		    ver < rb->acked || ver > rb->maxsub) {
			if (bad++ < 5)
				diag("block %u on the disk: version %d, want %u..%u",
				     b, (int)ver, rb->acked, rb->maxsub);
		}
	}
	free(buf);
	result(!bad,
	       "blk: every acknowledged write is on the disk (%llu writes acknowledged, %u blocks hold one, %u bad)",
	       (unsigned long long)sh->c.w_ok, written, bad);
}

static void report_chaos(const struct run *r)
{
	const struct race_counts *c = &sh->c;
	char ops[OP_COUNT * 32];
	size_t off = 0;
	unsigned int i;

	for (i = 0; i < OP_COUNT; i++)
		off += snprintf(ops + off, sizeof(ops) - off, " %s %llu/%llu",
				op_name[i], (unsigned long long)c->op_ok[i],
				(unsigned long long)c->op_try[i]);
	diag("operations (succeeded/tried):%s", ops);
	diag("traffic: TX %llu posted, %llu used, %llu on the taps; RX %llu sent, %llu received; blk writes %llu OK %llu failed, reads %llu OK %llu failed",
	     (unsigned long long)c->tx_posted, (unsigned long long)c->tx_used,
	     (unsigned long long)c->tx_seen, (unsigned long long)c->rx_sent,
	     (unsigned long long)c->rx_seen, (unsigned long long)c->w_ok,
	     (unsigned long long)c->w_err, (unsigned long long)c->r_ok,
	     (unsigned long long)c->r_err);
	for (i = 0; i < 4 && i < (unsigned int)sh->nerr; i++)
		diag("failure: %s", sh->err[i]);
	result(!r->died && !r->hung && !c->setup_err && !c->ring_err,
	       "chaos for %u s: %u owners, %u killed; none failed to set up (%llu), hung (%u) or died (%u), no ring error (%llu)",
	       cfg.seconds, r->gens, r->kills,
	       (unsigned long long)c->setup_err, r->hung, r->died,
	       (unsigned long long)c->ring_err);
	result(c->tx_seen && c->rx_seen && c->w_ok && c->r_ok,
	       "traffic flowed on both devices during the chaos");
	result(!c->tx_dup && !c->tx_bad,
	       "net TX: %llu frames on the taps, none twice (%llu), none corrupt (%llu)",
	       (unsigned long long)c->tx_seen, (unsigned long long)c->tx_dup,
	       (unsigned long long)c->tx_bad);
	result(!c->rx_dup && !c->rx_bad,
	       "net RX: %llu frames in the guests, none twice (%llu), none corrupt (%llu)",
	       (unsigned long long)c->rx_seen, (unsigned long long)c->rx_dup,
	       (unsigned long long)c->rx_bad);
	result(!c->r_bad,
	       "blk: no completed read returned wrong data (%llu reads, %llu bad)",
	       (unsigned long long)c->r_ok, (unsigned long long)c->r_bad);
}

/* ---- after the chaos: a clean owner ---- */

static unsigned int clean_net_tx(struct nt_guest *g, struct nt_tap *tap,
				 uint8_t *buf)
{
	uint8_t hdr[12] = {};
	unsigned int i, got = 0;
	uint32_t base = sh->next_tx_id, id;
	int n;

	for (i = 0; i < 100; i++) {
		race_frame(buf, 64 + i * 13, RACE_KIND_TX, 9, base + i, ~0u);
		if (nt_tx_post(g, hdr, buf, 64 + i * 13, 1))
			break;
	}
	nt_kick(g, NT_TX);
	while (got < 100 && (n = nt_tap_recv(tap, buf, NT_MAX_FRAME, 3000)) > 0)
		got += race_frame_check(buf, n, RACE_KIND_TX, &id) &&
		       id - base < 100;
	nt_tx_reap(g, 100, 1000);
	return got;
}

static unsigned int clean_net_rx(struct nt_guest *g, struct nt_tap *tap,
				 uint8_t *buf)
{
	unsigned int i, got = 0, nbufs;
	uint32_t id;
	size_t len;

	nt_rx_post(g, 128, 2048);
	for (i = 0; i < 100; i++) {
		race_frame(buf, 64 + i * 13, RACE_KIND_RX, 9, i, ~0u);
		nt_tap_send(tap, buf, 64 + i * 13);
	}
	while (got < 100 &&
	       nt_rx_get(g, buf, NT_MAX_FRAME, &len, &nbufs, 3000) == 1)
		got += len > g->hlen &&
		       race_frame_check(buf + g->hlen, len - g->hlen,
					RACE_KIND_RX, &id) && id < 100;
	return got;
}

static void clean_net(void)
{
	uint8_t *buf = malloc(NT_MAX_FRAME);
	unsigned int tx = 0, rx = 0;
	struct nt_guest g;
	struct nt_tap tap;
	struct nt_cfg c;
	int ret;

	nt_default_cfg(&c);
	ret = nt_tap_open(&tap, "vharacec", true, 12, 1);
	if (!ret) {
		ret = nt_guest_open(&g, &c);
		if (!ret)
			ret = nt_set_backend(&g, NT_RX, tap.fd[0]);
		if (!ret)
			ret = nt_set_backend(&g, NT_TX, tap.fd[0]);
		if (!ret && buf) {
			tx = clean_net_tx(&g, &tap, buf);
			rx = clean_net_rx(&g, &tap, buf);
		}
		nt_guest_close(&g);
		nt_tap_close(&tap);
	}
	if (ret)
		diag("clean net owner: %s", strerror(-ret));
	result(tx == 100 && rx == 100,
	       "after the chaos a new owner moves frames on vhost-net: %u/100 out, %u/100 in",
	       tx, rx);
	free(buf);
}

static void clean_blk(int dfd)
{
	struct vbk_cfg c = { .queues = 1, .num = 64, .data_max = RACE_BLOCK,
			     .event_idx = true };
	uint8_t *buf = malloc(RACE_BLOCK), *want = malloc(RACE_BLOCK);
	unsigned int b, good = 0;
	struct vbk_dev d;
	int ret;

	ret = vbk_open(&d, &c);
	if (!ret)
		ret = vbk_set_backend(&d, dfd);
	for (b = 0; !ret && buf && want && b < 64; b++) {
		race_block_fill(want, b, 0x10000 + b);
		memcpy(buf, want, RACE_BLOCK);
		if (vbk_io(&d, 0, VIRTIO_BLK_T_OUT, b * 8, buf, RACE_BLOCK) ||
		    vbk_io(&d, 0, VIRTIO_BLK_T_IN, b * 8, buf, RACE_BLOCK))
			break;
		good += !memcmp(buf, want, RACE_BLOCK);
	}
	if (ret)
		diag("clean blk owner: %s", strerror(-ret));
	vbk_close(&d);
	result(good == 64,
	       "after the chaos a new owner writes and reads back 64 blocks on vhost-blk (%u good)",
	       good);
	free(buf);
	free(want);
}

static void bad_args(void)
{
	fprintf(stderr,
		"usage: %s --disk PATH [--seed N] [--seconds N] [--owners 1-%d] [--ops MASK] [--blocks N]\n",
		"vha-vmm-race", RACE_MAX_OWNERS);
	exit(2);
}

static void parse(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "disk", 1, NULL, 'd' }, { "seed", 1, NULL, 's' },
		{ "seconds", 1, NULL, 't' }, { "owners", 1, NULL, 'o' },
		{ "ops", 1, NULL, 'm' }, { "blocks", 1, NULL, 'b' },
		{}
	};
	int c;

	while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		if (c == 'd')
			cfg.disk = optarg;
		else if (c == 's')
			cfg.seed = strtoull(optarg, NULL, 0);
		else if (c == 't')
			cfg.seconds = strtoul(optarg, NULL, 0);
		else if (c == 'o')
			cfg.owners = strtoul(optarg, NULL, 0);
		else if (c == 'm')
			cfg.ops = strtoul(optarg, NULL, 0);
		else if (c == 'b')
			cfg.blocks = strtoul(optarg, NULL, 0);
		else
			bad_args();
	}
	if (!cfg.disk || !cfg.owners || cfg.owners > RACE_MAX_OWNERS)
		bad_args();
}

static bool setup(int *dfd)
{
	uint64_t size = 0;
	unsigned int i;
	char name[16];
	int ret = 0;

	sh = mmap(NULL, sizeof(*sh), PROT_READ | PROT_WRITE,
		  MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	if (sh == MAP_FAILED)
		return false;
	for (i = 0; !ret && i < cfg.owners; i++) {
		snprintf(name, sizeof(name), "vharace%u", i % 10);
		ret = nt_tap_open(&cfg.tap[i], name, true, 12, 2);
	}
	*dfd = disk_open(&size);
	if (cfg.blocks > size / RACE_BLOCK)
		cfg.blocks = size / RACE_BLOCK;
	if (cfg.blocks > RACE_MAX_BLOCKS)
		cfg.blocks = RACE_MAX_BLOCKS;
	if (cfg.blocks < cfg.owners * RACE_BLK_QUEUES * 8) {
		diag("disk %s: too small or unreadable", cfg.disk);
		return false;
	}
	if (ret || disk_zero(*dfd)) {
		diag("set-up: %s", ret ? strerror(-ret) : "zeroing the disk");
		return false;
	}
	return true;
}

int main(int argc, char **argv)
{
	struct run r = {};
	pthread_t rx;
	bool ok;
	int dfd = -1;

	parse(argc, argv);
	setvbuf(stdout, NULL, _IOLBF, 0);
	printf("TAP version 13\n1..9\n");
	diag("seed 0x%llx (replay: --seed 0x%llx --seconds %u --owners %u --ops 0x%x)",
	     (unsigned long long)cfg.seed, (unsigned long long)cfg.seed,
	     cfg.seconds, cfg.owners, cfg.ops);
	ok = setup(&dfd);
	result(ok, "set-up: %u taps of 2 queues, disk %s (%u blocks of 4 KiB)",
	       cfg.owners, cfg.disk, cfg.blocks);
	if (!ok)
		return 1;
	pthread_create(&rx, NULL, receiver, NULL);
	chaos_phase(&r);
	stop_owners(&r);
	sleep(1);
	__atomic_store_n(&rx_stop, 1, __ATOMIC_RELEASE);
	pthread_join(rx, NULL);
	report_chaos(&r);
	check_disk(dfd);
	clean_net();
	clean_blk(dfd);
	return tap_failed ? 1 : 0;
}
