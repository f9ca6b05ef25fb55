/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Regenerates the fuzz_store seed corpus:  store_mkcorpus <dir>   (e.g. fuzz/corpus/fuzz_store)
 *  - raw-<name>: each preset store file as is (tiny params: tens of KiB, not the MiBs of a
 *    default store).  Raw seeds go stale when the file format changes: rerun this then.
 *  - preset-<name>[-patched]: "RPF1", the preset number, then (u32 offset, u8 value) patches —
 *    the fuzzer builds the preset with the current code and applies the patches, so these seeds
 *    survive format changes.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "tests/store_mp/store_presets.h"

#define CORPUS_MAX (64 * 1024)

static int put(const char *dir, const char *prefix, const char *name, const char *suffix, const void *buf,
	       size_t len)
{
	char out[512];
	int fd, rc = -1;

	if (len > CORPUS_MAX) {
		fprintf(stderr, "mkcorpus: %s is %zu bytes, over the %d-byte corpus limit\n", name, len, CORPUS_MAX);
		return -1;
	}
	snprintf(out, sizeof(out), "%s/%s%s%s", dir, prefix, name, suffix);
	fd = open(out, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	if (fd >= 0 && write(fd, buf, len) == (ssize_t)len)
		rc = 0;
	if (fd >= 0)
		close(fd);
	printf("%s: %zu bytes\n", out, len);
	return rc;
}

static int make(const char *dir, int v)
{
	char tmp[256], *buf = NULL;
	const char *name = "?";
	struct stat st;
	int fd, rc;

	snprintf(tmp, sizeof(tmp), "/dev/shm/rpcorpus%d-%d.shm", (int)getpid(), v);
	unlink(tmp);
	if ((rc = rp_test_store_preset(tmp, v, &name)))
		return rc;
	fd = open(tmp, O_RDONLY | O_CLOEXEC);
	if (fd >= 0 && fstat(fd, &st) == 0 && (buf = malloc((size_t)st.st_size)) &&
	    pread(fd, buf, (size_t)st.st_size, 0) == st.st_size)
		rc = put(dir, "raw-", name, "", buf, (size_t)st.st_size);
	else
		rc = -EIO;
	if (fd >= 0)
		close(fd);
	unlink(tmp);
	if (!rc) {
		uint8_t seed[5 + 3 * 5] = { 'R', 'P', 'F', '1', (uint8_t)v };
		/* Three byte changes near the end of the file: lease/owner state, not checksummed. */
		uint32_t offs[3] = { (uint32_t)st.st_size - 1, (uint32_t)st.st_size / 2, (uint32_t)st.st_size * 3 / 4 };

		rc = put(dir, "preset-", name, "", seed, 5);
		for (int i = 0; i < 3; i++) {
			memcpy(seed + 5 + 5 * i, &offs[i], 4);
			seed[5 + 5 * i + 4] = (uint8_t)(0x5a + i);
		}
		rc = rc ?: put(dir, "preset-", name, "-patched", seed, sizeof(seed));
	}
	free(buf);
	return rc;
}

int main(int argc, char **argv)
{
	int bad = 0;

	if (argc != 2) {
		fprintf(stderr, "usage: %s <corpus dir>\n", argv[0]);
		return 2;
	}
	mkdir(argv[1], 0755);
	for (int v = 0; v < RP_TEST_PRESETS; v++)
		bad |= make(argv[1], v) != 0;
	return bad;
}
