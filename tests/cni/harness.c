/* SPDX-License-Identifier: Apache-2.0 */
#include "harness.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "tests/common/store.h"

static char tmpdir[256];

const char *rpt_tmpdir(void)
{
	if (!tmpdir[0]) {
		snprintf(tmpdir, sizeof(tmpdir), "/tmp/rptcni%d-XXXXXX", (int)getpid());
		if (!mkdtemp(tmpdir)) {
			perror("mkdtemp");
			abort();
		}
	}
	return tmpdir;
}

void rpt_tmpdir_remove(void)
{
	if (tmpdir[0])
		rpt_rm_rf(tmpdir);
	tmpdir[0] = '\0';
}

int rpt_store_apply(const char *path, const char *yaml)
{
	struct rp_store_params params = {.max_leases = 1u << 14, .max_owners = 4096, .config_bytes = 1u << 20,
					 .max_readers = 64};
	struct rp_err e = {0};
	int ret = rpt_store_from_yaml(path, "test.yaml", yaml, &params, RP_STORE_CREATE | RP_STORE_NOCHECK_OWNER, &e);

	if (ret)
		fprintf(stderr, "rpt_store_apply: %s\n", e.msg);
	return ret;
}

int rpt_exec(const char *prog, const char *const *argv_extra, const char *const *env,
	     const char *stdin_text, struct rpt_run *r)
{
	char bin[1024];
	const char *argv[16];
	const char *envp[64];
	struct rpt_exec x = {.argv = argv, .env = envp, .stdin_text = stdin_text, .parse_json = true,
			     .json_flags = JSON_DECODE_ANY};
	int n = 0, ne = 0, ret;

	if (!prog) {
		const char *d = getenv("RP_BIN_DIR");
		snprintf(bin, sizeof(bin), "%s/railpool", d ? d : ".");
		prog = bin;
	}
	argv[n++] = prog;
	for (int i = 0; argv_extra && argv_extra[i] && n < 15; i++)
		argv[n++] = argv_extra[i];
	argv[n] = NULL;
	envp[ne++] = "PATH=/usr/sbin:/usr/bin:/sbin:/bin";
	envp[ne++] = "ASAN_OPTIONS=detect_leaks=1";
	for (int i = 0; env && env[i] && ne < 63; i++)
		envp[ne++] = env[i];
	envp[ne] = NULL;
	ret = rpt_exec_run(&x, r);
	if (!ret && r->err[0])
		fprintf(stderr, "[%s stderr] %s", prog, r->err);
	return ret;
}

int rpt_code(const struct rpt_run *r)
{
	json_t *c = json_object_get(r->json, "code");
	return json_is_integer(c) ? (int)json_integer_value(c) : -1;
}

const char *rpt_msg(const struct rpt_run *r)
{
	const char *m = json_string_value(json_object_get(r->json, "msg"));
	return m ? m : "";
}
