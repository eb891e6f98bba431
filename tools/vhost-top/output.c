// SPDX-License-Identifier: GPL-2.0
/* Text and JSON output of a table: see output.h. */
#include <math.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "output.h"

#define ROW_FMT "%-*s %-22s %3s %10s %8s %9s %9s %6s %7s %5s %-13s %6s\n"

/* @v with @fmt, or "-" when unknown. */
static const char *num(char *buf, size_t size, const char *fmt, double v)
{
	if (isnan(v))
		return "-";
	snprintf(buf, size, fmt, v);
	return buf;
}

static const char *integer(char *buf, size_t size, int64_t v)
{
	if (v == VTOP_NONE)
		return "-";
	snprintf(buf, size, "%lld", (long long)v);
	return buf;
}

static void print_row(FILE *f, const struct vtop_row *r, int width)
{
	char owner[40], q[12], pkt[24], mb[24], kick[24], notif[24], batch[24];
	char err[24], infl[24], worker[48], cpu[24], id[24], pid[24];

	snprintf(owner, sizeof(owner), "%s %s",
		 integer(id, sizeof(id), r->owner), r->comm);
	snprintf(q, sizeof(q), "%u", r->vq->index);
	if (r->err == VTOP_NONE)
		strcpy(err, "-");
	else
		snprintf(err, sizeof(err), "%lld", (long long)r->err);
	if (r->broken)
		strcat(err, " B");
	snprintf(worker, sizeof(worker), "%s/%s",
		 integer(id, sizeof(id), r->worker),
		 integer(pid, sizeof(pid), r->worker_pid));
	fprintf(f, ROW_FMT, width, r->dev->name, owner, q,
		num(pkt, sizeof(pkt), "%.0f", r->pkt_s),
		num(mb, sizeof(mb), "%.2f", r->bytes_s / 1e6),
		num(kick, sizeof(kick), "%.0f", r->kick_s),
		num(notif, sizeof(notif), "%.0f", r->notif_s),
		num(batch, sizeof(batch), "%.1f", r->batch), err,
		integer(infl, sizeof(infl), r->inflight), worker,
		num(cpu, sizeof(cpu), "%.1f", r->cpu_pct));
}

void vtop_print_text(FILE *f, const struct vtop_snapshot *cur,
		     const struct vtop_table *t, enum vtop_col sort,
		     bool reverse)
{
	const char *const *h = vtop_col_names;
	char when[32];
	time_t now = (time_t)cur->wall;
	int width = 16;
	size_t i;

	for (i = 0; i < cur->ndev; i++)
		if ((int)strlen(cur->dev[i].name) > width)
			width = strlen(cur->dev[i].name);

	strftime(when, sizeof(when), "%H:%M:%S", localtime(&now));
	fprintf(f, "vhost-top - %s, %zu device%s, %zu queue%s, interval %.2f s, sorted by %s%s\n\n",
		when, cur->ndev, cur->ndev == 1 ? "" : "s", t->n,
		t->n == 1 ? "" : "s", t->secs, h[sort],
		reverse ? ", reversed" : "");
	fprintf(f, ROW_FMT, width, h[0], h[1], h[2], h[3], h[4], h[5], h[6], h[7],
		h[8], h[9], h[10], h[11]);
	for (i = 0; i < t->n; i++)
		print_row(f, &t->row[i], width);
	if (!cur->ndev)
		fprintf(f, "(no open vhost-accel device)\n");
}

/* A JSON string; control characters and anything past ASCII as \u00XX. */
static void json_str(FILE *f, const char *s)
{
	const unsigned char *p = (const unsigned char *)s;

	fputc('"', f);
	for (; *p; p++) {
		if (*p == '"' || *p == '\\')
			fprintf(f, "\\%c", *p);
		else if (*p < 0x20 || *p >= 0x7f)
			fprintf(f, "\\u%04x", *p);
		else
			fputc(*p, f);
	}
	fputc('"', f);
}

static void json_num(FILE *f, double v)
{
	if (isnan(v) || isinf(v))
		fputs("null", f);
	else
		fprintf(f, "%.3f", v);
}

static void json_int(FILE *f, int64_t v)
{
	if (v == VTOP_NONE)
		fputs("null", f);
	else
		fprintf(f, "%lld", (long long)v);
}

/* Every line of a file: numbers as numbers, anything else as a string. */
static void json_kvs(FILE *f, const struct vtop_kvs *kvs)
{
	const struct vtop_kv *kv;
	size_t i;

	fputc('{', f);
	for (i = 0; i < kvs->n; i++) {
		kv = &kvs->kv[i];
		fputs(i ? ", " : "", f);
		json_str(f, kv->key);
		fputs(": ", f);
		if (kv->is_num)
			fprintf(f, "%s%llu", kv->neg ? "-" : "",
				(unsigned long long)kv->num);
		else
			json_str(f, kv->text);
	}
	fputc('}', f);
}

static void json_rates(FILE *f, const struct vtop_row *r)
{
	fputs("{\"packets_per_s\": ", f);
	json_num(f, r->pkt_s);
	fputs(", \"bytes_per_s\": ", f);
	json_num(f, r->bytes_s);
	fputs(", \"mb_per_s\": ", f);
	json_num(f, r->bytes_s / 1e6);
	fputs(", \"kicks_per_s\": ", f);
	json_num(f, r->kick_s);
	fputs(", \"notifications_per_s\": ", f);
	json_num(f, r->notif_s);
	fputs(", \"notifications_suppressed_per_s\": ", f);
	json_num(f, r->suppressed_s);
	fputs(", \"chains_per_s\": ", f);
	json_num(f, r->chain_s);
	fputs(", \"batch_avg\": ", f);
	json_num(f, r->batch);
	fputs(", \"errors\": ", f);
	json_int(f, r->err);
	fprintf(f, ", \"broken\": %s", r->broken ? "true" : "false");
	fputs(", \"worker_cpu_percent\": ", f);
	json_num(f, r->cpu_pct);
	fputc('}', f);
}

static void json_queue(FILE *f, const struct vtop_row *r)
{
	fprintf(f, "{\"index\": %u, \"counters\": ", r->vq->index);
	json_kvs(f, &r->vq->kvs);
	fputs(", \"rates\": ", f);
	json_rates(f, r);
	fputc('}', f);
}

static void json_device(FILE *f, const struct vtop_device *d,
			const struct vtop_table *t)
{
	bool first = true;
	size_t i;

	fputs("{\"name\": ", f);
	json_str(f, d->name);
	fputs(", \"device\": ", f);
	json_kvs(f, &d->info);
	fputs(", \"queues\": [", f);
	for (i = 0; i < t->n; i++) {
		if (t->row[i].dev != d)
			continue;
		fputs(first ? "" : ", ", f);
		json_queue(f, &t->row[i]);
		first = false;
	}
	fputs("]}", f);
}

/*
 * One document on one line (a stream of them is JSON Lines), devices by
 * name and their queues by index.
 */
void vtop_print_json(FILE *f, const struct vtop_snapshot *cur,
		     const struct vtop_table *t)
{
	size_t i;

	fprintf(f, "{\"time\": %.3f, \"interval\": ", cur->wall);
	json_num(f, t->secs);
	fputs(", \"devices\": [", f);
	for (i = 0; i < cur->ndev; i++) {
		fputs(i ? ", " : "", f);
		json_device(f, &cur->dev[i], t);
	}
	fputs("]}\n", f);
}
