/* SPDX-License-Identifier: Apache-2.0 */
/* railpoolctl gc and fsck: store maintenance. */
#include <errno.h>
#include <getopt.h>
#include <linux/magic.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/vfs.h>
#include <unistd.h>

#include "core/ctl_internal.h"

/* ---- gc ---- */

struct gc_ctx {
	struct rp_ctl *c;
	json_t *freed; /* rows of attachments judged gone */
	bool dry_run;
};

/*
 * Is @path still a network namespace?  A bind-mounted netns (/run/netns/x) and a live
 * /proc/PID/ns/net both statfs as nsfs (older kernels report proc for the latter).  A path that
 * is gone, or is now an ordinary file (the bind mount was undone), is not.  Other errors
 * (EACCES...) keep the attachment: gc must never free on doubt.
 */
static bool netns_alive(const char *path, const char **why)
{
	struct statfs sf;

	if (statfs(path, &sf) < 0) {
		if (errno == ENOENT || errno == ENOTDIR) {
			*why = "netns path does not exist";
			return false;
		}
		return true;
	}
	if ((unsigned long)sf.f_type == (unsigned long)NSFS_MAGIC ||
	    (unsigned long)sf.f_type == (unsigned long)PROC_SUPER_MAGIC)
		return true;
	*why = "netns path is no longer a network namespace";
	return false;
}

static int gc_keep(const struct rp_owner_info *info, void *arg)
{
	struct gc_ctx *g = arg;
	const char *why = NULL;

	/* Without a recorded netns there is nothing to judge by (IPAM callers that passed none). */
	if (info->state != RP_OWNER_LIVE || !info->netns[0] || netns_alive(info->netns, &why))
		return 1;
	json_array_append_new(g->freed, json_pack("{s:s, s:s, s:s, s:i, s:s}", "containerID",
						  info->container_id, "ifname", info->ifname, "netns",
						  info->netns, "leases", (int)info->nleases, "reason", why));
	return 0;
}

static void gc_usage(FILE *f)
{
	fputs("usage: railpoolctl gc [--dry-run]\n"
	      "Release every attachment whose network namespace path no longer exists or is no\n"
	      "longer a network namespace, and reclaim what crashed processes left half-done.\n"
	      "  --dry-run   only report what would be freed\n",
	      f);
}

int rp_ctl_cmd_gc(struct rp_ctl *c, int argc, char **argv)
{
	static const struct option lo[] = { { "dry-run", no_argument, NULL, 'n' }, RP_CTL_HELP_OPT, { 0 } };
	struct gc_ctx g = { .c = c };
	struct rp_store *s = NULL;
	struct rp_sweep_stats st = { 0 };
	int opt, rc, n;

	while ((opt = getopt_long(argc, argv, "nh", lo, NULL)) != -1) {
		switch (opt) {
		case 'n':
			g.dry_run = true;
			break;
		case 'h':
			gc_usage(c->out);
			return RP_CTL_OK;
		default:
			gc_usage(c->err);
			return rp_ctl_fail(c, RP_CTL_EUSAGE, "gc", "unknown option %s", argv[optind - 1]);
		}
	}
	if (optind < argc)
		return rp_ctl_fail(c, RP_CTL_EUSAGE, "gc", "unexpected argument '%s'; see --help", argv[optind]);
	rc = rp_ctl_open_store(c, "gc", !g.dry_run, false, &s);
	if (rc)
		return rc;
	g.freed = json_array();
	n = rp_store_gc(s, gc_keep, &g, g.dry_run);
	if (n < 0) {
		rc = rp_ctl_fail(c, RP_CTL_EUSER, "gc", "store gc failed: %s", strerror(-n));
		goto out;
	}
	if (!g.dry_run) {
		int r = rp_store_sweep(s, 0, &st);

		if (r < 0) {
			rc = rp_ctl_fail(c, RP_CTL_EUSER, "gc", "store sweep failed: %s", strerror(-r));
			goto out;
		}
	}
	if (c->output == RP_CTL_OUT_JSON || c->output == RP_CTL_OUT_YAML) {
		json_t *o = json_pack("{s:b, s:O, s:i, s:{s:I, s:I, s:I}}", "dryRun", g.dry_run, "attachments",
				      g.freed, "released", n, "sweep", "reservedLeasesFreed",
				      (json_int_t)st.leases_freed, "ownersFreed", (json_int_t)st.owners_freed,
				      "orphansFreed", (json_int_t)st.orphans_freed);
		rp_ctl_render(c, o, NULL, 0);
		json_decref(o);
	} else {
		size_t i;
		json_t *it;

		json_array_foreach(g.freed, i, it) {
			fprintf(c->out, "%s attachment %s/%s (netns %s: %s, %lld lease(s))\n",
				g.dry_run ? "would release" : "released",
				json_string_value(json_object_get(it, "containerID")),
				json_string_value(json_object_get(it, "ifname")),
				json_string_value(json_object_get(it, "netns")),
				json_string_value(json_object_get(it, "reason")),
				(long long)json_integer_value(json_object_get(it, "leases")));
		}
		fprintf(c->out, "%s %d attachment(s)", g.dry_run ? "would release" : "released", n);
		if (!g.dry_run)
			fprintf(c->out,
				"; swept %llu reserved lease(s) and %llu record(s) of dead processes, "
				"%llu orphaned lease(s)",
				(unsigned long long)st.leases_freed, (unsigned long long)st.owners_freed,
				(unsigned long long)st.orphans_freed);
		fputc('\n', c->out);
	}
	rc = RP_CTL_OK;
out:
	json_decref(g.freed);
	rp_store_close(s);
	return rc;
}

/* ---- fsck ---- */

struct fsck_ctx {
	struct rp_ctl *c;
	json_t *problems;
};

static void fsck_report(const char *problem, void *arg)
{
	struct fsck_ctx *f = arg;

	json_array_append_new(f->problems, json_string(problem));
}

/* What a class of problem means for the node and what fixes it (the store's own text names the
 * record; this says whether to worry). */
static const char *fsck_explain(const char *p)
{
	if (strstr(p, "control word") || strstr(p, "config area") || strstr(p, "header changed") ||
	    strstr(p, "segment"))
		return "the published configuration is inconsistent: re-apply the manifests "
		       "(`railpoolctl apply -f ...`); held leases keep their records";
	if (strstr(p, "dead pid"))
		return "left by a crashed process: `railpoolctl gc` (or --repair) reclaims it";
	if (strstr(p, "bitmap"))
		return "the search index disagrees with the leases (the leases are the truth): --repair "
		       "rebuilds the index from the leases";
	if (strstr(p, "which does not hold it") || strstr(p, "orphan"))
		return "an address is held by no attachment and would never be freed: --repair frees it";
	if (strstr(p, "allocatable") || strstr(p, "doomed"))
		return "a lease's blocked/free state disagrees with the published config: --repair "
		       "re-derives it from the config";
	if (strstr(p, "same attachment"))
		return "one attachment is recorded twice: run the CNI DEL for that container (or --repair), "
		       "then re-run fsck";
	if (strstr(p, "owner record"))
		return "an attachment record is damaged: --repair frees what it can prove unused; the "
		       "pod using it may need a CNI DEL/ADD";
	return "see docs/architecture.md, \"The node store\"; --repair fixes what it can";
}

static void fsck_usage(FILE *f)
{
	fputs("usage: railpoolctl fsck [--repair]\n"
	      "Check every invariant of the node store and explain each problem found.\n"
	      "  --repair   rebuild the bitmaps from the leases and free orphans, then re-check\n"
	      "Exit 0 when the store is clean (after repair), 1 when problems remain.\n",
	      f);
}

static int fsck_run(struct rp_ctl *c, struct rp_store *s, unsigned flags, json_t **problems)
{
	struct fsck_ctx f = { .c = c, .problems = json_array() };
	int n = rp_store_fsck(s, flags, fsck_report, &f);

	*problems = f.problems;
	return n;
}

int rp_ctl_cmd_fsck(struct rp_ctl *c, int argc, char **argv)
{
	static const struct option lo[] = { { "repair", no_argument, NULL, 'r' }, RP_CTL_HELP_OPT, { 0 } };
	struct rp_store *s = NULL;
	struct rp_err e = { 0 };
	json_t *found = NULL, *left = NULL;
	bool repair = false;
	int opt, rc, n, m = 0;

	while ((opt = getopt_long(argc, argv, "rh", lo, NULL)) != -1) {
		switch (opt) {
		case 'r':
			repair = true;
			break;
		case 'h':
			fsck_usage(c->out);
			return RP_CTL_OK;
		default:
			fsck_usage(c->err);
			return rp_ctl_fail(c, RP_CTL_EUSAGE, "fsck", "unknown option %s", argv[optind - 1]);
		}
	}
	if (optind < argc)
		return rp_ctl_fail(c, RP_CTL_EUSAGE, "fsck", "unexpected argument '%s'; see --help", argv[optind]);

	/* Open without rp_ctl_open_store so the failed check can be explained, not just named. */
	rc = rp_store_open(c->state_path, (repair ? 0 : RP_STORE_RDONLY) | (geteuid() ? RP_STORE_NOCHECK_OWNER : 0),
			   NULL, &s, &e);
	if (rc < 0) {
		const char *hint = "";

		switch (rc) {
		case -ENOENT:
			hint = "the file does not exist: nothing was applied on this node yet (or --state names "
			       "the wrong file)";
			break;
		case -EBADMSG:
			hint = "the header or the published configuration failed its integrity check: the "
			       "file was damaged or written by something else; fsck cannot repair a header — "
			       "stop railpool users, move the file away and re-apply the manifests (leases "
			       "held by running pods are lost: restart them or run their CNI DEL)";
			break;
		case -EPROTO:
			hint = "the store was created by another railpool version; use that version's "
			       "railpoolctl or re-create the store";
			break;
		case -EPERM:
		case -EACCES:
			hint = "the store must be a root-owned regular file with mode 0600 (no group/other "
			       "bits); fix ownership/mode or run as root";
			break;
		case -ELOOP:
			hint = "the store path is a symlink; railpool refuses to follow it";
			break;
		default:
			hint = "the operating system refused the file";
			break;
		}
		if (!e.msg[0])
			snprintf(e.msg, sizeof(e.msg), "%s: %s", c->state_path, strerror(-rc));
		fprintf(c->out, "the store cannot be opened: %s\n  %s\n", e.msg, hint);
		return RP_CTL_EUSER;
	}

	n = fsck_run(c, s, 0, &found);
	if (n < 0) {
		rc = rp_ctl_fail(c, RP_CTL_EUSER, "fsck", "check failed: %s", strerror(-n));
		goto out;
	}
	if (repair && n > 0) {
		json_t *during = NULL;
		int r = fsck_run(c, s, RP_FSCK_REPAIR, &during);

		json_decref(during);
		if (r < 0) {
			rc = rp_ctl_fail(c, RP_CTL_EUSER, "fsck", "repair failed: %s", strerror(-r));
			goto out;
		}
		m = fsck_run(c, s, 0, &left);
		if (m < 0) {
			rc = rp_ctl_fail(c, RP_CTL_EUSER, "fsck", "re-check after repair failed: %s", strerror(-m));
			goto out;
		}
	} else {
		m = n;
	}

	if (c->output == RP_CTL_OUT_JSON || c->output == RP_CTL_OUT_YAML) {
		json_t *o = json_pack("{s:s, s:O, s:b, s:O}", "store", c->state_path, "problems", found,
				      "repaired", repair && n > 0, "remaining", left ? left : found);

		rp_ctl_render(c, o, NULL, 0);
		json_decref(o);
	} else {
		size_t i;
		json_t *it;

		json_array_foreach(found, i, it) {
			const char *p = json_string_value(it);

			fprintf(c->out, "problem: %s\n  %s\n", p, fsck_explain(p));
		}
		if (n == 0)
			fprintf(c->out, "store %s: clean\n", c->state_path);
		else if (!repair)
			fprintf(c->out, "store %s: %d problem(s); run `railpoolctl fsck --repair`\n", c->state_path, n);
		else if (m == 0)
			fprintf(c->out, "store %s: %d problem(s) repaired; clean now\n", c->state_path, n);
		else {
			json_array_foreach(left, i, it)
				fprintf(c->out, "still: %s\n", json_string_value(it));
			fprintf(c->out, "store %s: %d problem(s) found, %d remain after repair\n", c->state_path, n,
				m);
		}
	}
	rc = m > 0 ? RP_CTL_EUSER : RP_CTL_OK;
out:
	json_decref(found);
	json_decref(left);
	rp_store_close(s);
	return rc;
}
