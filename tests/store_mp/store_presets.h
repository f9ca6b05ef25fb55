/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Tiny real node stores in a few typical states, built through the public API so they always
 * match the current file format: the fuzz_store target expands its "preset" inputs with them and
 * store_mkcorpus writes them out as raw seeds.  Not thread-safe (uses fork() for the dead-process
 * preset); allocates nothing that outlives the call.
 */
#ifndef RP_TESTS_STORE_MP_PRESETS_H
#define RP_TESTS_STORE_MP_PRESETS_H

#ifdef __cplusplus
extern "C" {
#endif

#define RP_TEST_PRESETS 5

/* Create the store of preset @variant (0..RP_TEST_PRESETS-1) at @path, which must not exist.
 * Sets *@name to a short static label.  Returns 0 or -errno (message on stderr). */
int rp_test_store_preset(const char *path, int variant, const char **name);

#ifdef __cplusplus
}
#endif
#endif
