/* SPDX-License-Identifier: Apache-2.0 */
/* railpoolctl: global options, dispatch, store opening and output rendering. */
#include "core/ctl.h"

#include <errno.h>
#include <getopt.h>
#include <limits.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <yaml.h>

#include "core/ctl_internal.h"

static const struct rp_ctl_cmd core_cmds[] = {
	{ "apply", rp_ctl_cmd_apply, "load manifests into the node store (all or nothing)" },
	{ "get", rp_ctl_cmd_get, "list pools, leases, networks, resources or rdma devices" },
	{ "describe", rp_ctl_cmd_describe, "show everything about one pool" },
	{ "gc", rp_ctl_cmd_gc, "free attachments whose network namespace is gone" },
	{ "fsck", rp_ctl_cmd_fsck, "check (and with --repair fix) the node store" },
	{ "inject", rp_ctl_cmd_inject, "apply the RDMA/network resource injection to a pod" },
	{ "conflist", rp_ctl_cmd_conflist, "print the CNI network config of applied networks" },
	{ NULL, NULL, NULL },
};

int rp_ctl_fail(struct rp_ctl *c, int code, const char *cmd, const char *fmt, ...)
{
	va_list ap;

	fputs("railpoolctl: ", c->err);
	if (cmd)
		fprintf(c->err, "%s: ", cmd);
	va_start(ap, fmt);
	vfprintf(c->err, fmt, ap);
	va_end(ap);
	fputc('\n', c->err);
	return code;
}

int rp_ctl_parse_output(struct rp_ctl *c, const char *cmd, const char *val)
{
	static const struct {
		const char *name;
		int v;
	} fmts[] = { { "table", RP_CTL_OUT_TABLE },
		     { "wide", RP_CTL_OUT_WIDE },
		     { "json", RP_CTL_OUT_JSON },
		     { "yaml", RP_CTL_OUT_YAML } };

	for (size_t i = 0; i < RP_ARRAY_SIZE(fmts); i++) {
		if (!strcmp(val, fmts[i].name)) {
			c->output = fmts[i].v;
			c->output_set = true;
			return 0;
		}
	}
	return rp_ctl_fail(c, RP_CTL_EUSAGE, cmd, "-o %s: unknown output format; use json, yaml, table or wide",
			   val);
}

/* mkdir -p with mode 0700 for every component we create; existing ones are left alone. */
static int make_dirs(const char *dir)
{
	char buf[PATH_MAX];
	size_t n = strlen(dir);

	if (n == 0 || n >= sizeof(buf))
		return -ENAMETOOLONG;
	memcpy(buf, dir, n + 1);
	for (char *p = buf + 1;; p++) {
		if (*p != '/' && *p != '\0')
			continue;
		char saved = *p;
		*p = '\0';
		if (mkdir(buf, 0700) < 0 && errno != EEXIST)
			return -errno;
		*p = saved;
		if (!saved)
			return 0;
	}
}

int rp_ctl_open_store(struct rp_ctl *c, const char *cmd, bool rw, bool create, struct rp_store **out)
{
	struct rp_err e = { 0 };
	unsigned flags = 0;
	int rc;

	if (!rw)
		flags |= RP_STORE_RDONLY;
	if (create) {
		char dir[PATH_MAX];
		const char *slash = strrchr(c->state_path, '/');

		flags |= RP_STORE_CREATE;
		if (slash && slash != c->state_path && (size_t)(slash - c->state_path) < sizeof(dir)) {
			memcpy(dir, c->state_path, (size_t)(slash - c->state_path));
			dir[slash - c->state_path] = '\0';
			rc = make_dirs(dir);
			if (rc < 0)
				return rp_ctl_fail(c, RP_CTL_EUSER, cmd, "cannot create directory %s: %s", dir,
						   strerror(-rc));
		}
	}
	/* A non-root user can only open a 0600 store it owns itself, so the root-owner check
	 * (which protects root from trusting someone else's file) adds nothing there and would
	 * only stop unprivileged use against a private store. */
	if (geteuid() != 0)
		flags |= RP_STORE_NOCHECK_OWNER;
	rc = rp_store_open(c->state_path, flags, NULL, out, &e);
	if (rc == 0)
		return 0;
	if (rc == -ENOENT)
		return rp_ctl_fail(c, RP_CTL_EUSER, cmd,
				   "no node store at %s: nothing applied yet; run `railpoolctl apply -f FILE` "
				   "(or name another store with --state / RAILPOOL_STATE)",
				   c->state_path);
	/* The store's message names the path and the failed check. */
	if (!e.msg[0])
		snprintf(e.msg, sizeof(e.msg), "%s: %s", c->state_path, strerror(-rc));
	return rp_ctl_fail(c, RP_CTL_EUSER, cmd, "cannot open the node store: %s%s%s", e.msg,
			   rc == -EBADMSG ? "; run `railpoolctl fsck` to explain, or re-create the store" : "",
			   rc == -EPERM ? "; the store must be a root-owned regular file with mode 0600" : "");
}

const char *rp_ctl_ip_str(const struct rp_ip *ip, char *buf, size_t len)
{
	if (rp_ip_format(ip, buf, len) < 0)
		snprintf(buf, len, "-");
	return buf;
}

/* ---- rendering ---- */

static void cell_text(json_t *v, char *buf, size_t len)
{
	size_t off = 0;

	buf[0] = '\0';
	switch (json_typeof(v ? v : json_null())) {
	case JSON_STRING:
		snprintf(buf, len, "%s", json_string_value(v)[0] ? json_string_value(v) : "-");
		break;
	case JSON_INTEGER:
		snprintf(buf, len, "%" JSON_INTEGER_FORMAT, json_integer_value(v));
		break;
	case JSON_REAL:
		snprintf(buf, len, "%g", json_real_value(v));
		break;
	case JSON_TRUE:
		snprintf(buf, len, "true");
		break;
	case JSON_FALSE:
		snprintf(buf, len, "false");
		break;
	case JSON_ARRAY: {
		size_t i;
		json_t *it;

		json_array_foreach(v, i, it) {
			char one[256];

			cell_text(it, one, sizeof(one));
			int n = snprintf(buf + off, len - off, "%s%s", i ? "," : "", one);
			if (n < 0 || (size_t)n >= len - off)
				break;
			off += (size_t)n;
		}
		if (!off)
			snprintf(buf, len, "-");
		break;
	}
	case JSON_OBJECT: {
		const char *k;
		json_t *it;

		json_object_foreach(v, k, it) {
			char one[256];

			cell_text(it, one, sizeof(one));
			int n = snprintf(buf + off, len - off, "%s%s=%s", off ? "," : "", k, one);
			if (n < 0 || (size_t)n >= len - off)
				break;
			off += (size_t)n;
		}
		if (!off)
			snprintf(buf, len, "-");
		break;
	}
	default:
		snprintf(buf, len, "-");
	}
}

#define CELL_MAX 512

static void render_table(struct rp_ctl *c, json_t *rows, const struct rp_ctl_col *cols, size_t ncols)
{
	size_t width[32] = { 0 };
	bool wide = c->output == RP_CTL_OUT_WIDE;
	size_t nrows = json_array_size(rows), i, k;
	char cell[CELL_MAX];

	RP_ASSERT(ncols <= RP_ARRAY_SIZE(width));
	for (k = 0; k < ncols; k++)
		width[k] = strlen(cols[k].header);
	for (i = 0; i < nrows; i++) {
		for (k = 0; k < ncols; k++) {
			cell_text(json_object_get(json_array_get(rows, i), cols[k].key), cell, sizeof(cell));
			if (strlen(cell) > width[k])
				width[k] = strlen(cell);
		}
	}
	for (i = 0; i <= nrows; i++) {
		size_t last = 0;

		for (k = 0; k < ncols; k++)
			if (!cols[k].wide || wide)
				last = k;
		for (k = 0; k < ncols; k++) {
			if (cols[k].wide && !wide)
				continue;
			if (i == 0)
				snprintf(cell, sizeof(cell), "%s", cols[k].header);
			else
				cell_text(json_object_get(json_array_get(rows, i - 1), cols[k].key), cell,
					  sizeof(cell));
			if (k == last)
				fprintf(c->out, "%s\n", cell);
			else
				fprintf(c->out, "%-*s   ", (int)width[k], cell);
		}
	}
}

void rp_ctl_render(struct rp_ctl *c, json_t *v, const struct rp_ctl_col *cols, size_t ncols)
{
	switch (c->output) {
	case RP_CTL_OUT_JSON:
		json_dumpf(v, c->out, JSON_INDENT(2) | JSON_PRESERVE_ORDER);
		fputc('\n', c->out);
		return;
	case RP_CTL_OUT_YAML:
		rp_ctl_yaml_dump(c->out, v);
		return;
	default:
		break;
	}
	if (json_is_array(v)) {
		render_table(c, v, cols, ncols);
	} else {
		json_t *one = json_pack("[O]", v);

		render_table(c, one, cols, ncols);
		json_decref(one);
	}
}

/* ---- YAML through libyaml's emitter, so quoting is libyaml's, not ours ---- */

static int yaml_emit_value(yaml_emitter_t *em, json_t *v)
{
	yaml_event_t ev;
	char num[64];
	const char *s = NULL;
	yaml_scalar_style_t style = YAML_ANY_SCALAR_STYLE;

	switch (json_typeof(v)) {
	case JSON_OBJECT: {
		const char *k;
		json_t *it;

		yaml_mapping_start_event_initialize(&ev, NULL, NULL, 1, YAML_BLOCK_MAPPING_STYLE);
		if (!yaml_emitter_emit(em, &ev))
			return -1;
		json_object_foreach(v, k, it) {
			yaml_scalar_event_initialize(&ev, NULL, NULL, (yaml_char_t *)k, (int)strlen(k), 1, 1,
						     YAML_ANY_SCALAR_STYLE);
			if (!yaml_emitter_emit(em, &ev) || yaml_emit_value(em, it) < 0)
				return -1;
		}
		yaml_mapping_end_event_initialize(&ev);
		return yaml_emitter_emit(em, &ev) ? 0 : -1;
	}
	case JSON_ARRAY: {
		size_t i;
		json_t *it;

		yaml_sequence_start_event_initialize(&ev, NULL, NULL, 1, YAML_BLOCK_SEQUENCE_STYLE);
		if (!yaml_emitter_emit(em, &ev))
			return -1;
		json_array_foreach(v, i, it) {
			if (yaml_emit_value(em, it) < 0)
				return -1;
		}
		yaml_sequence_end_event_initialize(&ev);
		return yaml_emitter_emit(em, &ev) ? 0 : -1;
	}
	case JSON_STRING:
		s = json_string_value(v);
		/* A string that reads as a number/bool/null must stay a string: quote it. */
		{
			char *end;
			const char *const special[] = { "", "true", "false", "null", "~", "yes", "no", "on", "off" };

			(void)strtod(s, &end);
			if (*s && *end == '\0')
				style = YAML_DOUBLE_QUOTED_SCALAR_STYLE;
			for (size_t i = 0; i < RP_ARRAY_SIZE(special); i++)
				if (!strcasecmp(s, special[i]))
					style = YAML_DOUBLE_QUOTED_SCALAR_STYLE;
		}
		break;
	case JSON_INTEGER:
		snprintf(num, sizeof(num), "%" JSON_INTEGER_FORMAT, json_integer_value(v));
		s = num;
		break;
	case JSON_REAL:
		snprintf(num, sizeof(num), "%.17g", json_real_value(v));
		s = num;
		break;
	case JSON_TRUE:
		s = "true";
		break;
	case JSON_FALSE:
		s = "false";
		break;
	default:
		s = "null";
		break;
	}
	yaml_scalar_event_initialize(&ev, NULL, NULL, (yaml_char_t *)s, (int)strlen(s), 1, 1, style);
	return yaml_emitter_emit(em, &ev) ? 0 : -1;
}

static int yaml_write_file(void *data, unsigned char *buf, size_t size)
{
	return fwrite(buf, 1, size, (FILE *)data) == size;
}

void rp_ctl_yaml_dump(FILE *f, json_t *v)
{
	yaml_emitter_t em;
	yaml_event_t ev;

	if (!yaml_emitter_initialize(&em))
		return;
	yaml_emitter_set_output(&em, yaml_write_file, f);
	yaml_emitter_set_unicode(&em, 1);
	yaml_emitter_set_width(&em, -1);
	yaml_stream_start_event_initialize(&ev, YAML_UTF8_ENCODING);
	if (!yaml_emitter_emit(&em, &ev))
		goto out;
	yaml_document_start_event_initialize(&ev, NULL, NULL, NULL, 1);
	if (!yaml_emitter_emit(&em, &ev) || yaml_emit_value(&em, v) < 0)
		goto out;
	yaml_document_end_event_initialize(&ev, 1);
	if (!yaml_emitter_emit(&em, &ev))
		goto out;
	yaml_stream_end_event_initialize(&ev);
	yaml_emitter_emit(&em, &ev);
out:
	yaml_emitter_delete(&em);
}

/* ---- main ---- */

static void usage(struct rp_ctl *c, FILE *f, const struct rp_ctl_cmd *extra)
{
	(void)c;
	fputs("usage: railpoolctl [--state PATH] [--node NAME] [-o json|yaml|table|wide] COMMAND [ARGS]\n"
	      "\n"
	      "Global options (also accepted after COMMAND):\n"
	      "  --state PATH   node store (default: env RAILPOOL_STATE, else " RP_STORE_DEFAULT_PATH ")\n"
	      "  --node NAME    this node's name for nodeName pools (default: the hostname)\n"
	      "  -o FORMAT      output format where it makes sense: table (default), wide, json, yaml\n"
	      "  -h, --help     this help; `railpoolctl COMMAND --help` for a command's own\n"
	      "\nCommands:\n",
	      f);
	for (const struct rp_ctl_cmd *t = core_cmds; t->name; t++)
		fprintf(f, "  %-10s %s\n", t->name, t->summary);
	for (const struct rp_ctl_cmd *t = extra; t && t->name; t++)
		fprintf(f, "  %-10s %s\n", t->name, t->summary);
	fputs("\nExit codes: 0 ok, 1 user error (the message says what to fix), 2 usage.\n", f);
}

static bool log_errors_muted;

void rp_ctl_log_mute_errors(bool mute)
{
	log_errors_muted = mute;
}

static void log_to_err(int level, const char *msg, void *arg)
{
	static const char *const names[] = { "error", "warning", "info", "debug" };
	struct rp_ctl *c = arg;
	const char *dbg = getenv("RAILPOOL_LOG");
	int max = RP_LOG_WARN;

	if (level == RP_LOG_ERR && log_errors_muted)
		return;

	if (dbg && !strcmp(dbg, "info"))
		max = RP_LOG_INFO;
	else if (dbg && !strcmp(dbg, "debug"))
		max = RP_LOG_DEBUG;
	if (level > max)
		return;
	if (level < 0 || level > RP_LOG_DEBUG)
		level = RP_LOG_ERR;
	fprintf(c->err, "railpoolctl: %s: %s\n", names[level], msg);
}

/* Value of a global option at argv[*i] ("--state X", "--state=X", "-o X", "-oX"), or NULL when
 * argv[*i] is not @long_name/@short_name.  *i is advanced past a separate value. */
static const char *take_opt(int argc, char **argv, int *i, const char *long_name, char short_name,
			    bool *missing)
{
	const char *a = argv[*i];
	size_t ln = strlen(long_name);

	*missing = false;
	if (!strncmp(a, "--", 2) && !strncmp(a + 2, long_name, ln)) {
		if (a[2 + ln] == '=')
			return a + 3 + ln;
		if (a[2 + ln] != '\0')
			return NULL;
	} else if (short_name && a[0] == '-' && a[1] == short_name) {
		if (a[2])
			return a + 2;
	} else {
		return NULL;
	}
	if (*i + 1 >= argc) {
		*missing = true;
		return NULL;
	}
	return argv[++*i];
}

int rp_ctl_main(int argc, char **argv, const struct rp_ctl_cmd *extra, FILE *out, FILE *err)
{
	struct rp_ctl c = { .out = out, .err = err };
	const char *state = NULL, *node = NULL, *cmdname = NULL;
	char **rest = calloc((size_t)argc + 1, sizeof(*rest));
	int nrest = 0, rc;
	bool help = false;

	if (!rest)
		return rp_ctl_fail(&c, RP_CTL_EUSER, NULL, "out of memory");
	rp_log_set_hook(log_to_err, &c);
	for (int i = 1; i < argc; i++) {
		const char *a = argv[i], *v;
		bool missing;

		if (!strcmp(a, "--")) {
			while (i < argc)
				rest[nrest++] = argv[i++];
			break;
		}
		if ((v = take_opt(argc, argv, &i, "state", 0, &missing)) || missing) {
			if (missing) {
				rc = rp_ctl_fail(&c, RP_CTL_EUSAGE, NULL, "--state needs a PATH");
				goto out;
			}
			state = v;
		} else if ((v = take_opt(argc, argv, &i, "node", 0, &missing)) || missing) {
			if (missing) {
				rc = rp_ctl_fail(&c, RP_CTL_EUSAGE, NULL, "--node needs a NAME");
				goto out;
			}
			node = v;
		} else if ((v = take_opt(argc, argv, &i, "output", 'o', &missing)) || missing) {
			if (missing) {
				rc = rp_ctl_fail(&c, RP_CTL_EUSAGE, NULL, "-o needs a format: json, yaml, table or wide");
				goto out;
			}
			rc = rp_ctl_parse_output(&c, NULL, v);
			if (rc)
				goto out;
		} else if (!cmdname && (!strcmp(a, "-h") || !strcmp(a, "--help"))) {
			help = true;
		} else if (!cmdname && a[0] == '-') {
			rc = rp_ctl_fail(&c, RP_CTL_EUSAGE, NULL, "unknown option %s; see `railpoolctl --help`", a);
			goto out;
		} else {
			if (!cmdname)
				cmdname = a;
			rest[nrest++] = argv[i];
		}
	}
	if (!cmdname || help) {
		usage(&c, help ? out : err, extra);
		rc = help ? RP_CTL_OK : RP_CTL_EUSAGE;
		goto out;
	}
	c.state_path = rp_store_path(state);
	if (node && *node) {
		snprintf(c.node, sizeof(c.node), "%s", node);
	} else if (gethostname(c.node, sizeof(c.node) - 1) < 0) {
		snprintf(c.node, sizeof(c.node), "localhost");
	}

	const struct rp_ctl_cmd *cmd = NULL;
	for (const struct rp_ctl_cmd *t = core_cmds; t->name && !cmd; t++)
		if (!strcmp(t->name, cmdname))
			cmd = t;
	for (const struct rp_ctl_cmd *t = extra; t && t->name && !cmd; t++)
		if (!strcmp(t->name, cmdname))
			cmd = t;
	if (!cmd) {
		rc = rp_ctl_fail(&c, RP_CTL_EUSAGE, NULL, "unknown command '%s'; see `railpoolctl --help`", cmdname);
		goto out;
	}
	optind = 0; /* GNU getopt: full re-initialisation for the subcommand */
	opterr = 0;
	rc = cmd->fn(&c, nrest, rest);
out:
	fflush(out);
	rp_log_set_hook(NULL, NULL);
	free(rest);
	return rc;
}
