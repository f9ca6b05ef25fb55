/* SPDX-License-Identifier: Apache-2.0 */
/* What the seed documents print, for tests that check railpool against them byte for byte. */
#ifndef RP_TESTS_COMMON_SEEDS_H
#define RP_TESTS_COMMON_SEEDS_H

/* The pod networks annotation of the macvlan guide's webhook section (configs gpuN-sriov):
 * tests/data/seed-macvlan/inject-result-fragment.yaml. */
#define RPT_SEED_MACVLAN_NETWORKS                                  \
	"[{\"name\":\"gpu1-sriov\",\"namespace\":\"spiderpool\"},\n" \
	"{\"name\":\"gpu2-sriov\",\"namespace\":\"spiderpool\"},\n"  \
	"{\"name\":\"gpu3-sriov\",\"namespace\":\"spiderpool\"},\n"  \
	"{\"name\":\"gpu4-sriov\",\"namespace\":\"spiderpool\"},\n"  \
	"{\"name\":\"gpu5-sriov\",\"namespace\":\"spiderpool\"},\n"  \
	"{\"name\":\"gpu6-sriov\",\"namespace\":\"spiderpool\"},\n"  \
	"{\"name\":\"gpu7-sriov\",\"namespace\":\"spiderpool\"},\n"  \
	"{\"name\":\"gpu8-sriov\",\"namespace\":\"spiderpool\"}]"

#endif
