/* SPDX-License-Identifier: Apache-2.0 */
#include "harness.h"

#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "core/manifest.h"
#include "core/model.h"
#include "shm/store.h"

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

static int rm_one(const char *p, const struct stat *sb, int flag, struct FTW *f)
{
	(void)sb;
	(void)flag;
	(void)f;
	return remove(p);
}

void rpt_tmpdir_remove(void)
{
	if (tmpdir[0])
		nftw(tmpdir, rm_one, 16, FTW_DEPTH | FTW_PHYS);
	tmpdir[0] = '\0';
}

int rpt_store_apply(const char *path, const char *yaml)
{
	struct rp_store_params params = {.max_leases = 1u << 14, .max_owners = 4096, .config_bytes = 1u << 20,
					 .max_readers = 64};
	struct rp_model m;
	struct rp_model_store ms;
	struct rp_store *s;
	struct rp_err e = {0};
	char node[256] = "";
	int ret;

	gethostname(node, sizeof(node) - 1);
	rp_model_init(&m);
	ret = rp_manifest_load_buf(&m, "test.yaml", yaml, strlen(yaml), &e);
	if (!ret)
		ret = rp_model_validate(&m, &e);
	if (ret) {
		fprintf(stderr, "rpt_store_apply: manifests: %s\n", e.msg);
		rp_model_free(&m);
		return ret;
	}
	ret = rp_model_store_build(&m, node, &ms, &e);
	if (ret) {
		fprintf(stderr, "rpt_store_apply: build: %s\n", e.msg);
		rp_model_free(&m);
		return ret;
	}
	ret = rp_store_open(path, RP_STORE_CREATE | RP_STORE_NOCHECK_OWNER, &params, &s, &e);
	if (!ret) {
		ret = rp_store_apply(s, &ms.cfg, &e);
		rp_store_close(s);
	}
	if (ret)
		fprintf(stderr, "rpt_store_apply: store %s: %s\n", path, e.msg);
	rp_model_store_free(&ms);
	rp_model_free(&m);
	return ret;
}

static char *slurp(int fd)
{
	size_t cap = 4096, n = 0;
	char *b = malloc(cap);

	for (;;) {
		ssize_t r;
		if (n + 1 >= cap)
			b = realloc(b, cap *= 2);
		r = read(fd, b + n, cap - n - 1);
		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0)
			break;
		n += (size_t)r;
	}
	b[n] = '\0';
	return b;
}

int rpt_exec(const char *prog, const char *const *argv_extra, const char *const *env,
	     const char *stdin_text, struct rpt_run *r)
{
	char bin[1024], inpath[512], errpath[512];
	const char *argv[16];
	const char *envp[64];
	int outp[2], infd, errfd, st, n = 0, ne = 0;
	static int seq;
	pid_t pid;

	memset(r, 0, sizeof(*r));
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

	/* pid in the name: forked test clients share the directory */
	snprintf(inpath, sizeof(inpath), "%s/stdin.%d.%d", rpt_tmpdir(), (int)getpid(), seq);
	snprintf(errpath, sizeof(errpath), "%s/stderr.%d.%d", rpt_tmpdir(), (int)getpid(), seq++);
	infd = open(inpath, O_RDWR | O_CREAT | O_TRUNC, 0600);
	errfd = open(errpath, O_RDWR | O_CREAT | O_TRUNC, 0600);
	if (infd < 0 || errfd < 0 || pipe(outp))
		return -errno;
	if (stdin_text && write(infd, stdin_text, strlen(stdin_text)) != (ssize_t)strlen(stdin_text))
		return -EIO;
	lseek(infd, 0, SEEK_SET);
	pid = fork();
	if (pid == 0) {
		dup2(infd, 0);
		dup2(outp[1], 1);
		dup2(errfd, 2);
		close(outp[0]);
		execve(prog, (char *const *)argv, (char *const *)envp);
		_exit(127);
	}
	close(outp[1]);
	close(infd);
	r->out = slurp(outp[0]);
	close(outp[0]);
	waitpid(pid, &st, 0);
	lseek(errfd, 0, SEEK_SET);
	r->err = slurp(errfd);
	close(errfd);
	unlink(inpath);
	unlink(errpath);
	r->status = WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
	r->json = json_loads(r->out, JSON_DECODE_ANY, NULL);
	if (r->err[0])
		fprintf(stderr, "[%s stderr] %s", prog, r->err);
	return 0;
}

void rpt_run_free(struct rpt_run *r)
{
	free(r->out);
	free(r->err);
	json_decref(r->json);
	memset(r, 0, sizeof(*r));
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
