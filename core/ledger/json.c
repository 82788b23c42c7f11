/*
 * Event bodies to and from JSON, driven by the schema table of event.c.
 *
 * from_json only converts JSON kinds to msgpack kinds; every rule of the
 * schema (lengths, enum values, quantity forms, cross-field rules) is left
 * to ct_event_check, run on the result, so there is one place that decides.
 */
#include <stdio.h>
#include <limits.h>
#include <string.h>

#include "caltrace/ledger/json.h"
#include "caltrace/ledger/mp.h"
#include "caltrace/base/error.h"
#include "caltrace/base/time.h"
#include "event_internal.h"

/* How the value of a key of a nested map (quantity, policy, standards element) is written. */
typedef enum nested_kind { N_UINT, N_STR, N_HEX32 } nested_kind;

typedef struct nested_key {
	const char *name;
	nested_kind kind;
} nested_key;

/* Each sorted bytewise, as the keys of a canonical map. */
static const nested_key quantity_keys[] = {{"abs", N_STR}, {"rel_ppm", N_UINT}, {"unit", N_STR}, {NULL, 0}};
static const nested_key policy_keys[] = {{"grace_days", N_UINT}, {"min_ratio", N_UINT}, {NULL, 0}};
static const nested_key stdref_keys[] = {{"cal", N_HEX32}, {"id", N_STR}, {NULL, 0}};

/* The keys of a nested kind's map. */
static const nested_key *nested_keys_of(ct__kind kind)
{
	switch (kind) {
	case CT__K_QUANTITY:
		return quantity_keys;
	case CT__K_POLICY:
		return policy_keys;
	case CT__K_STDREFS:
		return stdref_keys;
	default:
		return NULL;
	}
}

/* The nested key named key[0..len) in keys, or NULL. */
static const nested_key *find_nested(const nested_key *keys, const char *key, size_t len)
{
	for (; keys->name; keys++)
		if (strlen(keys->name) == len && memcmp(keys->name, key, len) == 0)
			return keys;
	return NULL;
}

/* The schema field named key[0..len), or NULL. */
static const ct__field *find_field(const ct__field *schema, size_t count, const char *key, size_t len)
{
	size_t i;

	for (i = 0; i < count; i++)
		if (strlen(schema[i].name) == len && memcmp(schema[i].name, key, len) == 0)
			return &schema[i];
	return NULL;
}

/* Names the type and field being converted, for error messages. */
struct json_ctx {
	const char *type;
	const char *field;
};

/* A JSON value of the wrong kind: CT_ESCHEMA naming type and field. */
static int json_expected(const struct json_ctx *c, const char *what)
{
	return ct_error_set(CT_ESCHEMA, "%s: field '%s': expected %s", c->type, c->field, what);
}

/* Writes a JSON string as a str. */
static int put_json_str(ct_buf *out, const struct json_ctx *c, const json_t *v, const char *what)
{
	if (!json_is_string(v))
		return json_expected(c, what);
	return ct_mp_put_str(out, json_string_value(v), json_string_length(v));
}

/* Writes a non-negative JSON integer as a uint. */
static int put_json_uint(ct_buf *out, const struct json_ctx *c, const json_t *v, const char *what)
{
	if (!json_is_integer(v) || json_integer_value(v) < 0)
		return json_expected(c, what);
	return ct_mp_put_uint(out, (uint64_t)json_integer_value(v));
}

/* Writes 64 hex digits as a bin 32. */
static int put_json_hex32(ct_buf *out, const struct json_ctx *c, const json_t *v)
{
	uint8_t bytes[32];

	if (!json_is_string(v) || json_string_length(v) != 64 ||
	    ct_unhex(bytes, 32, json_string_value(v)) < 0)
		return json_expected(c, "64 hex digits");
	return ct_mp_put_bin(out, bytes, sizeof(bytes));
}

/* Writes an ISO-8601 string or integer ms as a uint. */
static int put_json_time(ct_buf *out, const struct json_ctx *c, const json_t *v)
{
	uint64_t ms;

	if (json_is_integer(v))
		return put_json_uint(out, c, v, "a time (ISO-8601 or integer ms)");
	if (!json_is_string(v) || ct_time_parse(&ms, json_string_value(v)) < 0)
		return json_expected(c, "a time (YYYY-MM-DD, YYYY-MM-DDTHH:MM[:SS[.mmm]]Z or integer ms)");
	return ct_mp_put_uint(out, ms);
}

/* Writes a JSON object as a map of the nested keys it holds; unknown keys refused. */
static int put_json_nested(ct_buf *out, const struct json_ctx *c, const nested_key *keys, const json_t *obj)
{
	const char *key;
	json_t *v;
	void *it;
	uint32_t present = 0;
	size_t i;
	int err;

	if (!json_is_object(obj))
		return json_expected(c, "a JSON object");
	for (it = json_object_iter((json_t *)obj); it; it = json_object_iter_next((json_t *)obj, it)) {
		key = json_object_iter_key(it);
		if (!find_nested(keys, key, strlen(key)))
			return ct_error_set(CT_ESCHEMA, "%s: field '%s': unknown key '%.64s'", c->type, c->field,
					 key);
		present++;
	}
	if ((err = ct_mp_put_map(out, present)) < 0)
		return err;
	for (i = 0; keys[i].name; i++) {
		if (!(v = json_object_get(obj, keys[i].name)))
			continue;
		if ((err = ct_mp_put_cstr(out, keys[i].name)) < 0)
			return err;
		if (keys[i].kind == N_UINT)
			err = put_json_uint(out, c, v, "a uint in the nested map");
		else if (keys[i].kind == N_STR)
			err = put_json_str(out, c, v, "a string in the nested map");
		else
			err = put_json_hex32(out, c, v);
		if (err < 0)
			return err;
	}
	return 0;
}

/* Writes a JSON array: of strings (STR_LIST) or of {cal, id} objects (STDREFS). */
static int put_json_array(ct_buf *out, const struct json_ctx *c, ct__kind kind, const json_t *arr)
{
	size_t i;
	int err;

	if (!json_is_array(arr) || json_array_size(arr) > UINT32_MAX)
		return json_expected(c, "a JSON array");
	if ((err = ct_mp_put_array(out, (uint32_t)json_array_size(arr))) < 0)
		return err;
	for (i = 0; i < json_array_size(arr); i++) {
		const json_t *v = json_array_get(arr, i);
		if (kind == CT__K_STDREFS)
			err = put_json_nested(out, c, stdref_keys, v);
		else
			err = put_json_str(out, c, v, "an array of strings");
		if (err < 0)
			return err;
	}
	return 0;
}

/* Converts one field's JSON value to msgpack by the field's kind. */
static int put_json_value(ct_buf *out, const struct json_ctx *c, const ct__field *f, const json_t *v)
{
	switch (f->kind) {
	case CT__K_STR:
	case CT__K_ID:
	case CT__K_ENUM:
		return put_json_str(out, c, v, "a string");
	case CT__K_UINT:
		return put_json_uint(out, c, v, "a non-negative integer");
	case CT__K_TIME:
		return put_json_time(out, c, v);
	case CT__K_BOOL:
		if (!json_is_boolean(v))
			return json_expected(c, "true or false");
		return ct_mp_put_bool(out, json_is_true(v));
	case CT__K_BIN32:
		return put_json_hex32(out, c, v);
	case CT__K_STR_LIST:
	case CT__K_STDREFS:
		return put_json_array(out, c, f->kind, v);
	case CT__K_QUANTITY:
	case CT__K_POLICY:
		return put_json_nested(out, c, nested_keys_of(f->kind), v);
	}
	return json_expected(c, "a known kind");
}

int ct_body_from_json(ct_buf *out, ct_event_type t, const json_t *fields)
{
	const ct__field *schema;
	struct json_ctx ctx;
	size_t start = out->len, count, i;
	uint32_t present = 0;
	const char *key;
	json_t *v;
	void *it;
	int err = 0;

	ctx.type = ct_event_type_name(t);
	if (!(schema = ct__event_fields(t, &count)))
		return ct_error_set(CT_ESCHEMA, "unknown event type %d", (int)t);
	if (!json_is_object(fields))
		return ct_error_set(CT_ESCHEMA, "%s: the body is not a JSON object", ctx.type);
	for (it = json_object_iter((json_t *)fields); it; it = json_object_iter_next((json_t *)fields, it)) {
		key = json_object_iter_key(it);
		if (!find_field(schema, count, key, strlen(key)))
			return ct_error_set(CT_ESCHEMA, "%s: unknown field '%.64s'", ctx.type, key);
		present++;
	}
	if ((err = ct_mp_put_map(out, present)) < 0)
		goto done;
	for (i = 0; i < count; i++) {
		if (!(v = json_object_get(fields, schema[i].name)))
			continue;
		ctx.field = schema[i].name;
		if ((err = ct_mp_put_cstr(out, schema[i].name)) < 0 ||
		    (err = put_json_value(out, &ctx, &schema[i], v)) < 0)
			goto done;
	}
	err = ct_event_check(t, out->ptr + start, out->len - start);
done:
	if (err < 0)
		out->len = start;
	return err;
}

/* Reads a str as a JSON string (NULL from jansson only when out of memory: the str was checked UTF-8). */
static int get_str(json_t **out, ct_mp *r)
{
	const char *s;
	size_t len;
	int err;

	if ((err = ct_mp_read_str(r, &s, &len)) < 0)
		return err;
	return (*out = json_stringn(s, len)) ? 0 : ct_error_set(CT_ENOMEM, "out of memory building JSON");
}

/* Reads a uint as a JSON integer; refuses one JSON cannot hold. */
static int get_uint(json_t **out, ct_mp *r, const char *type, const char *field)
{
	uint64_t v;
	int err;

	if ((err = ct_mp_read_uint(r, &v)) < 0)
		return err;
	if (v > (uint64_t)LLONG_MAX)
		return ct_error_set(CT_ESCHEMA, "%s: field '%s': %llu is too large for JSON", type, field,
				 (unsigned long long)v);
	return (*out = json_integer((json_int_t)v)) ? 0 : ct_error_set(CT_ENOMEM, "out of memory building JSON");
}

/* Reads a bin as a JSON string of hex digits. */
static int get_hex(json_t **out, ct_mp *r)
{
	char hex[2 * 32 + 1];
	const uint8_t *b;
	size_t len;
	int err;

	if ((err = ct_mp_read_bin(r, &b, &len)) < 0)
		return err;
	if (len != 32)
		return ct_error_set(CT_ESCHEMA, "bin of %zu bytes where 32 were expected", len);
	ct_hex(hex, b, len);
	return (*out = json_string(hex)) ? 0 : ct_error_set(CT_ENOMEM, "out of memory building JSON");
}

/* Reads a nested map (quantity, policy, standards element) into a JSON object. */
static int get_nested(json_t **out, ct_mp *r, const nested_key *keys, const char *type, const char *field)
{
	json_t *obj = json_object(), *v = NULL;
	const nested_key *nk;
	const char *key;
	uint32_t count, i;
	size_t len;
	int err;

	if (!obj)
		return ct_error_set(CT_ENOMEM, "out of memory building JSON");
	if ((err = ct_mp_read_map(r, &count)) < 0)
		goto done;
	for (i = 0; i < count; i++) {
		if ((err = ct_mp_read_str(r, &key, &len)) < 0)
			goto done;
		if (!(nk = find_nested(keys, key, len))) {
			err = ct_error_set(CT_ESCHEMA, "%s: field '%s': unknown key", type, field);
			goto done;
		}
		if (nk->kind == N_UINT)
			err = get_uint(&v, r, type, field);
		else if (nk->kind == N_STR)
			err = get_str(&v, r);
		else
			err = get_hex(&v, r);
		if (err < 0)
			goto done;
		if (json_object_set_new(obj, nk->name, v) < 0) { /* v is stolen either way */
			err = ct_error_set(CT_ENOMEM, "out of memory building JSON");
			goto done;
		}
	}
done:
	if (err < 0)
		json_decref(obj);
	else
		*out = obj;
	return err;
}

/* Reads an array (strs or standards elements) into a JSON array. */
static int get_array(json_t **out, ct_mp *r, ct__kind kind, const char *type, const char *field)
{
	json_t *arr = json_array(), *v;
	uint32_t count, i;
	int err;

	if (!arr)
		return ct_error_set(CT_ENOMEM, "out of memory building JSON");
	if ((err = ct_mp_read_array(r, &count)) < 0)
		goto done;
	for (i = 0; i < count; i++) {
		if (kind == CT__K_STDREFS)
			err = get_nested(&v, r, stdref_keys, type, field);
		else
			err = get_str(&v, r);
		if (err < 0)
			goto done;
		if (json_array_append_new(arr, v) < 0) {
			err = ct_error_set(CT_ENOMEM, "out of memory building JSON");
			goto done;
		}
	}
done:
	if (err < 0)
		json_decref(arr);
	else
		*out = arr;
	return err;
}

/* Reads one field's value into a JSON value by the field's kind. */
static int get_value(json_t **out, ct_mp *r, const ct__field *f, const char *type)
{
	char when[32];
	uint64_t ms;
	bool b;
	int err;

	switch (f->kind) {
	case CT__K_STR:
	case CT__K_ID:
	case CT__K_ENUM:
		return get_str(out, r);
	case CT__K_UINT:
		return get_uint(out, r, type, f->name);
	case CT__K_TIME:
		if ((err = ct_mp_read_uint(r, &ms)) < 0)
			return err;
		ct_time_format(when, sizeof(when), ms);
		return (*out = json_string(when)) ? 0 : ct_error_set(CT_ENOMEM, "out of memory building JSON");
	case CT__K_BOOL:
		if ((err = ct_mp_read_bool(r, &b)) < 0)
			return err;
		return (*out = json_boolean(b)) ? 0 : ct_error_set(CT_ENOMEM, "out of memory building JSON");
	case CT__K_BIN32:
		return get_hex(out, r);
	case CT__K_STR_LIST:
	case CT__K_STDREFS:
		return get_array(out, r, f->kind, type, f->name);
	case CT__K_QUANTITY:
	case CT__K_POLICY:
		return get_nested(out, r, nested_keys_of(f->kind), type, f->name);
	}
	return ct_error_set(CT_ESCHEMA, "%s: field '%s': unknown kind", type, f->name);
}

int ct_body_to_json(json_t **out, ct_event_type t, const uint8_t *body, size_t len)
{
	const ct__field *schema, *f;
	json_t *obj = NULL, *v;
	ct_mp r = ct_mp_over(body, len);
	const char *key, *type = ct_event_type_name(t);
	uint32_t fields, i;
	size_t count, klen;
	int err;

	*out = NULL;
	if ((err = ct_event_check(t, body, len)) < 0)
		return err;
	schema = ct__event_fields(t, &count);
	if (!(obj = json_object()))
		return ct_error_set(CT_ENOMEM, "out of memory building JSON");
	if ((err = ct_mp_read_map(&r, &fields)) < 0)
		goto done;
	for (i = 0; i < fields; i++) {
		if ((err = ct_mp_read_str(&r, &key, &klen)) < 0)
			goto done;
		/* ct_event_check has vouched that every key is in the schema */
		if (!(f = find_field(schema, count, key, klen))) {
			err = ct_error_set(CT_ESCHEMA, "%s: unknown field", type);
			goto done;
		}
		if ((err = get_value(&v, &r, f, type)) < 0)
			goto done;
		if (json_object_set_new(obj, f->name, v) < 0) {
			err = ct_error_set(CT_ENOMEM, "out of memory building JSON");
			goto done;
		}
	}
	*out = obj;
	obj = NULL;
done:
	json_decref(obj);
	return err;
}

static json_t *entry_hex(const uint8_t *bytes, size_t n)
{
	char hex[2 * 64 + 1];

	ct_hex(hex, bytes, n);
	return json_string(hex);
}

int ct_entry_to_json(json_t **out, const ct_entry *e)
{
	uint8_t hash[CT_HASH_BYTES];
	char when[40], type[CT_TYPE_MAX + 1];
	ct_event_type t = ct_event_type_of(e->type, e->type_len);
	json_t *o = json_object(), *body = NULL;

	if (!o)
		return ct_error_set(CT_ENOMEM, "out of memory writing an entry as JSON");
	ct_entry_hash(hash, e->raw, e->raw_len);
	ct_time_format(when, sizeof(when), e->time);
	snprintf(type, sizeof(type), "%.*s", (int)e->type_len, e->type);
	json_object_set_new(o, "hash", entry_hex(hash, CT_HASH_BYTES));
	json_object_set_new(o, "version", json_integer((json_int_t)e->version));
	json_object_set_new(o, "author", entry_hex(e->author, CT_KEY_BYTES));
	json_object_set_new(o, "seq", json_integer((json_int_t)e->seq));
	json_object_set_new(o, "prev", e->has_prev ? entry_hex(e->prev, CT_HASH_BYTES) : json_null());
	json_object_set_new(o, "time", json_string(when));
	json_object_set_new(o, "type", json_string(type));
	if (t == CT_EV_UNKNOWN || ct_body_to_json(&body, t, e->body, e->body_len) < 0)
		body = json_null();
	json_object_set_new(o, "body", body);
	json_object_set_new(o, "sig", entry_hex(e->sig, CT_SIG_BYTES));
	*out = o;
	return 0;
}
