/* SPDX-License-Identifier: Apache-2.0 */
/* The rails-mode plugin config parser (core/railsconf) on arbitrary JSON; whatever parses must
 * print and re-parse to the same struct. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "core/railsconf.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct rp_railsconf a, b;
	struct rp_err e = { 0 };
	json_t *v = json_loadb((const char *)data, size, JSON_DECODE_ANY, NULL);

	if (!v)
		return 0;
	if (rp_railsconf_parse(v, &a, &e) == 0) {
		json_t *out = rp_railsconf_to_json(&a);

		if (!out || rp_railsconf_parse(out, &b, &e) != 0 || memcmp(&a, &b, sizeof(a)))
			abort();
		json_decref(out);
	} else if (!e.msg[0]) {
		abort(); /* every refusal says why */
	}
	json_decref(v);
	return 0;
}
