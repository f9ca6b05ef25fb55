/* SPDX-License-Identifier: Apache-2.0 */
/* Shared between the core/ctl*.c files only. */
#ifndef RP_CORE_CTL_INTERNAL_H
#define RP_CORE_CTL_INTERNAL_H

#include <jansson.h>

#include "core/ctl.h"

/* One table column: @key is looked up in each row object; @wide columns only with -o wide. */
struct rp_ctl_col {
	const char *header;
	const char *key;
	bool wide;
};

/*
 * Print @v as c->output says: JSON (as is), YAML (as is), or a table of the array @v's
 * objects through @cols (a single object is printed as one row).  Does not steal @v.
 */
void rp_ctl_render(struct rp_ctl *c, json_t *v, const struct rp_ctl_col *cols, size_t ncols);
/* Print @v as YAML on @f (block style; strings quoted when YAML would misread them). */
void rp_ctl_yaml_dump(FILE *f, json_t *v);
/* Format a store address; "-" when it does not format. */
const char *rp_ctl_ip_str(const struct rp_ip *ip, char *buf, size_t len);

/* The --help entry every subcommand's getopt_long table ends with (mapped to 'h'). */
#define RP_CTL_HELP_OPT { "help", no_argument, NULL, 'h' }

/* Library errors are logged at RP_LOG_ERR and also returned; a command that prints the returned
 * ones itself mutes the log copy so each problem is shown once. */
void rp_ctl_log_mute_errors(bool mute);

/* Model-backed parts (core/ctl_model.c): merge the pool's manifest data (subnet, gateway, node)
 * into @row; for describe also ranges, excludes, routes; list the applied networks. */
void rp_ctl_pool_meta(struct rp_ctl *c, const struct rp_store_view *v, const char *name, json_t *row);
void rp_ctl_pool_detail(struct rp_ctl *c, const struct rp_store_view *v, const char *name, json_t *d);
int rp_ctl_get_networks(struct rp_ctl *c, const struct rp_store_view *v);
/* Device views (core/ctl_devices.c). */
int rp_ctl_get_resources(struct rp_ctl *c);
int rp_ctl_get_rdma(struct rp_ctl *c, int argc, char **argv);

int rp_ctl_cmd_apply(struct rp_ctl *c, int argc, char **argv);
int rp_ctl_cmd_get(struct rp_ctl *c, int argc, char **argv);
int rp_ctl_cmd_describe(struct rp_ctl *c, int argc, char **argv);
int rp_ctl_cmd_gc(struct rp_ctl *c, int argc, char **argv);
int rp_ctl_cmd_fsck(struct rp_ctl *c, int argc, char **argv);
int rp_ctl_cmd_inject(struct rp_ctl *c, int argc, char **argv);
int rp_ctl_cmd_conflist(struct rp_ctl *c, int argc, char **argv);

#endif
