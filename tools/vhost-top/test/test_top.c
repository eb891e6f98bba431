// SPDX-License-Identifier: GPL-2.0
/*
 * Host unit test of vhost-top, TAP. Fake debugfs trees in a temporary
 * directory stand for the modules':
 *
 *   - the snapshot, table and JSON code is fed two readings of a tree
 *     whose counters the test advanced in between, with the time between
 *     them set exactly, and every computed value is checked;
 *   - the program itself (VTOP_BIN) runs on trees that a child process
 *     changes under it: rates appear, a device that is removed while it
 *     runs vanishes from the output without a crash, a missing root is
 *     exit status 1; its JSON is parsed by python3.
 */
#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "output.h"

static int tests, failed;
static char tmp[64];

static void ok(bool cond, const char *fmt, ...)
{
	va_list ap;

	tests++;
	if (!cond)
		failed++;
	printf("%sok %d - ", cond ? "" : "not ", tests);
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	putchar('\n');
	fflush(stdout);
}

static bool near(double a, double b)
{
	return fabs(a - b) < 1e-9 * (fabs(b) + 1);
}

/* Write @text to @tmp/@rel atomically (rename), as a kernel file reads. */
static void put(const char *rel, const char *fmt, ...)
{
	char path[256], part[300];
	va_list ap;
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s", tmp, rel);
	snprintf(part, sizeof(part), "%s.tmp", path);
	f = fopen(part, "w");
	if (!f) {
		perror(part);
		exit(1);
	}
	va_start(ap, fmt);
	vfprintf(f, fmt, ap);
	va_end(ap);
	fclose(f);
	rename(part, path);
}

static void dir(const char *rel)
{
	char path[256];

	snprintf(path, sizeof(path), "%s/%s", tmp, rel);
	mkdir(path, 0755);
}

static int sh(const char *fmt, ...)
{
	char cmd[1024];
	va_list ap;
	int st;

	va_start(ap, fmt);
	vsnprintf(cmd, sizeof(cmd), fmt, ap);
	va_end(ap);
	fflush(stdout);
	st = system(cmd);
	return WIFEXITED(st) ? WEXITSTATUS(st) : 128;
}

static void make_device(const char *name, const char *type, int owner,
		   const char *comm, int nvqs)
{
	char rel[128];

	snprintf(rel, sizeof(rel), "root/%s", name);
	dir(rel);
	snprintf(rel, sizeof(rel), "root/%s/device", name);
	put(rel, "type %s\nowner %d\ncomm %s\nseq 0\nnvqs %d\nfeatures 0x130000000\n",
	    type, owner, comm, nvqs);
}

/* A full queue file; @k scales every counter, so two calls make a delta. */
static void full_vq(const char *rel, unsigned long long k, int broken)
{
	put(rel,
	    "kicks %llu\nnotifications %llu\nnotifications_suppressed %llu\n"
	    "chains %llu\npackets %llu\nbytes %llu\nbatches %llu\n"
	    "batch_1 0\nbatch_32_up 3\nbusypoll_spins 0\nbusypoll_hits 0\n"
	    "inflight 7\nerrors %llu\nerr_bad_desc %llu\nerr_backend %llu\n"
	    "dropped %llu\nbroken %d\nworker 2\nworker_pid 4242\n"
	    "worker_cpu_ns %llu\nsome_future_key 99\nnot a number\n"
	    "garbage\n",
	    10 * k, 4 * k, 6 * k, 100 * k, 100 * k, 2000000 * k, 25 * k,
	    k, k, 2 * k, 3 * k, broken, 250000000ULL * k);
}

static const struct vtop_row *row_of(const struct vtop_table *t,
				     const char *dev, unsigned int q)
{
	size_t i;

	for (i = 0; i < t->n; i++)
		if (!strcmp(t->row[i].dev->name, dev) && t->row[i].vq->index == q)
			return &t->row[i];
	return NULL;
}

static void test_parse(void)
{
	struct vtop_kvs kvs;
	uint64_t u;
	int64_t s;

	vtop_kvs_parse("kicks 12\nworker -1\ncomm qemu system\nx\n\nkicks 13\nfeatures 0x10\n",
		       &kvs);
	ok(vtop_kv_u64(&kvs, "kicks", &u) && u == 13, "a repeated key: the last line wins");
	ok(vtop_kv_s64(&kvs, "worker", &s) && s == -1 && !vtop_kv_u64(&kvs, "worker", &u),
	   "worker -1 is a signed value, not a u64");
	ok(vtop_kv_find(&kvs, "comm") && !strcmp(vtop_kv_find(&kvs, "comm")->text, "qemu system"),
	   "a value with a space is kept whole");
	ok(!vtop_kv_find(&kvs, "x") && !vtop_kv_u64(&kvs, "features", &u),
	   "a line without a value is ignored; hex is kept as text");
	vtop_kvs_free(&kvs);
}

/* Two readings of one tree, 2 s apart, and what the table makes of them. */
static void test_rates(void)
{
	char root[128], path[128];
	struct vtop_snapshot a, b;
	FILE *f;
	struct vtop_table t;
	const struct vtop_row *r;
	int ret;

	dir("root");
	make_device("100-net-0", "net", 100, "qemu-system-x86", 2);
	full_vq("root/100-net-0/vq0", 1, 0);
	put("root/100-net-0/vq1", "kicks 5\npackets 9\n");
	make_device("200-blk-1", "blk", 200, "vhost-user-blk", 1);
	full_vq("root/200-blk-1/vq0", 1, 0);
	make_device("300-test-2", "test", 300, "vhost-test", 1);
	put("root/300-test-2/vq0", "packets 50\nbytes 1000\n");
	dir("root/not-a-device");
	snprintf(root, sizeof(root), "%s/none", tmp);
	ret = vtop_snapshot_read(root, &a);
	ok(ret == -ENOENT, "a missing root is -ENOENT (%d)", ret);
	snprintf(root, sizeof(root), "%s/root", tmp);
	ret = vtop_snapshot_read(root, &a);
	ok(!ret && a.ndev == 3, "first reading: 3 devices, a directory without a device file left out (%zu)",
	   a.ndev);

	/* In between: net's vq0 advances by the k=1 step, blk's by 3
	 * steps and breaks, test's packets go backwards, vq1 loses a key,
	 * and a 4th device appears.
	 */
	full_vq("root/100-net-0/vq0", 2, 0);
	put("root/100-net-0/vq1", "packets 29\n");
	full_vq("root/200-blk-1/vq0", 4, 1);
	put("root/300-test-2/vq0", "packets 10\nbytes 3000\n");
	make_device("400-net-3", "net", 400, "new", 1);
	full_vq("root/400-net-3/vq0", 5, 0);
	ret = vtop_snapshot_read(root, &b);
	b.mono_ns = a.mono_ns + 2000000000ULL;
	ok(!ret && b.ndev == 4, "second reading: 4 devices");
	ret = vtop_table_build(&a, &b, &t);
	ok(!ret && t.n == 5 && near(t.secs, 2.0), "5 rows over 2.000 s (%zu, %f)", t.n, t.secs);

	r = row_of(&t, "100-net-0", 0);
	ok(r && near(r->pkt_s, 50) && near(r->bytes_s, 1e6) && near(r->kick_s, 5) &&
	   near(r->notif_s, 2) && near(r->suppressed_s, 3) && near(r->chain_s, 50),
	   "net vq0: 50 pkt/s, 1 MB/s, 5 kick/s, 2 notif/s, 3 suppressed/s, 50 chains/s");
	ok(r && near(r->batch, 4.0), "net vq0: batch 100 chains / 25 batches = 4.0 (%f)", r ? r->batch : 0);
	ok(r && r->err == 6 && !r->broken, "net vq0: errors 1 + err_backend 2 + dropped 3 = 6 (err_<reason> not added twice)");
	ok(r && near(r->cpu_pct, 12.5) && r->worker == 2 && r->worker_pid == 4242 &&
	   r->inflight == 7 && r->owner == 100 && !strcmp(r->comm, "qemu-system-x86"),
	   "net vq0: 0.25 s of worker CPU in 2 s = 12.5%%, worker 2/4242, 7 in flight, owner 100 qemu-system-x86");

	r = row_of(&t, "100-net-0", 1);
	ok(r && near(r->pkt_s, 10) && isnan(r->kick_s) && isnan(r->batch) && isnan(r->cpu_pct) &&
	   r->err == VTOP_NONE && r->worker == VTOP_NONE && r->inflight == VTOP_NONE,
	   "net vq1: 10 pkt/s; a key missing from either reading is unknown, not 0");
	r = row_of(&t, "200-blk-1", 0);
	ok(r && near(r->pkt_s, 150) && near(r->bytes_s, 3e6) && r->err == 18 && r->broken,
	   "blk vq0: 150 req/s, 3 MB/s, 18 errors, broken");
	r = row_of(&t, "300-test-2", 0);
	ok(r && isnan(r->pkt_s) && near(r->bytes_s, 1000),
	   "test vq0: a counter that went backwards is unknown, the others still count");
	r = row_of(&t, "400-net-3", 0);
	ok(r && !r->prev && isnan(r->pkt_s) && isnan(r->cpu_pct) && r->err == VTOP_NONE,
	   "a device new since the first reading has no rates yet");

	/* Sorting: default PKT/s descending, unknown last. */
	vtop_table_sort(&t, VTOP_COL_PKT, false);
	ok(!strcmp(t.row[0].dev->name, "200-blk-1") && !strcmp(t.row[1].dev->name, "100-net-0") &&
	   t.row[1].vq->index == 0 && t.row[2].vq->index == 1 && isnan(t.row[3].pkt_s) &&
	   isnan(t.row[4].pkt_s) && !strcmp(t.row[3].dev->name, "300-test-2"),
	   "sort PKT/s: 150, 50, 10, then the unknown ones by device");
	vtop_table_sort(&t, VTOP_COL_PKT, true);
	ok(!strcmp(t.row[0].dev->name, "100-net-0") && t.row[0].vq->index == 1 &&
	   !strcmp(t.row[2].dev->name, "200-blk-1") && isnan(t.row[4].pkt_s),
	   "sort PKT/s reversed: 10, 50, 150, unknown still last");
	vtop_table_sort(&t, vtop_col_parse("device"), false);
	ok(!strcmp(t.row[0].dev->name, "100-net-0") && !strcmp(t.row[4].dev->name, "400-net-3"),
	   "sort DEVICE: by name ascending");
	vtop_table_sort(&t, vtop_col_parse("err"), false);
	ok(!strcmp(t.row[0].dev->name, "200-blk-1") && !strcmp(t.row[1].dev->name, "100-net-0"),
	   "sort ERR: broken queue first, then most errors");
	vtop_table_sort(&t, VTOP_COL_CPU, false);
	ok(vtop_col_parse("cpu") == VTOP_COL_CPU && vtop_col_parse("CPU%") == VTOP_COL_CPU &&
	   vtop_col_parse("pkt/s") == VTOP_COL_PKT && vtop_col_parse("Notif") == VTOP_COL_NOTIF &&
	   vtop_col_parse("bogus") < 0 && near(t.row[0].cpu_pct, 37.5),
	   "column names: any case, '/s' and '%%' optional; sort CPU%% puts 37.5%% first");

	/* JSON: one document, valid, with raw counters and rates. */
	snprintf(path, sizeof(path), "%s/doc.json", tmp);
	f = fopen(path, "w");
	vtop_print_json(f, &b, &t);
	fclose(f);
	ok(!sh("python3 -m json.tool %s > /dev/null", path) && !sh("test $(wc -l < %s) = 1", path), "JSON document parses (python3 -m json.tool), on one line");
	ok(!sh("python3 -c 'import json,sys; d = json.load(open(sys.argv[1])); "
	       "n = {x[\"name\"]: x for x in d[\"devices\"]}; q = n[\"100-net-0\"][\"queues\"]; "
	       "assert [x[\"index\"] for x in q] == [0, 1]; "
	       "assert q[0][\"rates\"][\"packets_per_s\"] == 50 and q[0][\"rates\"][\"batch_avg\"] == 4; "
	       "assert q[0][\"counters\"][\"some_future_key\"] == 99 and q[0][\"counters\"][\"worker\"] == 2; "
	       "assert q[1][\"rates\"][\"kicks_per_s\"] is None; "
	       "assert n[\"100-net-0\"][\"device\"][\"features\"] == \"0x130000000\"; "
	       "assert n[\"200-blk-1\"][\"queues\"][0][\"rates\"][\"broken\"] is True; "
	       "assert len(d[\"devices\"]) == 4' %s", path),
	   "JSON has devices by name, queues by index, raw counters (unknown keys too) and rates (null when unknown)");

	snprintf(path, sizeof(path), "%s/table.txt", tmp);
	f = fopen(path, "w");
	vtop_table_sort(&t, VTOP_COL_PKT, false);
	vtop_print_text(f, &b, &t, VTOP_COL_PKT, false);
	fclose(f);
	ok(!sh("awk 'NR == 3 && $1 == \"DEVICE\" && $NF == \"CPU%%\" { h = 1 }\n"
	       "NR == 4 && $1 == \"200-blk-1\" && $5 == 150 && $6 == \"3.00\" && $11 == \"B\" { a = 1 }\n"
	       "$1 == \"100-net-0\" && $5 == 10 && $7 == \"-\" { m = 1 }\n"
	       "END { exit !(h && a && m) }' %s", path),
	   "text table: heading, busiest row first with ERR 'B', '-' for unknown");
	if (failed)
		sh("sed 's/^/# /' %s", path);

	vtop_table_free(&t);
	vtop_snapshot_free(&a);
	vtop_snapshot_free(&b);
}

/*
 * A child that keeps one queue busy for about 1.5 s and removes the other
 * device once the program has printed its first document.
 */
static pid_t writer(void)
{
	char out[128];
	bool removed = false;
	struct stat st;
	pid_t pid = fork();
	int i;

	if (pid)
		return pid;
	snprintf(out, sizeof(out), "%s/live.json", tmp);
	for (i = 1; i <= 150; i++) {
		put("live/500-net-0/vq0", "kicks %d\npackets %d\nbytes %d\nworker 0\nworker_pid %d\n",
		    i, 100 * i, 150000 * i, getpid());
		if (!removed && !stat(out, &st) && st.st_size > 0) {
			sh("rm -rf %s/live/600-blk-1", tmp);
			removed = true;
		}
		usleep(10000);
	}
	_exit(0);
}

static void test_program(void)
{
	int rc, st;
	pid_t pid;

	rc = sh("%s --root %s/none --once --interval 0.01 > %s/out 2> %s/err", VTOP_BIN, tmp, tmp, tmp);
	ok(rc == 1 && !sh("grep -q 'No such file' %s/err", tmp),
	   "a missing --root: a message and exit status 1 (%d)", rc);
	rc = sh("%s --sort bogus --root %s/root > /dev/null 2>&1", VTOP_BIN, tmp);
	ok(rc == 2, "an unknown --sort column is a usage error (%d)", rc);
	rc = sh("%s --help | grep -q '^OPTIONS'", VTOP_BIN);
	ok(rc == 0, "--help prints the manual");

	dir("live");
	dir("live/500-net-0");
	put("live/500-net-0/device", "type net\nowner 500\ncomm qemu\nseq 0\nnvqs 1\n");
	put("live/500-net-0/vq0", "packets 0\n");
	dir("live/600-blk-1");
	put("live/600-blk-1/device", "type blk\nowner 600\ncomm vub\nseq 1\nnvqs 1\n");
	put("live/600-blk-1/vq0", "packets 0\n");
	sh("rm -f %s/live.json", tmp);
	pid = writer();
	rc = sh("%s --root %s/live --json --count 3 --interval 0.2 > %s/live.json 2> %s/err",
		VTOP_BIN, tmp, tmp, tmp);
	waitpid(pid, &st, 0);
	ok(rc == 0, "--json --count 3 while the tree changes: exit status 0 (%d)", rc);
	ok(!sh("python3 -c 'import json,sys\n"
	       "docs = [json.loads(l) for l in open(sys.argv[1]) if l.startswith(\"{\")]\n"
	       "assert len(docs) == 3, len(docs)\n' %s/live.json", tmp) &&
	   !sh("python3 -c 'import json,sys\n"
	       "txt = open(sys.argv[1]).read()\n"
	       "dec = json.JSONDecoder(); i = 0; docs = []\n"
	       "while i < len(txt):\n"
	       "    d, i = dec.raw_decode(txt, i)\n"
	       "    docs.append(d)\n"
	       "    while i < len(txt) and txt[i].isspace(): i += 1\n"
	       "assert len(docs) == 3, len(docs)\n"
	       "names = [[x[\"name\"] for x in d[\"devices\"]] for d in docs]\n"
	       "assert names[0] == [\"500-net-0\", \"600-blk-1\"], names\n"
	       "assert names[2] == [\"500-net-0\"], names\n"
	       "r = docs[0][\"devices\"][0][\"queues\"][0][\"rates\"]\n"
	       "assert 1000 < r[\"packets_per_s\"] < 20000, r\n"
	       "assert abs(r[\"bytes_per_s\"] - 1500 * r[\"packets_per_s\"]) < 1, r\n' %s/live.json",
	       tmp),
	   "three JSON documents: the live queue has a packet rate, the removed device is gone");
	if (failed)
		sh("head -c 3000 %s/live.json | sed 's/^/# /'; sed 's/^/# /' %s/err", tmp, tmp);
	rc = sh("%s --root %s/root --once --interval 0.05 --sort q > %s/out 2>&1", VTOP_BIN, tmp, tmp);
	ok(rc == 0 && !sh("grep -q '^200-blk-1 ' %s/out", tmp) &&
	   !sh("head -n 1 %s/out | grep -q 'sorted by Q'", tmp),
	   "--once prints one text table and exits 0");
}

int main(void)
{
	strcpy(tmp, "/tmp/vhost-top-test.XXXXXX");
	if (!mkdtemp(tmp)) {
		perror("mkdtemp");
		return 1;
	}
	printf("TAP version 13\n1..30\n");
	test_parse();
	test_rates();
	test_program();
	sh("rm -rf %s", tmp);
	if (tests != 30)
		printf("# ran %d tests, planned 30\n", tests);
	return failed || tests != 30;
}
