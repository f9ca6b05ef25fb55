/* SPDX-License-Identifier: Apache-2.0 */
/* Shared between core/manifest*.c and core/inject.c only. */
#ifndef RP_CORE_MANIFEST_INTERNAL_H
#define RP_CORE_MANIFEST_INTERNAL_H

#include <jansson.h>
#include <stddef.h>

#include "core/model_internal.h"

/*
 * Read one YAML or JSON document from @buf into a jansson value (the first document; a second
 * one is an error).  Plain scalars resolve like Kubernetes reads YAML: null/~, true/false,
 * integers and floats; quoted scalars stay strings.  Aliases are followed with a depth and size
 * limit (alias bombs and self-referencing anchors are refused).  Returns a new reference, or
 * NULL with @e set (-EINVAL: syntax, with line and column; -E2BIG: too deep or too large).
 */
json_t *rp_manifest_yaml_to_json(const char *label, const void *buf, size_t len, struct rp_err *e);

/* Emit @v as block-style YAML into a malloc'd NUL-terminated string (strings holding a newline
 * become literal blocks, like the seeds' `|-`).  0 or -ENOMEM/-EINVAL. */
int rp_manifest_json_to_yaml(json_t *v, char **out, size_t *len);

#endif
