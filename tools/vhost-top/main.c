// SPDX-License-Identifier: GPL-2.0
/*
 * vhost-top: what every virtqueue of every open vhost-accel device is
 * doing, from the modules' per-queue counters in debugfs.
 */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/vfs.h>
#include <time.h>
#include <unistd.h>

#include "output.h"
#include "term.h"

#define DEBUGFS "/sys/kernel/debug"
#define DEFAULT_ROOT DEBUGFS "/vhost-accel"
#define DEBUGFS_MAGIC 0x64626720

static const char help[] =
"NAME\n"
"    vhost-top - per-virtqueue activity of vhost-accel devices\n"
"\n"
"SYNOPSIS\n"
"    vhost-top [--interval SECS] [--count N | --once] [--json]\n"
"              [--sort COLUMN] [--reverse] [--root DIR]\n"
"\n"
"DESCRIPTION\n"
"    Reads the counters the vhost-accel modules keep per device and per\n"
"    virtqueue in debugfs (" DEFAULT_ROOT "/<owner-pid>-<type>-<seq>/)\n"
"    every interval and prints one line per queue with the rates over\n"
"    that interval. On a terminal the screen is cleared and redrawn;\n"
"    otherwise tables follow each other. Devices opened or closed between\n"
"    two readings appear or disappear; a queue seen for the first time\n"
"    shows '-' for its rates until the next reading. Needs root.\n"
"\n"
"KEYS\n"
"    While redrawing a terminal: s or > sorts by the next column, < by the\n"
"    previous one, r reverses the order, q quits; any other key takes a\n"
"    reading now.\n"
"\n"
"COLUMNS\n"
"    DEVICE   the device's debugfs directory: owner pid, type (net, blk,\n"
"             test), sequence number\n"
"    OWNER    pid and command name of the process that owns the device\n"
"    Q        virtqueue index\n"
"    PKT/s    packets (net frames, blk requests, test chains) per second\n"
"    MB/s     payload bytes per second, in 10^6 bytes\n"
"    KICK/s   kicks (guest notifications to the device) per second\n"
"    NOTIF/s  interrupts (device notifications to the guest) per second\n"
"    BATCH    chains processed per batch over the interval\n"
"    ERR      errors + backend errors + dropped frames over the interval;\n"
"             'B' when the ring is broken (stopped for a driver error)\n"
"    INFL     requests in flight now\n"
"    WORKER   worker id/thread pid serving the queue\n"
"    CPU%     that worker's CPU time over the interval\n"
"    A '-' is a value that cannot be known (a counter the module does not\n"
"    have, a queue new since the last reading, no worker).\n"
"\n"
"OPTIONS\n"
"    -d, --interval=SECS\n"
"        Time between readings, 0.01 to 86400 (default 1).\n"
"    -n, --count=N\n"
"        Print N tables, then exit (default: until interrupted).\n"
"    -1, --once\n"
"        Two readings one interval apart, one table, exit: --count=1.\n"
"    -j, --json\n"
"        One JSON document per table, each on one line: the time,\n"
"        the interval, and per device its 'device' file and per queue\n"
"        every raw counter ('counters') and the computed values ('rates':\n"
"        packets_per_s, bytes_per_s, mb_per_s, kicks_per_s,\n"
"        notifications_per_s, notifications_suppressed_per_s,\n"
"        chains_per_s, batch_avg, errors, broken, worker_cpu_percent;\n"
"        null when unknown).\n"
"    -s, --sort=COLUMN\n"
"        Sort by COLUMN, a heading above, any case, '/s' and '%' optional\n"
"        (default PKT/s). Numbers sort descending, names and ids\n"
"        ascending; unknown values last.\n"
"    -r, --reverse\n"
"        The other way round.\n"
"    --root=DIR\n"
"        Read DIR instead of " DEFAULT_ROOT " (tests).\n"
"    -h, --help\n"
"        This text.\n"
"\n"
"EXAMPLES\n"
"    vhost-top                       # live, sorted by packet rate\n"
"    vhost-top --sort cpu            # busiest workers first\n"
"    vhost-top --once --json | python3 -m json.tool\n"
"\n"
"EXIT STATUS\n"
"    0 after --count tables; 1 if the counters cannot be read (debugfs\n"
"    not mounted, not root, module not loaded, DIR missing); 2 on a usage\n"
"    error.\n"
"\n"
"SEE ALSO\n"
"    vhost-top(8), the README's \"How to see it working\".\n";

struct opts {
	const char *root;
	double interval;
	unsigned long count;	/* 0: forever */
	bool json, reverse;
	enum vtop_col sort;
};

static const struct option long_opts[] = {
	{ "interval", required_argument, NULL, 'd' },
	{ "count", required_argument, NULL, 'n' },
	{ "once", no_argument, NULL, '1' },
	{ "json", no_argument, NULL, 'j' },
	{ "sort", required_argument, NULL, 's' },
	{ "reverse", no_argument, NULL, 'r' },
	{ "root", required_argument, NULL, 'R' },
	{ "help", no_argument, NULL, 'h' },
	{ NULL, 0, NULL, 0 },
};

static int usage(const char *why)
{
	fprintf(stderr, "vhost-top: %s (--help for help)\n", why);
	return 2;
}

/* One option into @o: 0, 1 (exit 0 now), or 2 (usage error). */
static int apply(int c, struct opts *o)
{
	char *end;
	int col;

	switch (c) {
	case 'd':
		o->interval = strtod(optarg, &end);
		if (*end || !(o->interval >= 0.01 && o->interval <= 86400))
			return usage("--interval: seconds, 0.01 to 86400");
		return 0;
	case 'n':
		errno = 0;
		o->count = strtoul(optarg, &end, 10);
		if (errno || *end || !o->count || *optarg == '-')
			return usage("--count: a positive integer");
		return 0;
	case '1':
		o->count = 1;
		return 0;
	case 'j':
		o->json = true;
		return 0;
	case 's':
		col = vtop_col_parse(optarg);
		if (col < 0)
			return usage("--sort: a column heading (see --help)");
		o->sort = col;
		return 0;
	case 'r':
		o->reverse = true;
		return 0;
	case 'R':
		o->root = optarg;
		return 0;
	case 'h':
		fputs(help, stdout);
		return 1;
	}
	return usage("unknown option");
}

static int parse(int argc, char **argv, struct opts *o)
{
	int c, ret;

	*o = (struct opts){ .root = DEFAULT_ROOT, .interval = 1.0,
			    .sort = VTOP_COL_PKT };
	while ((c = getopt_long(argc, argv, "d:n:1js:rh", long_opts,
				NULL)) != -1) {
		ret = apply(c, o);
		if (ret)
			return ret;
	}
	if (optind < argc)
		return usage("too many arguments");
	return 0;
}

/* Why the counters under @root cannot be read (@err: -errno); returns 1. */
static int explain(const char *root, int err)
{
	struct statfs sf;

	if (err == -EACCES || err == -EPERM) {
		fprintf(stderr, "vhost-top: %s: permission denied: debugfs is readable by root only (run as root)\n",
			root);
	} else if (err == -ENOENT && !strcmp(root, DEFAULT_ROOT) &&
		   (statfs(DEBUGFS, &sf) || sf.f_type != DEBUGFS_MAGIC)) {
		fprintf(stderr, "vhost-top: debugfs is not mounted on %s (mount -t debugfs none %s)\n",
			DEBUGFS, DEBUGFS);
	} else if (err == -ENOENT && !strcmp(root, DEFAULT_ROOT)) {
		fprintf(stderr, "vhost-top: no %s: the vhost-accel modules are not loaded (modprobe vhost_net, vhost_blk or vhost_accel_test), or are a version without per-queue counters\n",
			root);
	} else {
		fprintf(stderr, "vhost-top: %s: %s\n", root, strerror(-err));
	}
	return 1;
}

/* A key pressed on the terminal: false to quit. */
static bool key(struct opts *o, int c)
{
	switch (c) {
	case 'q':
		return false;
	case 's':
	case '>':
		o->sort = (o->sort + 1) % VTOP_NCOLS;
		break;
	case '<':
		o->sort = (o->sort + VTOP_NCOLS - 1) % VTOP_NCOLS;
		break;
	case 'r':
		o->reverse = !o->reverse;
		break;
	}
	return true;
}

static int show(const struct opts *o, const struct vtop_snapshot *prev,
		const struct vtop_snapshot *cur, bool redraw, bool keys)
{
	struct vtop_table t;

	if (vtop_table_build(prev, cur, &t)) {
		fprintf(stderr, "vhost-top: out of memory\n");
		return 1;
	}
	if (o->json) {
		vtop_print_json(stdout, cur, &t);
	} else {
		vtop_table_sort(&t, o->sort, o->reverse);
		if (redraw)
			fputs("\033[H\033[2J", stdout);
		else if (prev != cur && t.secs > 0 && o->count != 1)
			fputc('\n', stdout);
		vtop_print_text(stdout, cur, &t, o->sort, o->reverse);
		if (keys)
			fputs("\n(s/< sort column, r reverse, q quit)\n", stdout);
	}
	vtop_table_free(&t);
	fflush(stdout);
	return 0;
}

int main(int argc, char **argv)
{
	struct vtop_snapshot prev, cur;
	bool redraw, keys = false;
	unsigned long i;
	struct opts o;
	int ret, c;

	ret = parse(argc, argv, &o);
	if (ret)
		return ret == 1 ? 0 : ret;
	redraw = !o.json && o.count != 1 && isatty(STDOUT_FILENO);
	ret = vtop_snapshot_read(o.root, &prev);
	if (ret)
		return explain(o.root, ret);
	if (redraw)
		keys = vtop_term_start();
	for (i = 0; !o.count || i < o.count; i++) {
		c = vtop_term_wait(o.interval);
		if (c && !key(&o, c))
			break;
		ret = vtop_snapshot_read(o.root, &cur);
		if (ret) {
			vtop_snapshot_free(&prev);
			return explain(o.root, ret);
		}
		ret = show(&o, &prev, &cur, redraw, keys);
		vtop_snapshot_free(&prev);
		prev = cur;
		if (ret)
			break;
	}
	vtop_snapshot_free(&prev);
	return ret;
}
