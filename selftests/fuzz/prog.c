// SPDX-License-Identifier: GPL-2.0
/*
 * Programs: generated from a seed, mostly valid (a device set up the way a
 * VMM does it, so that the fuzzer reaches the data path), then random
 * operations; mutated by the main loop; written and read as one text line
 * so that a crash's program can be replayed (vha-fuzz-kernel -r).
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "fuzz.h"

#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))

static const char *const kind_names[FZ_KIND_COUNT] = {
	[FZ_OWNER] = "owner",
	[FZ_RESET_OWNER] = "reset",
	[FZ_FEATURES] = "features",
	[FZ_BACKEND_FEATURES] = "bfeatures",
	[FZ_MEM_TABLE] = "mem",
	[FZ_LOG_BASE] = "logbase",
	[FZ_LOG_FD] = "logfd",
	[FZ_VRING_NUM] = "num",
	[FZ_VRING_ADDR] = "addr",
	[FZ_VRING_BASE] = "base",
	[FZ_GET_VRING_BASE] = "getbase",
	[FZ_VRING_KICK] = "kick_fd",
	[FZ_VRING_CALL] = "call_fd",
	[FZ_VRING_ERR] = "err_fd",
	[FZ_BUSYLOOP] = "busyloop",
	[FZ_NEW_WORKER] = "newworker",
	[FZ_FREE_WORKER] = "freeworker",
	[FZ_ATTACH_WORKER] = "attach",
	[FZ_GET_WORKER] = "getworker",
	[FZ_IOTLB] = "iotlb",
	[FZ_IOTLB_READ] = "iotlbread",
	[FZ_BACKEND] = "backend",
	[FZ_SERIAL] = "serial",
	[FZ_KICK] = "kick",
	[FZ_CLOSE] = "close",
	[FZ_SLEEP] = "sleep",
};

static const char *const dev_names[FZ_DEV_COUNT] = {
	[FZ_DEV_TEST] = "test",
	[FZ_DEV_NET] = "net",
	[FZ_DEV_BLK] = "blk",
};

const char *fz_kind_name(unsigned int kind)
{
	return kind < FZ_KIND_COUNT ? kind_names[kind] : "?";
}

const char *fz_dev_name(unsigned int dev)
{
	return dev < FZ_DEV_COUNT ? dev_names[dev] : "?";
}

/* Random operations after the set-up, and how often each comes. */
static const struct {
	uint8_t kind;
	uint8_t weight;
} random_ops[] = {
	{ FZ_KICK, 12 }, { FZ_SLEEP, 6 }, { FZ_VRING_ADDR, 4 },
	{ FZ_VRING_NUM, 3 }, { FZ_VRING_BASE, 3 }, { FZ_GET_VRING_BASE, 3 },
	{ FZ_VRING_KICK, 3 }, { FZ_VRING_CALL, 2 }, { FZ_VRING_ERR, 2 },
	{ FZ_BACKEND, 8 }, { FZ_MEM_TABLE, 4 }, { FZ_FEATURES, 4 },
	{ FZ_BACKEND_FEATURES, 1 }, { FZ_LOG_BASE, 2 }, { FZ_LOG_FD, 1 },
	{ FZ_BUSYLOOP, 2 }, { FZ_NEW_WORKER, 3 }, { FZ_FREE_WORKER, 2 },
	{ FZ_ATTACH_WORKER, 3 }, { FZ_GET_WORKER, 1 }, { FZ_IOTLB, 6 },
	{ FZ_IOTLB_READ, 3 }, { FZ_SERIAL, 1 }, { FZ_RESET_OWNER, 1 },
	{ FZ_OWNER, 1 }, { FZ_CLOSE, 1 },
};

static void random_op(struct fz_op *op, uint64_t *rng)
{
	unsigned int total = 0, i, r;

	for (i = 0; i < ARRAY_SIZE(random_ops); i++)
		total += random_ops[i].weight;
	r = fz_rand(rng) % total;
	for (i = 0; r >= random_ops[i].weight; i++)
		r -= random_ops[i].weight;
	op->kind = random_ops[i].kind;
	op->thread = fz_rand(rng) % FZ_THREADS;
	op->a = fz_rand(rng);
	op->b = fz_rand(rng);
	op->c = fz_rand(rng);
	/* workers made by thread 0 carry its coverage handle */
	if (op->kind == FZ_OWNER || op->kind == FZ_NEW_WORKER)
		op->thread = 0;
}

static void add(struct fz_prog *p, uint8_t kind, uint16_t a, uint32_t b,
		uint64_t c)
{
	if (p->n < FZ_MAX_OPS)
		p->op[p->n++] = (struct fz_op){ kind, 0, a, b, c };
}

/*
 * The set-up a VMM makes: owner, features, memory, every queue's size,
 * addresses, base and eventfds, the backend. Argument 0 (or b = 0) is the
 * valid choice in exec.c; now and then another is taken.
 */
static void setup_ops(struct fz_prog *p, uint64_t *rng, unsigned int nvqs)
{
	unsigned int q;
	uint32_t odd = fz_rand(rng);

#define PICK(bits) ((odd = fz_rand(rng)) % 8 ? 0 : (odd >> 3) & (bits))
	add(p, FZ_OWNER, 0, 0, 0);
	add(p, FZ_FEATURES, fz_rand(rng), PICK(0xff), 0);
	add(p, FZ_MEM_TABLE, PICK(7), 0, 0);
	for (q = 0; q < nvqs; q++) {
		add(p, FZ_VRING_NUM, q, PICK(15), 0);
		add(p, FZ_VRING_ADDR, q, PICK(15), 0);
		add(p, FZ_VRING_BASE, q, PICK(7), 0);
		add(p, FZ_VRING_KICK, q, PICK(3), 0);
		add(p, FZ_VRING_CALL, q, PICK(3), 0);
	}
	for (q = 0; q < nvqs; q++)
		add(p, FZ_BACKEND, q, PICK(7), 0);
#undef PICK
}

void fz_prog_generate(struct fz_prog *p, uint64_t *rng, unsigned int devmask)
{
	unsigned int nvqs, n;

	memset(p, 0, sizeof(*p));
	do
		p->dev = fz_rand(rng) % FZ_DEV_COUNT;
	while (!(devmask & (1u << p->dev)));
	p->seed = fz_rand(rng);
	nvqs = 1 + fz_rand(rng) % 2;
	setup_ops(p, rng, nvqs);
	n = p->n + 8 + fz_rand(rng) % (FZ_MAX_OPS - p->n - 8);
	while (p->n < n)
		random_op(&p->op[p->n++], rng);
}

/* Change a few things: arguments, an operation, its thread, the length. */
void fz_prog_mutate(struct fz_prog *p, uint64_t *rng)
{
	unsigned int k, i, m = 1 + fz_rand(rng) % 3;

	for (k = 0; k < m && p->n; k++) {
		i = fz_rand(rng) % p->n;
		switch (fz_rand(rng) % 6) {
		case 0:
			p->op[i].a = fz_rand(rng);
			break;
		case 1:
			p->op[i].b = fz_rand(rng);
			break;
		case 2:
			p->op[i].c = fz_rand(rng);
			break;
		case 3:
			random_op(&p->op[i], rng);
			break;
		case 4:
			if (p->n < FZ_MAX_OPS) {
				memmove(&p->op[i + 1], &p->op[i],
					(p->n - i) * sizeof(p->op[0]));
				random_op(&p->op[i], rng);
				p->n++;
			}
			break;
		default:
			if (p->n > 1) {
				memmove(&p->op[i], &p->op[i + 1],
					(p->n - i - 1) * sizeof(p->op[0]));
				p->n--;
			}
			break;
		}
	}
	p->seed = fz_rand(rng);
}

/* One line: "vha-fuzz dev=net seed=XX ops=kind:t:a:b:c,..." */
void fz_prog_write(const struct fz_prog *p, FILE *f)
{
	unsigned int i;

	fprintf(f, "vha-fuzz dev=%s seed=%x ops=", fz_dev_name(p->dev),
		p->seed);
	for (i = 0; i < p->n; i++)
		fprintf(f, "%s%s:%u:%x:%x:%llx", i ? "," : "",
			fz_kind_name(p->op[i].kind), p->op[i].thread,
			p->op[i].a, p->op[i].b,
			(unsigned long long)p->op[i].c);
	fputc('\n', f);
}

static int kind_of(const char *name, size_t len)
{
	unsigned int k;

	for (k = 0; k < FZ_KIND_COUNT; k++)
		if (strlen(kind_names[k]) == len &&
		    !strncmp(kind_names[k], name, len))
			return k;
	return -1;
}

static int read_op(struct fz_op *op, const char *s)
{
	const char *colon = strchr(s, ':');
	unsigned int t, a, b;
	unsigned long long c;
	int kind;

	if (!colon)
		return -EINVAL;
	kind = kind_of(s, colon - s);
	if (kind < 0 || sscanf(colon + 1, "%u:%x:%x:%llx", &t, &a, &b, &c) != 4 ||
	    t >= FZ_THREADS)
		return -EINVAL;
	*op = (struct fz_op){ kind, t, a, b, c };
	return 0;
}

int fz_prog_read(struct fz_prog *p, FILE *f)
{
	char line[8192], dev[16], *s, *save = NULL;
	unsigned int d;

	memset(p, 0, sizeof(*p));
	do {	/* '#' lines are comments (a regression file's license line) */
		if (!fgets(line, sizeof(line), f))
			return -EINVAL;
	} while (line[0] == '#');
	if (sscanf(line, "vha-fuzz dev=%15s seed=%x", dev, &p->seed) != 2)
		return -EINVAL;
	for (d = 0; d < FZ_DEV_COUNT && strcmp(dev, dev_names[d]); d++)
		;
	s = strstr(line, "ops=");
	if (d == FZ_DEV_COUNT || !s)
		return -EINVAL;
	p->dev = d;
	s[strcspn(s, "\n")] = 0;
	for (s = strtok_r(s + 4, ",", &save); s && p->n < FZ_MAX_OPS;
	     s = strtok_r(NULL, ",", &save))
		if (read_op(&p->op[p->n++], s))
			return -EINVAL;
	return 0;
}
