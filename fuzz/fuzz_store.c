/* SPDX-License-Identifier: Apache-2.0 */
/*
 * libFuzzer target: arbitrary bytes attached as a node store file.  rp_store_open() must refuse
 * anything malformed with an error, and whatever it accepts must survive every read-side and
 * maintenance call (views, pool info, lookups, stats, foreach, fsck with and without repair,
 * sweep, a bounded allocation) without a crash, a sanitizer report or a hang.
 *
 * Two input forms: the raw file bytes; or "RPF1", a preset number, then 5-byte patches (u32
 * little-endian offset modulo the file size, u8 new value) applied to that preset tiny store as
 * built by the current code (tests/store_mp/store_presets.c) — valid headers and config areas
 * whatever the format version, so the fuzzer spends its time past the attach checks.
 * Seed corpus: fuzz/corpus/fuzz_store/ (regenerate: build/tests/store_mkcorpus fuzz/corpus/fuzz_store).
 */
#include <fcntl.h>
#include <stdlib.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "shm/store.h"
#include "tests/store_mp/store_presets.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void quiet(int level, const char *msg, void *arg)
{
	(void)level;
	(void)msg;
	(void)arg;
}

static void count_problem(const char *problem, void *arg)
{
	(void)problem;
	++*(int *)arg;
}

static int visit(const struct rp_owner_info *info, void *arg)
{
	/* Touch every field a caller would print. */
	*(size_t *)arg += strnlen(info->container_id, sizeof(info->container_id)) +
			  strnlen(info->ifname, sizeof(info->ifname)) + info->nleases + info->data_len;
	return 0;
}

/* The preset images, built once per process. */
static uint8_t *preset_img[RP_TEST_PRESETS];
static size_t preset_len[RP_TEST_PRESETS];

static const uint8_t *preset(int v, size_t *len)
{
	char path[64];
	const char *name;
	struct stat st;
	int fd;

	if (preset_img[v]) {
		*len = preset_len[v];
		return preset_img[v];
	}
	snprintf(path, sizeof(path), "/dev/shm/rpfuzzpreset%d-%d.shm", (int)getpid(), v);
	unlink(path);
	if (rp_test_store_preset(path, v, &name))
		abort(); /* the store cannot build its own presets: a real bug, not a fuzz input */
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0 || fstat(fd, &st) < 0 || !(preset_img[v] = malloc((size_t)st.st_size)) ||
	    pread(fd, preset_img[v], (size_t)st.st_size, 0) != st.st_size)
		abort();
	close(fd);
	unlink(path);
	preset_len[v] = (size_t)st.st_size;
	*len = preset_len[v];
	return preset_img[v];
}

static int write_input(const char *path, const uint8_t *data, size_t size)
{
	int fd = open(path, O_RDWR | O_CREAT | O_TRUNC | O_NOFOLLOW | O_CLOEXEC, 0600);
	size_t done = 0;

	if (fd < 0)
		return -1;
	/* umask may have cleared bits, never added them; the store demands exactly no group/other. */
	if (fchmod(fd, 0600) < 0) {
		close(fd);
		return -1;
	}
	while (done < size) {
		ssize_t n = write(fd, data + done, size - done);

		if (n <= 0) {
			close(fd);
			return -1;
		}
		done += (size_t)n;
	}
	close(fd);
	return 0;
}

static void exercise(struct rp_store *s, int writable)
{
	struct rp_store_view v;
	struct rp_store_stats st;
	struct rp_owner_info info;
	struct rp_owner_key k = { .container_id = "c0ffee01", .ifname = "net1" };
	size_t seen = 0;
	int problems = 0;

	if (rp_store_read_begin(s, &v) == 0) {
		for (uint32_t i = 0; i < v.npools && i < 64; i++) {
			struct rp_store_pool_info pi;

			if (rp_store_pool_info(s, i, &pi) == 0)
				(void)rp_store_pool_find(s, pi.name);
		}
		(void)rp_store_pool_info(s, v.npools, &(struct rp_store_pool_info){ 0 });
		(void)rp_store_pool_find(s, "rail1-v4");
		(void)rp_store_lookup(s, &k, &info);
		if (writable && v.npools) {
			struct rp_owner_key nk = { .container_id = "fuzz-new", .ifname = "net9" };
			struct rp_owner o;
			struct rp_lease_info li;
			struct rp_err e;
			uint32_t pool = 0;

			if (rp_store_owner_begin(s, &nk, "", &o, &info, &e) == 0) {
				(void)rp_store_reserve(s, &o, &pool, 1, NULL, &li, &e);
				rp_store_abort(s, &o);
			}
		}
		rp_store_read_end(s);
	}
	(void)rp_store_stats(s, &st);
	(void)rp_store_foreach_owner(s, visit, &seen);
	(void)rp_store_fsck(s, 0, count_problem, &problems);
	if (writable) {
		struct rp_sweep_stats sw;

		(void)rp_store_sweep(s, 0, &sw);
		(void)rp_store_fsck(s, RP_FSCK_REPAIR, count_problem, &problems);
		(void)rp_store_fsck(s, 0, count_problem, &problems);
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static char path[64];
	unsigned flags = geteuid() == 0 ? 0 : RP_STORE_NOCHECK_OWNER;
	struct rp_store *s = NULL;
	struct rp_err e;

	if (!path[0]) {
		snprintf(path, sizeof(path), "/dev/shm/rpfuzz%d.shm", (int)getpid());
		rp_log_set_hook(quiet, NULL);
	}
	if (size >= 5 && memcmp(data, "RPF1", 4) == 0) {
		size_t len;
		const uint8_t *img = preset(data[4] % RP_TEST_PRESETS, &len);
		uint8_t *buf = malloc(len);
		int rc;

		if (!buf)
			return 0;
		memcpy(buf, img, len);
		for (size_t i = 5; i + 5 <= size; i += 5) {
			uint32_t off;

			memcpy(&off, data + i, 4);
			buf[off % len] = data[i + 4];
		}
		rc = write_input(path, buf, len);
		free(buf);
		if (rc)
			return 0;
	} else if (write_input(path, data, size)) {
		return 0;
	}
	/* Read-only first (what `railpoolctl get`/fsck do), then read-write (what the plugin does). */
	if (rp_store_open(path, flags | RP_STORE_RDONLY, NULL, &s, &e) == 0) {
		exercise(s, 0);
		rp_store_close(s);
	}
	if (rp_store_open(path, flags, NULL, &s, &e) == 0) {
		exercise(s, 1);
		rp_store_close(s);
	}
	unlink(path);
	return 0;
}
