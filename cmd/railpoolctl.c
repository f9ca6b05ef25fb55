/* SPDX-License-Identifier: Apache-2.0 */
/* railpoolctl: the operator's tool.  A thin main over core/ctl.h; `sim` lives here because it
 * wraps sim/, which core/ may not use (sim/ is a test/demo layer beside the product). */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "core/ctl.h"
#include "sim/node.h"

static void sim_usage(FILE *f)
{
	fputs("usage: railpoolctl sim up|down [--nics N] [--names a,b,..] [--mtu M] [--netns[=NAME]]\n"
	      "                                [--prefix P] [--host-cidrs c1,c2,..] [--gateways g1,g2,..]\n"
	      "A simulated GPU node (root): N veth \"NICs\" named like the seeds' masters, each with its\n"
	      "rail's gateway on a peer in the fabric netns <prefix>fab so ARP/NDP probes get answers.\n"
	      "  --nics N          number of NICs (default 8, at most 16)\n"
	      "  --names LIST      NIC names (default enp11s0f0np0, enp12s0f0np0, ...: the macvlan seed)\n"
	      "  --mtu M           NIC MTU (default: the kernel's)\n"
	      "  --netns[=NAME]    put the NICs in their own netns <prefix>node instead of this one\n"
	      "  --prefix P        unique prefix of every name created (default rpsim, at most 10)\n"
	      "  --host-cidrs LIST an address per NIC on the node side (for matchMasterSubnet)\n"
	      "  --gateways LIST   gateway address per NIC (default 172.16.1N.254/16 for NIC N: the seed)\n"
	      "`sim down` takes the same options as `sim up` and removes everything they named.\n",
	      f);
}

/* Split a comma list in place; returns the count, or -1 past @max. */
static int split(char *s, char **v, int max)
{
	int n = 0;

	for (char *t = strtok(s, ","); t; t = strtok(NULL, ",")) {
		if (n == max)
			return -1;
		v[n++] = t;
	}
	return n;
}

static int cmd_sim(struct rp_ctl *c, int argc, char **argv)
{
	static const struct option lo[] = { { "nics", required_argument, NULL, 'n' },
					    { "names", required_argument, NULL, 'N' },
					    { "mtu", required_argument, NULL, 'm' },
					    { "netns", optional_argument, NULL, 's' },
					    { "prefix", required_argument, NULL, 'p' },
					    { "host-cidrs", required_argument, NULL, 'H' },
					    { "gateways", required_argument, NULL, 'g' },
					    { "help", no_argument, NULL, 'h' },
					    { 0 } };
	struct rp_sim_spec spec = { .prefix = "rpsim" };
	char *names_s = NULL, *hosts_s = NULL, *gws_s = NULL, *names[RP_SIM_MAX_NICS], *hosts[RP_SIM_MAX_NICS],
	     *gws[RP_SIM_MAX_NICS];
	char defname[RP_SIM_MAX_NICS][32], defgw[RP_SIM_MAX_NICS][48];
	const char *netns_name = NULL;
	int nnames = 0, nhosts = 0, ngws = 0, opt, rc, up;
	long nics = -1, mtu = 0;
	struct rp_err e = { 0 };
	char *end;

	while ((opt = getopt_long(argc, argv, "h", lo, NULL)) != -1) {
		switch (opt) {
		case 'n':
			nics = strtol(optarg, &end, 10);
			if (*end || nics < 1 || nics > RP_SIM_MAX_NICS) {
				rc = rp_ctl_fail(c, RP_CTL_EUSAGE, "sim", "--nics %s: give 1..%d", optarg, RP_SIM_MAX_NICS);
				goto out;
			}
			break;
		case 'N':
			free(names_s);
			names_s = strdup(optarg);
			break;
		case 'm':
			mtu = strtol(optarg, &end, 10);
			if (*end || mtu < 68 || mtu > 65535) {
				rc = rp_ctl_fail(c, RP_CTL_EUSAGE, "sim", "--mtu %s: give 68..65535", optarg);
				goto out;
			}
			break;
		case 's':
			spec.own_netns = 1;
			netns_name = optarg;
			break;
		case 'p':
			spec.prefix = optarg;
			break;
		case 'H':
			free(hosts_s);
			hosts_s = strdup(optarg);
			break;
		case 'g':
			free(gws_s);
			gws_s = strdup(optarg);
			break;
		case 'h':
			sim_usage(c->out);
			rc = RP_CTL_OK;
			goto out;
		default:
			sim_usage(c->err);
			rc = rp_ctl_fail(c, RP_CTL_EUSAGE, "sim", "%s %s", opt == ':' ? "missing value for" : "unknown option",
					 argv[optind - 1]);
			goto out;
		}
	}
	if (argc - optind != 1 || (strcmp(argv[optind], "up") && strcmp(argv[optind], "down"))) {
		sim_usage(c->err);
		rc = rp_ctl_fail(c, RP_CTL_EUSAGE, "sim", "say `sim up` or `sim down`");
		goto out;
	}
	up = !strcmp(argv[optind], "up");
	if (!*spec.prefix || strlen(spec.prefix) > RP_SIM_PREFIX_MAX) {
		rc = rp_ctl_fail(c, RP_CTL_EUSAGE, "sim", "--prefix '%s': give 1..%d characters", spec.prefix,
				 RP_SIM_PREFIX_MAX);
		goto out;
	}
	if (netns_name && *netns_name) {
		char want[RP_SIM_PREFIX_MAX + 8];

		snprintf(want, sizeof(want), "%snode", spec.prefix);
		if (strcmp(netns_name, want)) {
			rc = rp_ctl_fail(c, RP_CTL_EUSAGE, "sim", "--netns=%s: the node netns is always <prefix>node (%s); use --netns alone or --prefix",
					 netns_name, want);
			goto out;
		}
	}
	if ((names_s && (nnames = split(names_s, names, RP_SIM_MAX_NICS)) < 0) ||
	    (hosts_s && (nhosts = split(hosts_s, hosts, RP_SIM_MAX_NICS)) < 0) ||
	    (gws_s && (ngws = split(gws_s, gws, RP_SIM_MAX_NICS)) < 0)) {
		rc = rp_ctl_fail(c, RP_CTL_EUSAGE, "sim", "a list names more than %d NICs", RP_SIM_MAX_NICS);
		goto out;
	}
	if (nics < 0)
		nics = nnames ? nnames : 8;
	if ((nnames && nnames != nics) || (nhosts && nhosts != nics) || (ngws && ngws != nics)) {
		rc = rp_ctl_fail(c, RP_CTL_EUSAGE, "sim", "--names/--host-cidrs/--gateways must list one entry per NIC (%ld)",
				 nics);
		goto out;
	}
	spec.nnics = (unsigned)nics;
	for (long i = 0; i < nics; i++) {
		struct rp_sim_nic *n = &spec.nics[i];

		/* The macvlan seed's masters and gateways: enp11s0f0np0 .. / 172.16.11.254/16 .. */
		snprintf(defname[i], sizeof(defname[i]), "enp%lds0f0np0", 11 + i);
		snprintf(defgw[i], sizeof(defgw[i]), "172.16.%ld.254/16", 11 + i);
		n->name = nnames ? names[i] : defname[i];
		n->mtu = (uint32_t)mtu;
		n->host_cidr[0] = nhosts ? hosts[i] : NULL;
		n->gw_cidr[0] = ngws ? gws[i] : defgw[i];
		if (strlen(n->name) >= 16) {
			rc = rp_ctl_fail(c, RP_CTL_EUSAGE, "sim", "NIC name '%s' is longer than 15 characters", n->name);
			goto out;
		}
	}
	if (geteuid() != 0) {
		rc = rp_ctl_fail(c, RP_CTL_EUSER, "sim", "needs root (it creates network namespaces and veths)");
		goto out;
	}
	if (up) {
		rc = rp_sim_up(&spec, &e);
		if (rc < 0) {
			rc = rp_ctl_fail(c, RP_CTL_EUSER, "sim", "up failed (nothing left behind): %s", e.msg);
			goto out;
		}
		char node[128], fab[128];
		rp_sim_node_netns_path(&spec, node, sizeof(node));
		rp_sim_fabric_netns_path(&spec, fab, sizeof(fab));
		fprintf(c->out, "simulated node up: %u NIC(s) in %s; fabric netns %s\n", spec.nnics,
			node[0] ? node : "the current netns", fab);
		for (unsigned i = 0; i < spec.nnics; i++)
			fprintf(c->out, "  %-16s gateway %s%s%s\n", spec.nics[i].name, spec.nics[i].gw_cidr[0],
				spec.nics[i].host_cidr[0] ? "  host " : "",
				spec.nics[i].host_cidr[0] ? spec.nics[i].host_cidr[0] : "");
		if (mtu)
			fprintf(c->out, "  mtu %ld on every NIC\n", mtu);
		fprintf(c->out, "remove with: railpoolctl sim down and the same options\n");
	} else {
		rc = rp_sim_down(&spec, &e);
		if (rc < 0) {
			rc = rp_ctl_fail(c, RP_CTL_EUSER, "sim", "down: %s", e.msg);
			goto out;
		}
		fprintf(c->out, "simulated node %s removed\n", spec.prefix);
	}
	rc = RP_CTL_OK;
out:
	free(names_s);
	free(hosts_s);
	free(gws_s);
	return rc;
}

static const struct rp_ctl_cmd extra[] = {
	{ "sim", cmd_sim, "create or remove a simulated GPU node (tests, demo; root)" },
	{ NULL, NULL, NULL },
};

int main(int argc, char **argv)
{
	return rp_ctl_main(argc, argv, extra, stdout, stderr);
}
