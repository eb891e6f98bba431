// SPDX-License-Identifier: GPL-2.0
/* Reading the debugfs tree into a snapshot: see snapshot.h. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "snapshot.h"

enum { FILE_MAX = 64 * 1024 };

static uint64_t clock_ns(clockid_t id)
{
	struct timespec ts;

	clock_gettime(id, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ULL + ts.tv_nsec;
}

/* The whole of @dirfd/@name, NUL-terminated, in a malloc'd buffer. */
static int slurp(int dirfd, const char *name, char **out)
{
	size_t len = 0;
	ssize_t r;
	char *buf;
	int fd;

	fd = openat(dirfd, name, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	buf = malloc(FILE_MAX + 1);
	if (!buf) {
		close(fd);
		return -ENOMEM;
	}
	while (len < FILE_MAX) {
		r = read(fd, buf + len, FILE_MAX - len);
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0) {
			r = -errno;
			free(buf);
			close(fd);
			return r;
		}
		if (!r)
			break;
		len += r;
	}
	close(fd);
	buf[len] = '\0';
	*out = buf;
	return 0;
}

/* A decimal integer, maybe negative, and nothing else. */
static bool parse_num(const char *s, bool *neg, uint64_t *v)
{
	uint64_t n = 0;

	*neg = *s == '-';
	if (*neg)
		s++;
	if (!*s)
		return false;
	for (; *s; s++) {
		if (*s < '0' || *s > '9' || n > (UINT64_MAX - 9) / 10)
			return false;
		n = n * 10 + (*s - '0');
	}
	*v = n;
	return true;
}

static void copy_trimmed(char *dst, size_t size, const char *s, size_t len)
{
	while (len && (s[len - 1] == ' ' || s[len - 1] == '\t' ||
		       s[len - 1] == '\r'))
		len--;
	if (len >= size)
		len = size - 1;
	memcpy(dst, s, len);
	dst[len] = '\0';
}

/* One line into @kv; false if it is not "key value". */
static bool parse_line(const char *line, size_t len, struct vtop_kv *kv)
{
	size_t k = 0, v;

	while (k < len && line[k] != ' ' && line[k] != '\t')
		k++;
	if (!k || k >= VTOP_KEY_MAX || k == len)
		return false;
	for (v = k; v < len && (line[v] == ' ' || line[v] == '\t'); v++)
		;
	memset(kv, 0, sizeof(*kv));
	memcpy(kv->key, line, k);
	copy_trimmed(kv->text, sizeof(kv->text), line + v, len - v);
	kv->is_num = parse_num(kv->text, &kv->neg, &kv->num);
	return true;
}

/* Overwrite the entry of @kv's key, if there is one. */
static bool replace(struct vtop_kvs *kvs, const struct vtop_kv *kv)
{
	size_t i;

	for (i = 0; i < kvs->n; i++) {
		if (!strcmp(kvs->kv[i].key, kv->key)) {
			kvs->kv[i] = *kv;
			return true;
		}
	}
	return false;
}

/* Every "key value" line of @buf; a later line of the same key wins. */
int vtop_kvs_parse(const char *buf, struct vtop_kvs *kvs)
{
	size_t cap = 0, len;
	const char *nl;
	struct vtop_kv kv, *grown;

	kvs->kv = NULL;
	kvs->n = 0;
	for (; *buf; buf = nl + (*nl != '\0')) {
		nl = strchr(buf, '\n');
		if (!nl)
			nl = buf + strlen(buf);
		len = nl - buf;
		if (!parse_line(buf, len, &kv))
			continue;
		if (replace(kvs, &kv))
			continue;
		if (kvs->n == cap) {
			cap = cap ? 2 * cap : 32;
			grown = realloc(kvs->kv, cap * sizeof(*grown));
			if (!grown) {
				vtop_kvs_free(kvs);
				return -ENOMEM;
			}
			kvs->kv = grown;
		}
		kvs->kv[kvs->n++] = kv;
	}
	return 0;
}

void vtop_kvs_free(struct vtop_kvs *kvs)
{
	free(kvs->kv);
	kvs->kv = NULL;
	kvs->n = 0;
}

const struct vtop_kv *vtop_kv_find(const struct vtop_kvs *kvs, const char *key)
{
	size_t i;

	for (i = 0; i < kvs->n; i++)
		if (!strcmp(kvs->kv[i].key, key))
			return &kvs->kv[i];
	return NULL;
}

bool vtop_kv_u64(const struct vtop_kvs *kvs, const char *key, uint64_t *v)
{
	const struct vtop_kv *kv = vtop_kv_find(kvs, key);

	if (!kv || !kv->is_num || kv->neg)
		return false;
	*v = kv->num;
	return true;
}

bool vtop_kv_s64(const struct vtop_kvs *kvs, const char *key, int64_t *v)
{
	const struct vtop_kv *kv = vtop_kv_find(kvs, key);

	if (!kv || !kv->is_num || kv->num > INT64_MAX)
		return false;
	*v = kv->neg ? -(int64_t)kv->num : (int64_t)kv->num;
	return true;
}

static int read_kvs(int dirfd, const char *name, struct vtop_kvs *kvs)
{
	char *buf;
	int ret;

	ret = slurp(dirfd, name, &buf);
	if (ret)
		return ret;
	ret = vtop_kvs_parse(buf, kvs);
	free(buf);
	return ret;
}

static void device_free(struct vtop_device *d)
{
	size_t i;

	for (i = 0; i < d->nvq; i++)
		vtop_kvs_free(&d->vq[i].kvs);
	free(d->vq);
	vtop_kvs_free(&d->info);
}

/* "vq<N>" with N decimal and nothing else. */
static bool vq_index(const char *name, unsigned int *index)
{
	bool neg;
	uint64_t v;

	if (strncmp(name, "vq", 2) || !parse_num(name + 2, &neg, &v) ||
	    neg || v > 65535 || (name[2] == '0' && name[3]))
		return false;
	*index = v;
	return true;
}

static int cmp_queue(const void *a, const void *b)
{
	const struct vtop_queue *x = a, *y = b;

	return (x->index > y->index) - (x->index < y->index);
}

static int add_queue(struct vtop_device *d, int fd, const char *name,
		     unsigned int index)
{
	struct vtop_queue *grown;
	int ret;

	grown = realloc(d->vq, (d->nvq + 1) * sizeof(*grown));
	if (!grown)
		return -ENOMEM;
	d->vq = grown;
	ret = read_kvs(fd, name, &d->vq[d->nvq].kvs);
	if (ret)
		return ret;
	d->vq[d->nvq++].index = index;
	return 0;
}

/* The queues of the device open at @fd; any failure drops the device. */
static int read_queues(struct vtop_device *d, int fd)
{
	struct dirent *de;
	unsigned int index;
	int ret = 0, dfd;
	DIR *dir;

	dfd = dup(fd);
	if (dfd < 0)
		return -errno;
	dir = fdopendir(dfd);
	if (!dir) {
		close(dfd);
		return -errno;
	}
	while (!ret && (de = readdir(dir)))
		if (vq_index(de->d_name, &index))
			ret = add_queue(d, fd, de->d_name, index);
	closedir(dir);
	if (!ret)
		qsort(d->vq, d->nvq, sizeof(*d->vq), cmp_queue);
	return ret;
}

/* Read the device directory @name of @rootfd into @d; -errno drops it. */
static int read_device(int rootfd, const char *name, struct vtop_device *d)
{
	int fd, ret;

	memset(d, 0, sizeof(*d));
	if (strlen(name) >= sizeof(d->name))
		return -ENAMETOOLONG;
	strcpy(d->name, name);
	fd = openat(rootfd, name, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	ret = read_kvs(fd, "device", &d->info);
	if (!ret)
		ret = read_queues(d, fd);
	close(fd);
	if (ret)
		device_free(d);
	return ret;
}

static int cmp_device(const void *a, const void *b)
{
	const struct vtop_device *x = a, *y = b;

	return strcmp(x->name, y->name);
}

static int read_devices(DIR *dir, struct vtop_snapshot *s)
{
	struct vtop_device *grown;
	struct dirent *de;
	size_t cap = 0;

	while ((de = readdir(dir))) {
		if (de->d_name[0] == '.')
			continue;
		if (s->ndev == cap) {
			cap = cap ? 2 * cap : 16;
			grown = realloc(s->dev, cap * sizeof(*grown));
			if (!grown)
				return -ENOMEM;
			s->dev = grown;
		}
		/* Not a device, or closed while we read it: leave it out. */
		if (!read_device(dirfd(dir), de->d_name, &s->dev[s->ndev]))
			s->ndev++;
	}
	qsort(s->dev, s->ndev, sizeof(*s->dev), cmp_device);
	return 0;
}

/*
 * Read every device under @root. Returns 0, or -errno if @root itself
 * cannot be read (missing, no permission) or memory ran out.
 */
int vtop_snapshot_read(const char *root, struct vtop_snapshot *s)
{
	DIR *dir;
	int ret;

	memset(s, 0, sizeof(*s));
	s->mono_ns = clock_ns(CLOCK_MONOTONIC);
	s->wall = clock_ns(CLOCK_REALTIME) / 1e9;
	dir = opendir(root);
	if (!dir)
		return -errno;
	ret = read_devices(dir, s);
	closedir(dir);
	if (ret)
		vtop_snapshot_free(s);
	return ret;
}

void vtop_snapshot_free(struct vtop_snapshot *s)
{
	size_t i;

	for (i = 0; i < s->ndev; i++)
		device_free(&s->dev[i]);
	free(s->dev);
	s->dev = NULL;
	s->ndev = 0;
}

const struct vtop_device *vtop_device_find(const struct vtop_snapshot *s,
					   const char *name)
{
	struct vtop_device key;

	if (strlen(name) >= sizeof(key.name) || !s->ndev)
		return NULL;
	strcpy(key.name, name);
	return bsearch(&key, s->dev, s->ndev, sizeof(*s->dev), cmp_device);
}

const struct vtop_queue *vtop_queue_find(const struct vtop_device *d,
					 unsigned int index)
{
	struct vtop_queue key = { .index = index };

	if (!d->nvq)
		return NULL;
	return bsearch(&key, d->vq, d->nvq, sizeof(*d->vq), cmp_queue);
}
