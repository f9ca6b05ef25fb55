// SPDX-License-Identifier: Apache-2.0
//
// Pool selection (issue 6): rp_select_pools() over a model view of N SpiderIPPools named as the
// exclusive-subnet scheme names them, "<interface>-rail<R>-node<K>" (8 rails x N/8 nodes), each
// pool its own /24 (10.<R>.<K>.0/24), no nodeName, so matchMasterSubnet has to do the filtering.
// One op is one rail's selection as the CNI ADD path runs it:
//   Exact           one exact reference ("eno3np1-rail3-node<K>")
//   PrefixWildcard  "eno3np1-rail3-*": the name-sorted slice of one rail (N/8 pools, fnmatch
//                   each), matchMasterSubnet keeps the one holding the master's address
//   LeadingWildcard "*-rail3-*": no literal prefix, so every pool is a candidate (N fnmatch)
//   AllPools        "*" without matchMasterSubnet: every pool qualifies (N results)
//   NoMatch         "eno3np1-rail3-*" with a master address in no pool: the error path, whose
//                   message lists what was tried and why each was filtered out
// Inputs are picked from a rotating node index so nothing folds.  Pool counts: 128, 1,000, 4,000.
#include <benchmark/benchmark.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <string>
#include <vector>

// store.h (included by model.h) names functions after their result structs: g++'s -Wshadow
// reports the function hiding the struct's implicit constructor.
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wshadow"
#include "core/manifest.h"
#include "core/model.h"
#include "core/select.h"
#pragma GCC diagnostic pop

namespace {

constexpr int kRails = 8;

struct Fixture {
	int npools = 0;
	rp_model m{};
	void *blob = nullptr;
	uint32_t blob_len = 0;
	rp_model_view v{};
	std::string err;
	bool ok = false;

	explicit Fixture(int n) : npools(n)
	{
		std::string y;
		char doc[512];
		rp_err e{};

		for (int r = 1; r <= kRails; r++)
			for (int k = 0; k < n / kRails; k++) {
				// pool K of rail R: 10.(16R + K/256).(K%256).0/24
				snprintf(doc, sizeof(doc),
					 "---\napiVersion: spiderpool.spidernet.io/v2beta1\nkind: SpiderIPPool\n"
					 "metadata: {name: eno3np1-rail%d-node%04d}\nspec:\n  subnet: 10.%d.%d.0/24\n"
					 "  ips: [10.%d.%d.10-10.%d.%d.200]\n  gateway: 10.%d.%d.1\n",
					 r, k, 16 * r + k / 256, k % 256, 16 * r + k / 256, k % 256, 16 * r + k / 256,
					 k % 256, 16 * r + k / 256, k % 256);
				y += doc;
			}
		rp_model_init(&m);
		if (rp_manifest_load_buf(&m, "select-bench.yaml", y.data(), y.size(), &e) ||
		    rp_model_validate(&m, &e) || rp_model_encode(&m, &blob, &blob_len, &e) ||
		    rp_model_view_init(&v, blob, blob_len, &e)) {
			err = e.msg;
			return;
		}
		ok = rp_model_view_npools(&v) == (uint32_t)n;
		if (!ok)
			err = "pool count mismatch";
	}
	~Fixture()
	{
		free(blob);
		rp_model_free(&m);
	}
};

Fixture *Get(int n)
{
	static std::vector<Fixture *> all;
	for (Fixture *f : all)
		if (f->npools == n)
			return f;
	all.push_back(new Fixture(n));
	return all.back();
}

// The master's address on node @k for rail @r: inside pool eno3np1-rail<r>-node<k>.
rp_addr MasterAddr(int r, int k)
{
	rp_addr a{};
	a.family = 4;
	a.b[0] = 10;
	a.b[1] = (uint8_t)(16 * r + k / 256);
	a.b[2] = (uint8_t)(k % 256);
	a.b[3] = 77;
	return a;
}

enum Kind { kExact, kPrefix, kLeading, kAll, kNoMatch };

void Run(benchmark::State &state, Kind kind)
{
	const int n = (int)state.range(0), nodes = n / kRails;
	Fixture *f = Get(n);
	std::vector<uint32_t> out((size_t)n + 1);
	char exact[64];
	const char *ref = nullptr;
	rp_addr master;
	rp_err e{};
	uint64_t selected = 0;
	int k = 0;

	if (!f->ok) {
		state.SkipWithError(f->err.c_str());
		return;
	}
	for (auto _ : state) {
		rp_select_req req{};
		int got;

		k = (k + 37) % nodes;
		master = kind == kNoMatch ? MasterAddr(3, 0) : MasterAddr(3, k);
		if (kind == kNoMatch)
			master.b[1] = 250; // in no pool's subnet
		switch (kind) {
		case kExact:
			snprintf(exact, sizeof(exact), "eno3np1-rail3-node%04d", k);
			ref = exact;
			break;
		case kPrefix:
		case kNoMatch:
			ref = "eno3np1-rail3-*";
			break;
		case kLeading:
			ref = "*-rail3-*";
			break;
		case kAll:
			ref = "*";
			break;
		}
		req.family = 4;
		req.node = "node1";
		req.refs = &ref;
		req.nrefs = 1;
		req.match_master_subnet = kind != kAll;
		req.master_addrs = &master;
		req.nmaster = 1;
		req.what = "rail 3 (net3)";
		got = rp_select_pools(&f->v, &req, out.data(), (uint32_t)out.size(), &e);
		benchmark::DoNotOptimize(got);
		benchmark::DoNotOptimize(out.data());
		if ((kind == kNoMatch) != (got < 0)) {
			state.SkipWithError(got < 0 ? e.msg : "a selection that must fail succeeded");
			return;
		}
		if (got > 0)
			selected += (uint64_t)got;
	}
	state.counters["pools"] = n;
	state.counters["selected/op"] =
		benchmark::Counter((double)selected / (double)(state.iterations() ? state.iterations() : 1));
}

void Exact(benchmark::State &s) { Run(s, kExact); }
void PrefixWildcard(benchmark::State &s) { Run(s, kPrefix); }
void LeadingWildcard(benchmark::State &s) { Run(s, kLeading); }
void AllPools(benchmark::State &s) { Run(s, kAll); }
void NoMatch(benchmark::State &s) { Run(s, kNoMatch); }

} // namespace

BENCHMARK(Exact)->Arg(128)->Arg(1000)->Arg(4000);
BENCHMARK(PrefixWildcard)->Arg(128)->Arg(1000)->Arg(4000);
BENCHMARK(LeadingWildcard)->Arg(128)->Arg(1000)->Arg(4000);
BENCHMARK(AllPools)->Arg(128)->Arg(1000)->Arg(4000);
BENCHMARK(NoMatch)->Arg(128)->Arg(1000)->Arg(4000);

BENCHMARK_MAIN();
