/* SPDX-License-Identifier: Apache-2.0 */
#include "tests/common/exec.h"

#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <poll.h>
#include <sched.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

extern char **environ;

struct capture {
	char *p;
	size_t len, cap;
};

/* One read into @c: >0 more may come, 0 EOF, -errno. */
static int capture_read(struct capture *c, int fd)
{
	ssize_t n;

	if (c->cap - c->len < 4096) {
		size_t cap = c->cap ? c->cap * 2 : 65536;
		char *p = realloc(c->p, cap);

		if (!p)
			return -ENOMEM;
		c->p = p;
		c->cap = cap;
	}
	n = read(fd, c->p + c->len, c->cap - c->len - 1);
	if (n < 0)
		return errno == EINTR ? 1 : -errno;
	c->len += (size_t)n;
	return n > 0;
}

static char *capture_text(struct capture *c, size_t *len)
{
	char *p = c->p ? c->p : malloc(1);

	if (p)
		p[c->len] = '\0';
	*len = c->len;
	c->p = NULL;
	return p;
}

static bool env_replaced(const char *const *env, const char *kv)
{
	size_t klen = strcspn(kv, "=");

	for (; env && *env; env++)
		if (!strncmp(*env, kv, klen) && (*env)[klen] == '=')
			return true;
	return false;
}

static char **make_env(const struct rpt_exec *x)
{
	size_t n = 0, k = 0;
	char **envp;

	for (char **p = environ; x->env_inherit && p && *p; p++)
		n++;
	for (size_t i = 0; x->env && x->env[i]; i++)
		n++;
	envp = calloc(n + 1, sizeof(*envp));
	if (!envp)
		return NULL;
	for (char **p = environ; x->env_inherit && p && *p; p++)
		if (!env_replaced(x->env, *p))
			envp[k++] = *p;
	for (size_t i = 0; x->env && x->env[i]; i++)
		envp[k++] = (char *)x->env[i];
	return envp;
}

/* The child's stdin: a sealed-in-memory copy of the text, the file, or /dev/null. */
static int open_stdin(const struct rpt_exec *x)
{
	size_t len, off = 0;
	int fd;

	if (x->stdin_path || !x->stdin_text) {
		fd = open(x->stdin_path ? x->stdin_path : "/dev/null", O_RDONLY | O_CLOEXEC);
		return fd < 0 ? -errno : fd;
	}
	fd = memfd_create("rpt-stdin", MFD_CLOEXEC);
	if (fd < 0)
		return -errno;
	len = strlen(x->stdin_text);
	while (off < len) {
		ssize_t w = write(fd, x->stdin_text + off, len - off);
		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0) {
			int ret = w < 0 ? -errno : -EIO;
			close(fd);
			return ret;
		}
		off += (size_t)w;
	}
	if (lseek(fd, 0, SEEK_SET) < 0) {
		int ret = -errno;
		close(fd);
		return ret;
	}
	return fd;
}

/* Where the child's stdout/stderr go: *@fd a pipe's write end (read end in @pipefd[0]),
 * /dev/null, or -1 (inherit). */
static int open_sink(enum rpt_stream m, int pipefd[2], int *fd)
{
	*fd = -1;
	if (m == RPT_CAPTURE) {
		if (pipe2(pipefd, O_CLOEXEC))
			return -errno;
		*fd = pipefd[1];
	} else if (m == RPT_DISCARD) {
		*fd = open("/dev/null", O_WRONLY | O_CLOEXEC);
		if (*fd < 0)
			return -errno;
	}
	return 0;
}

/* Only async-signal-safe calls: the caller may be threaded. */
static void __attribute__((noreturn)) child(int nsfd, const int cfd[3], char *const argv[], char *const envp[])
{
	if (nsfd >= 0 && setns(nsfd, CLONE_NEWNET) != 0)
		_exit(126);
	for (int i = 0; i < 3; i++)
		if (cfd[i] >= 0 && dup2(cfd[i], i) < 0)
			_exit(126);
	execve(argv[0], argv, envp);
	_exit(127);
}

static int start(const struct rpt_exec *x, int nsfd, const int cfd[3], char **envp, pid_t *pid)
{
	char *const *argv = (char *const *)x->argv;
	posix_spawn_file_actions_t fa;
	int ret;

	if (nsfd >= 0) {
		/* posix_spawn cannot setns(): a plain fork for this case */
		*pid = fork();
		if (*pid < 0)
			return -errno;
		if (*pid == 0)
			child(nsfd, cfd, argv, envp);
		return 0;
	}
	ret = posix_spawn_file_actions_init(&fa);
	for (int i = 0; !ret && i < 3; i++)
		if (cfd[i] >= 0)
			ret = posix_spawn_file_actions_adddup2(&fa, cfd[i], i);
	if (!ret)
		ret = posix_spawn(pid, argv[0], &fa, NULL, argv, envp);
	posix_spawn_file_actions_destroy(&fa);
	return -ret;
}

/* Read both captures until EOF on each. */
static int drain(int outfd, int errfd, struct capture *out, struct capture *err)
{
	struct pollfd pf[2] = {{.fd = outfd, .events = POLLIN}, {.fd = errfd, .events = POLLIN}};

	while (pf[0].fd >= 0 || pf[1].fd >= 0) {
		if (poll(pf, 2, -1) < 0) {
			if (errno == EINTR)
				continue;
			return -errno;
		}
		for (int i = 0; i < 2; i++) {
			int n;

			if (pf[i].fd < 0 || !pf[i].revents)
				continue;
			n = capture_read(i ? err : out, pf[i].fd);
			if (n < 0)
				return n;
			if (n == 0)
				pf[i].fd = -1;
		}
	}
	return 0;
}

int rpt_exec_run(const struct rpt_exec *x, struct rpt_run *r)
{
	/* cfd: the child's 0/1/2 (-1: inherit); own: which of them are ours to close */
	int outp[2] = {-1, -1}, errp[2] = {-1, -1}, cfd[3] = {-1, -1, -1}, nsfd = -1, st, ret;
	bool own[3] = {true, true, x->err != RPT_MERGE};
	struct capture out = {0}, err = {0};
	char **envp;
	pid_t pid;

	memset(r, 0, sizeof(*r));
	if (!x->argv || !x->argv[0])
		return -EINVAL;
	envp = make_env(x);
	if (!envp)
		return -ENOMEM;
	cfd[0] = ret = open_stdin(x);
	if (ret < 0)
		goto out;
	ret = open_sink(x->out, outp, &cfd[1]);
	if (!ret && x->err == RPT_MERGE)
		cfd[2] = cfd[1] >= 0 ? cfd[1] : 1;
	else if (!ret)
		ret = open_sink(x->err, errp, &cfd[2]);
	if (!ret && x->netns && (nsfd = open(x->netns, O_RDONLY | O_CLOEXEC)) < 0)
		ret = -errno;
	if (!ret)
		ret = start(x, nsfd, cfd, envp, &pid);
	/* our copies of the child's ends go, so EOF comes when the child (and its children) close */
	for (int i = 0; i < 3; i++) {
		if (own[i] && cfd[i] >= 0)
			close(cfd[i]);
		cfd[i] = -1;
	}
	if (ret)
		goto out;
	ret = drain(outp[0], errp[0], &out, &err);
	/* closed before the wait: a child still writing after a failed drain gets EPIPE, not stuck */
	for (int i = 0; i < 2; i++) {
		int *fd = i ? &errp[0] : &outp[0];
		if (*fd >= 0)
			close(*fd);
		*fd = -1;
	}
	while (wait4(pid, &st, 0, &r->ru) < 0) {
		if (errno != EINTR) {
			ret = ret ? ret : -errno;
			goto out;
		}
	}
	r->signaled = WIFSIGNALED(st);
	r->status = WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
	r->out = capture_text(&out, &r->out_len);
	r->err = capture_text(&err, &r->err_len);
	if (!ret && (!r->out || !r->err))
		ret = -ENOMEM;
	if (!ret && x->parse_json)
		r->json = json_loads(r->out, x->json_flags, &r->json_err);
out:
	if (outp[0] >= 0)
		close(outp[0]);
	if (errp[0] >= 0)
		close(errp[0]);
	if (nsfd >= 0)
		close(nsfd);
	free(out.p);
	free(err.p);
	free(envp);
	if (ret < 0)
		rpt_run_free(r);
	return ret < 0 ? ret : 0;
}

void rpt_run_free(struct rpt_run *r)
{
	free(r->out);
	free(r->err);
	json_decref(r->json);
	memset(r, 0, sizeof(*r));
}

int rpt_vsh(char **out, enum rpt_stream err, const char *fmt, va_list ap)
{
	const char *argv[] = {"/bin/sh", "-c", NULL, NULL};
	struct rpt_exec x = {.argv = argv, .env_inherit = true, .out = out ? RPT_CAPTURE : RPT_INHERIT, .err = err};
	struct rpt_run r;
	char *cmd;
	int ret;

	if (out)
		*out = NULL;
	if (vasprintf(&cmd, fmt, ap) < 0)
		return -ENOMEM;
	argv[2] = cmd;
	ret = rpt_exec_run(&x, &r);
	free(cmd);
	if (ret)
		return ret;
	ret = r.status;
	if (out) {
		*out = r.out;
		r.out = NULL;
	}
	rpt_run_free(&r);
	return ret;
}

int rpt_sh(char **out, enum rpt_stream err, const char *fmt, ...)
{
	va_list ap;
	int ret;

	va_start(ap, fmt);
	ret = rpt_vsh(out, err, fmt, ap);
	va_end(ap);
	return ret;
}

static int rm_one(const char *p, const struct stat *sb, int flag, struct FTW *f)
{
	(void)sb;
	(void)flag;
	(void)f;
	return remove(p) && errno != ENOENT ? -1 : 0;
}

int rpt_rm_rf(const char *path)
{
	if (nftw(path, rm_one, 16, FTW_DEPTH | FTW_PHYS) && errno != ENOENT)
		return -errno;
	return 0;
}

char *rpt_read_file(const char *path, size_t *len)
{
	struct capture c = {0};
	int fd = open(path, O_RDONLY | O_CLOEXEC), n;
	size_t l;
	char *p;

	if (fd < 0)
		return NULL;
	while ((n = capture_read(&c, fd)) > 0)
		;
	close(fd);
	if (n < 0) {
		free(c.p);
		errno = -n;
		return NULL;
	}
	p = capture_text(&c, &l);
	if (!p)
		errno = ENOMEM;
	else if (len)
		*len = l;
	return p;
}

int rpt_write_file(const char *path, const char *text)
{
	FILE *f = fopen(path, "w");

	if (!f)
		return -errno;
	fputs(text, f);
	return fclose(f) ? -errno : 0;
}
