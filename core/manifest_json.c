/* SPDX-License-Identifier: Apache-2.0 */
/* Generic YAML <-> jansson conversion for objects railpool mutates rather than models (pods). */
#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <yaml.h>

#include "core/manifest_internal.h"

#define MAX_DEPTH 64
#define MAX_NODES (1u << 20) /* visits: bounds alias fan-out ("billion laughs") */

struct conv {
	yaml_document_t *d;
	unsigned visits;
	struct rp_err *e;
	const char *label;
};

static bool plain_is(const char *v, const char *const *words)
{
	for (; *words; words++)
		if (!strcmp(v, *words))
			return true;
	return false;
}

static const char *const nulls[] = { "", "~", "null", "Null", "NULL", NULL };
static const char *const trues[] = { "true", "True", "TRUE", NULL };
static const char *const falses[] = { "false", "False", "FALSE", NULL };

/* Integer or decimal float as JSON writes them; anything else stays a string. */
static json_t *plain_number(const char *v)
{
	const char *p = v;
	bool dot = false, exp = false;

	if (*p == '-' || *p == '+')
		p++;
	if (!(*p >= '0' && *p <= '9'))
		return NULL;
	for (; *p; p++) {
		if (*p >= '0' && *p <= '9')
			continue;
		if (*p == '.' && !dot && !exp) {
			dot = true;
			continue;
		}
		if ((*p == 'e' || *p == 'E') && !exp && p[1]) {
			exp = true;
			if (p[1] == '-' || p[1] == '+')
				p++;
			continue;
		}
		return NULL;
	}
	if (!dot && !exp) {
		char *end;
		errno = 0;
		long long ll = strtoll(v, &end, 10);
		if (!errno && !*end)
			return json_integer(ll);
		return NULL;
	}
	char *end;
	double d = strtod(v, &end);
	if (*end || !isfinite(d))
		return NULL;
	return json_real(d);
}

static json_t *conv_node(struct conv *c, yaml_node_t *n, int depth)
{
	json_t *out;

	if (!n)
		return json_null();
	if (depth > MAX_DEPTH || ++c->visits > MAX_NODES) {
		rp_err_set(c->e, -E2BIG, "%s: nested too deeply or too large (aliases?) near line %zu", c->label,
			   n->start_mark.line + 1);
		return NULL;
	}
	switch (n->type) {
	case YAML_SCALAR_NODE: {
		const char *v = (const char *)n->data.scalar.value;

		if (strlen(v) != n->data.scalar.length) {
			rp_err_set(c->e, -EINVAL, "%s: line %zu: string contains a NUL character", c->label,
				   n->start_mark.line + 1);
			return NULL;
		}
		if (n->data.scalar.style == YAML_PLAIN_SCALAR_STYLE) {
			json_t *num;

			if (plain_is(v, nulls))
				return json_null();
			if (plain_is(v, trues))
				return json_true();
			if (plain_is(v, falses))
				return json_false();
			num = plain_number(v);
			if (num)
				return num;
		}
		out = json_stringn(v, n->data.scalar.length);
		if (!out)
			rp_err_set(c->e, -EINVAL, "%s: line %zu: not valid UTF-8", c->label, n->start_mark.line + 1);
		return out;
	}
	case YAML_SEQUENCE_NODE:
		out = json_array();
		if (!out)
			goto oom;
		for (yaml_node_item_t *it = n->data.sequence.items.start; it < n->data.sequence.items.top; it++) {
			json_t *x = conv_node(c, yaml_document_get_node(c->d, *it), depth + 1);

			if (!x || json_array_append_new(out, x)) {
				json_decref(out);
				return NULL;
			}
		}
		return out;
	case YAML_MAPPING_NODE:
		out = json_object();
		if (!out)
			goto oom;
		for (yaml_node_pair_t *p = n->data.mapping.pairs.start; p < n->data.mapping.pairs.top; p++) {
			yaml_node_t *k = yaml_document_get_node(c->d, p->key);
			json_t *x;

			if (!k || k->type != YAML_SCALAR_NODE ||
			    strlen((const char *)k->data.scalar.value) != k->data.scalar.length) {
				rp_err_set(c->e, -EINVAL, "%s: line %zu: mapping keys must be strings", c->label,
					   n->start_mark.line + 1);
				json_decref(out);
				return NULL;
			}
			x = conv_node(c, yaml_document_get_node(c->d, p->value), depth + 1);
			if (!x) {
				json_decref(out);
				return NULL;
			}
			if (json_object_set_new(out, (const char *)k->data.scalar.value, x)) {
				rp_err_set(c->e, -EINVAL, "%s: line %zu: key is not valid UTF-8", c->label,
					   k->start_mark.line + 1);
				json_decref(out);
				return NULL;
			}
		}
		return out;
	default:
		return json_null();
	}
oom:
	rp_err_set(c->e, -ENOMEM, "%s: out of memory", c->label);
	return NULL;
}

json_t *rp_manifest_yaml_to_json(const char *label, const void *buf, size_t len, struct rp_err *e)
{
	yaml_parser_t p;
	yaml_document_t d, d2;
	json_t *out = NULL;
	struct conv c = { .d = &d, .e = e, .label = label ? label : "<input>" };

	if (!yaml_parser_initialize(&p)) {
		rp_err_set(e, -ENOMEM, "%s: out of memory", c.label);
		return NULL;
	}
	yaml_parser_set_input_string(&p, buf, len);
	if (!yaml_parser_load(&p, &d)) {
		rp_err_set(e, -EINVAL, "%s: YAML syntax error at line %zu column %zu: %s", c.label,
			   p.problem_mark.line + 1, p.problem_mark.column + 1, p.problem ? p.problem : "unreadable");
		goto out_parser;
	}
	yaml_node_t *root = yaml_document_get_root_node(&d);
	if (!root) {
		rp_err_set(e, -EINVAL, "%s: empty input; expected one object", c.label);
		goto out_doc;
	}
	out = conv_node(&c, root, 0);
	if (!out)
		goto out_doc;
	if (!yaml_parser_load(&p, &d2)) {
		rp_err_set(e, -EINVAL, "%s: YAML syntax error at line %zu column %zu: %s", c.label,
			   p.problem_mark.line + 1, p.problem_mark.column + 1, p.problem ? p.problem : "unreadable");
		json_decref(out);
		out = NULL;
		goto out_doc;
	}
	if (yaml_document_get_root_node(&d2)) {
		rp_err_set(e, -EINVAL, "%s: holds several documents; give one object", c.label);
		json_decref(out);
		out = NULL;
	}
	yaml_document_delete(&d2);
out_doc:
	yaml_document_delete(&d);
out_parser:
	yaml_parser_delete(&p);
	return out;
}

/* ---- emitting ---- */

struct obuf {
	char *p;
	size_t len, cap;
	bool oom;
};

static int write_cb(void *data, unsigned char *buffer, size_t size)
{
	struct obuf *o = data;

	if (o->len + size + 1 > o->cap) {
		size_t nc = o->cap ? o->cap : 4096;
		char *np;

		while (nc < o->len + size + 1)
			nc *= 2;
		np = realloc(o->p, nc);
		if (!np) {
			o->oom = true;
			return 0;
		}
		o->p = np;
		o->cap = nc;
	}
	memcpy(o->p + o->len, buffer, size);
	o->len += size;
	o->p[o->len] = '\0';
	return 1;
}

/* A string YAML would read back as something else must be quoted. */
static bool looks_typed(const char *s)
{
	json_t *n;

	if (plain_is(s, nulls) || plain_is(s, trues) || plain_is(s, falses) || !strcmp(s, "yes") ||
	    !strcmp(s, "no") || !strcmp(s, "on") || !strcmp(s, "off") || !strcmp(s, "y") || !strcmp(s, "n"))
		return true;
	n = plain_number(s);
	if (n) {
		json_decref(n);
		return true;
	}
	return false;
}

static int emit(yaml_emitter_t *em, json_t *v, int depth)
{
	yaml_event_t ev;
	char num[64];

	if (depth > MAX_DEPTH)
		return -EINVAL;
	switch (json_typeof(v)) {
	case JSON_OBJECT: {
		const char *k;
		json_t *x;

		yaml_mapping_start_event_initialize(&ev, NULL, NULL, 1, YAML_BLOCK_MAPPING_STYLE);
		if (!yaml_emitter_emit(em, &ev))
			return -EINVAL;
		json_object_foreach(v, k, x)
		{
			yaml_scalar_style_t st = looks_typed(k) ? YAML_DOUBLE_QUOTED_SCALAR_STYLE : YAML_ANY_SCALAR_STYLE;

			yaml_scalar_event_initialize(&ev, NULL, NULL, (yaml_char_t *)k, (int)strlen(k), 1, 1, st);
			if (!yaml_emitter_emit(em, &ev) || emit(em, x, depth + 1))
				return -EINVAL;
		}
		yaml_mapping_end_event_initialize(&ev);
		return yaml_emitter_emit(em, &ev) ? 0 : -EINVAL;
	}
	case JSON_ARRAY: {
		size_t i;
		json_t *x;

		yaml_sequence_start_event_initialize(&ev, NULL, NULL, 1, YAML_BLOCK_SEQUENCE_STYLE);
		if (!yaml_emitter_emit(em, &ev))
			return -EINVAL;
		json_array_foreach(v, i, x)
		{
			if (emit(em, x, depth + 1))
				return -EINVAL;
		}
		yaml_sequence_end_event_initialize(&ev);
		return yaml_emitter_emit(em, &ev) ? 0 : -EINVAL;
	}
	case JSON_STRING: {
		const char *s = json_string_value(v);
		size_t n = json_string_length(v);
		yaml_scalar_style_t st = YAML_ANY_SCALAR_STYLE;

		if (memchr(s, '\n', n))
			st = YAML_LITERAL_SCALAR_STYLE;
		else if (looks_typed(s))
			st = YAML_DOUBLE_QUOTED_SCALAR_STYLE;
		yaml_scalar_event_initialize(&ev, NULL, NULL, (yaml_char_t *)s, (int)n, 1, 1, st);
		return yaml_emitter_emit(em, &ev) ? 0 : -EINVAL;
	}
	case JSON_INTEGER:
		snprintf(num, sizeof(num), "%" JSON_INTEGER_FORMAT, json_integer_value(v));
		break;
	case JSON_REAL:
		snprintf(num, sizeof(num), "%.17g", json_real_value(v));
		break;
	case JSON_TRUE:
		snprintf(num, sizeof(num), "true");
		break;
	case JSON_FALSE:
		snprintf(num, sizeof(num), "false");
		break;
	default:
		snprintf(num, sizeof(num), "null");
		break;
	}
	yaml_scalar_event_initialize(&ev, NULL, NULL, (yaml_char_t *)num, (int)strlen(num), 1, 1,
				     YAML_PLAIN_SCALAR_STYLE);
	return yaml_emitter_emit(em, &ev) ? 0 : -EINVAL;
}

int rp_manifest_json_to_yaml(json_t *v, char **out, size_t *len)
{
	yaml_emitter_t em;
	yaml_event_t ev;
	struct obuf o = { 0 };
	int rc = -EINVAL;

	if (!yaml_emitter_initialize(&em))
		return -ENOMEM;
	yaml_emitter_set_output(&em, write_cb, &o);
	yaml_emitter_set_unicode(&em, 1);
	yaml_emitter_set_width(&em, -1);
	yaml_emitter_set_indent(&em, 2);
	yaml_stream_start_event_initialize(&ev, YAML_UTF8_ENCODING);
	if (!yaml_emitter_emit(&em, &ev))
		goto out;
	yaml_document_start_event_initialize(&ev, NULL, NULL, NULL, 1);
	if (!yaml_emitter_emit(&em, &ev) || emit(&em, v, 0))
		goto out;
	yaml_document_end_event_initialize(&ev, 1);
	if (!yaml_emitter_emit(&em, &ev))
		goto out;
	yaml_stream_end_event_initialize(&ev);
	if (!yaml_emitter_emit(&em, &ev) || !yaml_emitter_flush(&em))
		goto out;
	rc = 0;
out:
	yaml_emitter_delete(&em);
	if (rc || o.oom) {
		free(o.p);
		return o.oom ? -ENOMEM : rc;
	}
	*out = o.p ? o.p : strdup("");
	*len = o.len;
	return *out ? 0 : -ENOMEM;
}
