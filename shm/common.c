/* SPDX-License-Identifier: Apache-2.0 */
#include "shm/common.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static rp_log_fn log_hook;
static void *log_arg;
static int log_level = -1;

void rp_log_set_hook(rp_log_fn fn, void *arg)
{
	log_hook = fn;
	log_arg = arg;
}

static int default_level(void)
{
	const char *v = getenv("RAILPOOL_LOG");

	if (!v || !*v)
		return RP_LOG_WARN;
	if (!strcmp(v, "err"))
		return RP_LOG_ERR;
	if (!strcmp(v, "info"))
		return RP_LOG_INFO;
	if (!strcmp(v, "debug"))
		return RP_LOG_DEBUG;
	return RP_LOG_WARN;
}

void rp_log(int level, const char *fmt, ...)
{
	static const char *const names[] = { "error", "warning", "info", "debug" };
	char buf[2048];
	va_list ap;

	if (!log_hook) {
		if (log_level < 0)
			log_level = default_level();
		if (level > log_level)
			return;
	}
	va_start(ap, fmt);
	vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	if (log_hook) {
		log_hook(level, buf, log_arg);
		return;
	}
	if (level < 0 || level > RP_LOG_DEBUG)
		level = RP_LOG_ERR;
	fprintf(stderr, "railpool: %s: %s\n", names[level], buf);
}

__attribute__((format(printf, 4, 0))) static int err_vset(struct rp_err *e, int code, int cni_code, const char *fmt,
								va_list ap)
{
	if (!e)
		return code;
	e->code = code;
	e->cni_code = cni_code;
	vsnprintf(e->msg, sizeof(e->msg), fmt, ap);
	return code;
}

int rp_err_set(struct rp_err *e, int code, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	code = err_vset(e, code, 0, fmt, ap);
	va_end(ap);
	return code;
}

int rp_err_setc(struct rp_err *e, int code, int cni_code, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	code = err_vset(e, code, cni_code, fmt, ap);
	va_end(ap);
	return code;
}

int rp_err_prefix(struct rp_err *e, const char *fmt, ...)
{
	char head[RP_ERR_MSG_MAX], tail[RP_ERR_MSG_MAX];
	va_list ap;

	if (!e)
		return 0;
	va_start(ap, fmt);
	vsnprintf(head, sizeof(head), fmt, ap);
	va_end(ap);
	memcpy(tail, e->msg, sizeof(tail));
	tail[sizeof(tail) - 1] = '\0';
	size_t hl = strnlen(head, sizeof(e->msg) - 1);
	memcpy(e->msg, head, hl);
	size_t tl = strnlen(tail, sizeof(e->msg) - 1 - hl);
	memcpy(e->msg + hl, tail, tl);
	e->msg[hl + tl] = '\0';
	return e->code;
}

void rp_panic(const char *file, const char *func, int line, const char *what)
{
	fprintf(stderr, "railpool: invariant broken at %s:%d in %s(): %s\n", file, line, func, what);
	abort();
}
