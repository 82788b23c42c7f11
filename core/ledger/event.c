/*
 * Event types and their body schemas (docs/DESIGN.md section 5).
 *
 * Every type is a row of one table: its wire name, whether only the bureau
 * may write it, and its fields (name, kind, required). The checker walks a
 * body once against that table; nothing here is written per type except
 * the two cross-field rules on validity periods.
 */
#include <stdio.h>
#include <string.h>

#include "caltrace/ledger/event.h"
#include "caltrace/ledger/mp.h"
#include "caltrace/base/error.h"
#include "caltrace/base/utf8.h"
#include "event_internal.h"

static const char *const tier_choices[] = {"city", "district", "authorized", "enterprise", "inspector", NULL};
static const char *const level_choices[] = {"municipal", "district", "working", NULL};
static const char *const mode_choices[] = {"P", "V", "P+V", NULL};
static const char *const subject_kind_choices[] = {"instrument", "standard", NULL};
static const char *const cal_kind_choices[] = {"verification", "calibration", "comparison", NULL};
static const char *const result_choices[] = {"pass", "fail", "limited", NULL};
static const char *const as_found_choices[] = {"in", "out", "n/a", NULL};

/* clang-format off */
#define REQ(n, k) {n, CT__K_##k, true, NULL}
#define OPT(n, k) {n, CT__K_##k, false, NULL}
#define REQ_ENUM(n, c) {n, CT__K_ENUM, true, c}
#define OPT_ENUM(n, c) {n, CT__K_ENUM, false, c}

/* Each list sorted bytewise by name: the order of keys in a canonical map. */
static const ct__field genesis_fields[] = {
	REQ("districts", STR_LIST),
	REQ("name", STR),
	REQ("policy", POLICY),
};
static const ct__field org_admit_fields[] = {
	OPT("district", STR),
	REQ("key", BIN32),
	REQ("name", STR),
	REQ("scope", STR_LIST),
	REQ_ENUM("tier", tier_choices),
	REQ("valid_from", TIME),
	REQ("valid_until", TIME),
};
static const ct__field org_revoke_fields[] = {
	REQ("effective", TIME),
	REQ("key", BIN32),
	REQ("reason", STR),
};
static const ct__field person_certify_fields[] = {
	REQ("name", STR),
	REQ("person", ID),
	REQ("scope", STR_LIST),
	REQ("valid_until", TIME),
};
static const ct__field catalogue_set_fields[] = {
	REQ("domains", STR_LIST),
	REQ("effective", TIME),
	REQ("interval_days", UINT),
	REQ("item", ID),
	REQ_ENUM("mode", mode_choices),
	REQ("name", STR),
};
static const ct__field standard_register_fields[] = {
	REQ("category", STR),
	REQ("id", ID),
	REQ_ENUM("level", level_choices),
	REQ("name", STR),
	REQ("public", BOOL),
	OPT("range", STR),
	REQ("u", QUANTITY),
};
static const ct__field standard_approve_fields[] = {
	REQ("certificate", STR),
	REQ("id", ID),
	REQ("valid_from", TIME),
	REQ("valid_until", TIME),
};
static const ct__field standard_anchor_fields[] = {
	REQ("certificate", STR),
	OPT("document", BIN32),
	REQ("id", ID),
	REQ("performed_at", TIME),
	REQ("provider", STR),
	REQ("u", QUANTITY),
	REQ("valid_until", TIME),
};
static const ct__field standard_oot_fields[] = {
	REQ("id", ID),
	REQ("reason", STR),
	REQ("since", TIME),
};
static const ct__field instrument_register_fields[] = {
	OPT("catalogue", ID),
	REQ("category", STR),
	REQ("district", STR),
	OPT("domain", STR),
	REQ("id", ID),
	OPT("model", STR),
	REQ("mpe", QUANTITY),
	REQ("owner", STR),
	OPT("serial", STR),
};
static const ct__field instrument_retire_fields[] = {
	REQ("effective", TIME),
	REQ("id", ID),
};
static const ct__field calibration_fields[] = {
	OPT_ENUM("as_found", as_found_choices),
	REQ("certificate", STR),
	OPT("document", BIN32),
	REQ_ENUM("kind", cal_kind_choices),
	REQ("performed_at", TIME),
	REQ_ENUM("result", result_choices),
	REQ("standards", STDREFS),
	REQ("subject", ID),
	REQ_ENUM("subject_kind", subject_kind_choices),
	OPT("technician", ID),
	REQ("valid_until", TIME),
};
static const ct__field org_rekey_fields[] = {
	REQ("closed_at", UINT),
	REQ("effective", TIME),
	REQ("new_key", BIN32),
	REQ("old_key", BIN32),
	REQ("reason", STR),
};
static const ct__field org_compromised_fields[] = {
	REQ("cosigned_to", UINT),
	REQ("key", BIN32),
	REQ("reason", STR),
	REQ("since", TIME),
};
static const ct__field calibration_revoke_fields[] = {
	REQ("entry", BIN32),
	REQ("reason", STR),
};

struct type_row {
	const char *name;
	bool bureau_only;
	const ct__field *fields;
	size_t count;
	const char *start_field; /* valid_until must not precede it; NULL: no rule */
};

#define ROW(n, b, f, s) {n, b, f, sizeof(f) / sizeof(f[0]), s}

static const struct type_row type_rows[CT_EV__COUNT] = {
	[CT_EV_NETWORK_GENESIS] = ROW("network.genesis", true, genesis_fields, NULL),
	[CT_EV_ORG_ADMIT] = ROW("org.admit", true, org_admit_fields, "valid_from"),
	[CT_EV_ORG_REVOKE] = ROW("org.revoke", true, org_revoke_fields, NULL),
	[CT_EV_PERSON_CERTIFY] = ROW("person.certify", true, person_certify_fields, NULL),
	[CT_EV_CATALOGUE_SET] = ROW("catalogue.set", true, catalogue_set_fields, NULL),
	[CT_EV_STANDARD_REGISTER] = ROW("standard.register", false, standard_register_fields, NULL),
	[CT_EV_STANDARD_APPROVE] = ROW("standard.approve", true, standard_approve_fields, "valid_from"),
	[CT_EV_STANDARD_ANCHOR] = ROW("standard.anchor", true, standard_anchor_fields, "performed_at"),
	[CT_EV_STANDARD_OOT] = ROW("standard.out_of_tolerance", false, standard_oot_fields, NULL),
	[CT_EV_INSTRUMENT_REGISTER] = ROW("instrument.register", false, instrument_register_fields, NULL),
	[CT_EV_INSTRUMENT_RETIRE] = ROW("instrument.retire", false, instrument_retire_fields, NULL),
	[CT_EV_CALIBRATION] = ROW("calibration", false, calibration_fields, "performed_at"),
	[CT_EV_CALIBRATION_REVOKE] = ROW("calibration.revoke", false, calibration_revoke_fields, NULL),
	[CT_EV_ORG_REKEY] = ROW("org.rekey", true, org_rekey_fields, NULL),
	[CT_EV_ORG_COMPROMISED] = ROW("org.compromised", true, org_compromised_fields, NULL),
};
/* clang-format on */

/* One decoded field of a body: what the checker found, for the cross-field rules and the indexes. */
struct field_value {
	bool present;
	uint64_t num;	      /* UINT, TIME, BOOL */
	const uint8_t *bytes; /* STR, ID, ENUM, BIN32: into the body */
	size_t len;
};

static const struct type_row *row_of(ct_event_type t)
{
	if ((int)t <= CT_EV_UNKNOWN || (int)t >= CT_EV__COUNT)
		return NULL;
	return &type_rows[t];
}

/* Whether key[0..len) (any bytes) is name; reads name no further than its NUL (no strlen: hot). */
static bool key_is(const char *key, size_t len, const char *name)
{
	size_t i;

	for (i = 0; i < len; i++)
		if (name[i] == '\0' || name[i] != key[i])
			return false;
	return name[len] == '\0';
}

ct_event_type ct_event_type_of(const char *s, size_t len)
{
	int t;

	if (!s)
		return CT_EV_UNKNOWN;
	for (t = CT_EV_UNKNOWN + 1; t < CT_EV__COUNT; t++) {
		if (key_is(s, len, type_rows[t].name))
			return (ct_event_type)t;
	}
	return CT_EV_UNKNOWN;
}

const char *ct_event_type_name(ct_event_type t)
{
	const struct type_row *row = row_of(t);

	return row ? row->name : NULL;
}

bool ct_event_bureau_only(ct_event_type t)
{
	const struct type_row *row = row_of(t);

	return row ? row->bureau_only : false;
}

const ct__field *ct__event_fields(ct_event_type t, size_t *count)
{
	const struct type_row *row = row_of(t);

	*count = row ? row->count : 0;
	return row ? row->fields : NULL;
}

ct_field_kind ct_event_field_kind(ct_event_type t, const char *name)
{
	const ct__field *fields;
	size_t count, i;

	if (!(fields = ct__event_fields(t, &count)))
		return CT_FIELD_NONE;
	for (i = 0; i < count; i++) {
		if (strcmp(fields[i].name, name) != 0)
			continue;
		switch (fields[i].kind) {
		case CT__K_STR:
		case CT__K_ID:
		case CT__K_ENUM: return CT_FIELD_STR;
		case CT__K_UINT: return CT_FIELD_UINT;
		case CT__K_TIME: return CT_FIELD_TIME;
		case CT__K_BOOL: return CT_FIELD_BOOL;
		case CT__K_BIN32: return CT_FIELD_BIN32;
		case CT__K_STR_LIST: return CT_FIELD_STR_LIST;
		case CT__K_QUANTITY: return CT_FIELD_QUANTITY;
		case CT__K_POLICY: return CT_FIELD_POLICY;
		case CT__K_STDREFS: return CT_FIELD_STANDARDS;
		}
	}
	return CT_FIELD_NONE;
}

bool ct__decimal_valid(const char *s, size_t len)
{
	size_t i, digits = 0;
	bool dot = false;

	for (i = 0; i < len; i++) {
		if (s[i] >= '0' && s[i] <= '9') {
			digits++;
		} else if (s[i] == '.' && !dot && digits > 0) {
			dot = true;
			digits = 0; /* a digit must follow the dot too */
		} else {
			return false;
		}
	}
	return digits > 0;
}

/*
 * Copies a key read from untrusted bytes into out for an error message:
 * printable ASCII kept, anything else as '?', cut at size - 1 bytes.
 */
static const char *printable_key(char *out, size_t size, const char *key, size_t len)
{
	size_t i;

	for (i = 0; i < len && i + 1 < size; i++)
		out[i] = (key[i] >= 0x20 && key[i] < 0x7f) ? key[i] : '?';
	out[i] = '\0';
	return out;
}

/* Context for error messages while checking one field. */
struct check_ctx {
	const char *type;
	const char *field;
};

/* A kind mismatch: CT_ESCHEMA naming type and field. */
static int expected(const struct check_ctx *c, const char *what)
{
	return ct_error_set(CT_ESCHEMA, "%s: field '%s': expected %s", c->type, c->field, what);
}

/* A reader failure inside a field (truncated, non-canonical): passed up with context. */
static int read_failed(const struct check_ctx *c, int err)
{
	return ct_error_wrap(err, "%s: field '%s'", c->type, c->field);
}

/*
 * Reads the next value as a str of 1..max bytes of valid UTF-8; with
 * no_ctrl, also refuses C0 control characters and DEL.
 */
static int check_str(const struct check_ctx *c, ct_mp *r, size_t max, bool no_ctrl, const char **s,
		     size_t *len)
{
	size_t i;
	int err;

	if (ct_mp_peek(r) != CT_MP_STR)
		return expected(c, no_ctrl ? "an id (str)" : "a str");
	if ((err = ct_mp_read_str(r, s, len)) < 0)
		return read_failed(c, err);
	if (*len == 0)
		return expected(c, "a non-empty str");
	if (*len > max)
		return ct_error_set(CT_ESCHEMA, "%s: field '%s': %zu bytes, at most %zu allowed", c->type,
				 c->field, *len, max);
	if (!ct_utf8_valid(*s, *len))
		return expected(c, "valid UTF-8");
	for (i = 0; no_ctrl && i < *len; i++) {
		unsigned char ch = (unsigned char)(*s)[i];
		if (ch < 0x20 || ch == 0x7f)
			return ct_error_set(CT_ESCHEMA, "%s: field '%s': control character at byte %zu", c->type,
					 c->field, i);
	}
	return 0;
}

/* Reads the next value as a uint. */
static int check_uint(const struct check_ctx *c, ct_mp *r, uint64_t *v)
{
	int err;

	if (ct_mp_peek(r) != CT_MP_UINT)
		return expected(c, "a uint");
	if ((err = ct_mp_read_uint(r, v)) < 0)
		return read_failed(c, err);
	return 0;
}

/* Reads the next value as a bin of exactly 32 bytes. */
static int check_bin32(const struct check_ctx *c, ct_mp *r, const uint8_t **b)
{
	size_t len;
	int err;

	if (ct_mp_peek(r) != CT_MP_BIN)
		return expected(c, "bin 32");
	if ((err = ct_mp_read_bin(r, b, &len)) < 0)
		return read_failed(c, err);
	if (len != 32)
		return ct_error_set(CT_ESCHEMA, "%s: field '%s': expected bin 32, got bin %zu", c->type,
				 c->field, len);
	return 0;
}

/* Reads the next value as a map header (for the nested kinds). */
static int check_map(const struct check_ctx *c, ct_mp *r, uint32_t *count, const char *what)
{
	int err;

	if (ct_mp_peek(r) != CT_MP_MAP)
		return expected(c, what);
	if ((err = ct_mp_read_map(r, count)) < 0)
		return read_failed(c, err);
	return 0;
}

/* Reads the next value as an enum value: a str among choices. */
static int check_enum(const struct check_ctx *c, ct_mp *r, const char *const *choices, const char **s,
		      size_t *len)
{
	char list[256];
	size_t i, used = 0;
	int err;

	if (ct_mp_peek(r) == CT_MP_STR) {
		if ((err = ct_mp_read_str(r, s, len)) < 0)
			return read_failed(c, err);
		for (i = 0; choices[i]; i++)
			if (key_is(*s, *len, choices[i]))
				return 0;
	}
	list[0] = '\0';
	for (i = 0; choices[i] && used < sizeof(list); i++)
		used += (size_t)snprintf(list + used, sizeof(list) - used, "%s%s", i ? ", " : "", choices[i]);
	return ct_error_set(CT_ESCHEMA, "%s: field '%s': expected one of %s", c->type, c->field, list);
}

/* Reads the next value as an array of non-empty strs. */
static int check_str_list(const struct check_ctx *c, ct_mp *r)
{
	const char *s;
	uint32_t count, i;
	size_t len;
	int err;

	if (ct_mp_peek(r) != CT_MP_ARRAY)
		return expected(c, "an array of str");
	if ((err = ct_mp_read_array(r, &count)) < 0)
		return read_failed(c, err);
	for (i = 0; i < count; i++)
		if ((err = check_str(c, r, CT_STR_MAX, false, &s, &len)) < 0)
			return err;
	return 0;
}

/* Reads a nested map's key; refuses non-str keys. */
static int nested_key(const struct check_ctx *c, ct_mp *r, const char **key, size_t *len)
{
	int err;

	if (ct_mp_peek(r) != CT_MP_STR)
		return ct_error_set(CT_ESCHEMA, "%s: field '%s': map key is not a str", c->type, c->field);
	if ((err = ct_mp_read_str(r, key, len)) < 0)
		return read_failed(c, err);
	return 0;
}

/* A nested map holds a key it may not: CT_ESCHEMA naming it. */
static int unknown_nested(const struct check_ctx *c, const char *key, size_t len)
{
	char shown[64];

	return ct_error_set(CT_ESCHEMA, "%s: field '%s': unknown key '%s'", c->type, c->field,
			 printable_key(shown, sizeof(shown), key, len));
}

/* Reads a quantity: {rel_ppm: uint} or {abs: decimal str, unit: str}, exactly one form. */
static int check_quantity(const struct check_ctx *c, ct_mp *r)
{
	static const char forms[] = "{rel_ppm: uint} or {abs: decimal str, unit: str}";
	bool rel = false, abs = false, unit = false;
	const char *key, *s;
	size_t len, slen;
	uint32_t count, i;
	uint64_t v;
	int err;

	if ((err = check_map(c, r, &count, forms)) < 0)
		return err;
	for (i = 0; i < count; i++) {
		if ((err = nested_key(c, r, &key, &len)) < 0)
			return err;
		if (key_is(key, len, "rel_ppm") && !rel) {
			rel = true;
			err = check_uint(c, r, &v);
		} else if (key_is(key, len, "abs") && !abs) {
			abs = true;
			if ((err = check_str(c, r, CT_STR_MAX, false, &s, &slen)) == 0 &&
			    !ct__decimal_valid(s, slen))
				err = expected(c, "abs as a decimal str (digits, optionally one '.')");
		} else if (key_is(key, len, "unit") && !unit) {
			unit = true;
			err = check_str(c, r, CT_STR_MAX, false, &s, &slen);
		} else {
			err = unknown_nested(c, key, len);
		}
		if (err < 0)
			return err;
	}
	if (rel ? (abs || unit) : !(abs && unit))
		return expected(c, forms);
	return 0;
}

/* Reads a policy: {grace_days?: uint, min_ratio?: uint >= 1}. */
static int check_policy(const struct check_ctx *c, ct_mp *r)
{
	bool grace = false, ratio = false;
	const char *key;
	uint32_t count, i;
	size_t len;
	uint64_t v;
	int err;

	if ((err = check_map(c, r, &count, "a map {min_ratio?, grace_days?}")) < 0)
		return err;
	for (i = 0; i < count; i++) {
		if ((err = nested_key(c, r, &key, &len)) < 0)
			return err;
		if (key_is(key, len, "grace_days") && !grace) {
			grace = true;
			err = check_uint(c, r, &v);
		} else if (key_is(key, len, "min_ratio") && !ratio) {
			ratio = true;
			if ((err = check_uint(c, r, &v)) == 0 && v < 1)
				err = expected(c, "min_ratio at least 1");
		} else {
			err = unknown_nested(c, key, len);
		}
		if (err < 0)
			return err;
	}
	return 0;
}

/* Reads one standards element: {cal: bin32, id: ID}. */
static int check_stdref(const struct check_ctx *c, ct_mp *r)
{
	static const char form[] = "elements {cal: bin 32, id: str}";
	bool cal = false, id = false;
	const char *key, *s;
	const uint8_t *b;
	uint32_t count, i;
	size_t len;
	int err;

	if ((err = check_map(c, r, &count, form)) < 0)
		return err;
	for (i = 0; i < count; i++) {
		if ((err = nested_key(c, r, &key, &len)) < 0)
			return err;
		if (key_is(key, len, "cal") && !cal) {
			cal = true;
			err = check_bin32(c, r, &b);
		} else if (key_is(key, len, "id") && !id) {
			id = true;
			err = check_str(c, r, CT_ID_MAX, true, &s, &len);
		} else {
			err = unknown_nested(c, key, len);
		}
		if (err < 0)
			return err;
	}
	if (!cal || !id)
		return expected(c, form);
	return 0;
}

/* Reads a standards list: an array of at least one {cal, id}. */
static int check_stdrefs(const struct check_ctx *c, ct_mp *r)
{
	uint32_t count, i;
	int err;

	if (ct_mp_peek(r) != CT_MP_ARRAY)
		return expected(c, "an array of {cal, id}");
	if ((err = ct_mp_read_array(r, &count)) < 0)
		return read_failed(c, err);
	if (count == 0)
		return expected(c, "at least one standard");
	for (i = 0; i < count; i++)
		if ((err = check_stdref(c, r)) < 0)
			return err;
	return 0;
}

/* Reads and checks one field's value against its kind, recording it in *val. */
static int check_value(const struct check_ctx *c, const ct__field *f, ct_mp *r, struct field_value *val)
{
	const char *s = NULL;
	bool b;
	int err;

	switch (f->kind) {
	case CT__K_STR:
		err = check_str(c, r, CT_STR_MAX, false, &s, &val->len);
		break;
	case CT__K_ID:
		err = check_str(c, r, CT_ID_MAX, true, &s, &val->len);
		break;
	case CT__K_ENUM:
		err = check_enum(c, r, f->choices, &s, &val->len);
		break;
	case CT__K_UINT:
		err = check_uint(c, r, &val->num);
		break;
	case CT__K_TIME:
		if ((err = check_uint(c, r, &val->num)) == 0 && val->num > CT_TIME_MAX)
			err = expected(c, "a time before year 10000");
		break;
	case CT__K_BOOL:
		if (ct_mp_peek(r) != CT_MP_BOOL)
			return expected(c, "a bool");
		if ((err = ct_mp_read_bool(r, &b)) < 0)
			return read_failed(c, err);
		val->num = b;
		break;
	case CT__K_BIN32:
		err = check_bin32(c, r, &val->bytes);
		break;
	case CT__K_STR_LIST:
		err = check_str_list(c, r);
		break;
	case CT__K_QUANTITY:
		err = check_quantity(c, r);
		break;
	case CT__K_POLICY:
		err = check_policy(c, r);
		break;
	case CT__K_STDREFS:
		err = check_stdrefs(c, r);
		break;
	default:
		err = expected(c, "a known kind");
		break;
	}
	if (s)
		val->bytes = (const uint8_t *)s;
	return err;
}

/* Index of the field named key[0..len) in row, or -1. */
static int field_index(const struct type_row *row, const char *key, size_t len)
{
	size_t i;

	for (i = 0; i < row->count; i++)
		if (key_is(key, len, row->fields[i].name))
			return (int)i;
	return -1;
}

/* The value of the field named name in vals, or NULL when the type has no such field. */
static const struct field_value *value_of(const struct type_row *row, const struct field_value *vals,
					  const char *name)
{
	for (size_t i = 0; i < row->count; i++)
		if (strcmp(row->fields[i].name, name) == 0)
			return &vals[i];
	return NULL;
}

/* Checks required fields and the validity-period rule once every field was read. */
static int check_complete(const struct type_row *row, const struct field_value *vals)
{
	const struct field_value *start, *until;
	size_t i;

	for (i = 0; i < row->count; i++)
		if (row->fields[i].required && !vals[i].present)
			return ct_error_set(CT_ESCHEMA, "%s: field '%s': missing", row->name,
					 row->fields[i].name);
	start = value_of(row, vals, "old_key");
	until = value_of(row, vals, "new_key");
	if (start && until && memcmp(start->bytes, until->bytes, 32) == 0)
		return ct_error_set(CT_ESCHEMA, "%s: field 'new_key': the same key as old_key", row->name);
	if (!row->start_field)
		return 0;
	start = value_of(row, vals, row->start_field);
	until = value_of(row, vals, "valid_until");
	if (start && until && until->num < start->num)
		return ct_error_set(CT_ESCHEMA, "%s: field 'valid_until': before %s", row->name,
				 row->start_field);
	return 0;
}

/*
 * Walks a body of type t against the schema, filling vals (one per field
 * of the row, in row order). Robust to any bytes.
 */
static int parse_body(const struct type_row **rowp, struct field_value vals[CT_FIELDS_MAX], ct_event_type t,
		      const uint8_t *body, size_t len)
{
	const struct type_row *row = row_of(t);
	struct check_ctx ctx;
	ct_mp r = ct_mp_over(body, len);
	const char *key;
	char shown[64];
	uint32_t count, i;
	size_t klen;
	int err, idx;

	if (!row)
		return ct_error_set(CT_ESCHEMA, "unknown event type %d", (int)t);
	*rowp = row;
	memset(vals, 0, CT_FIELDS_MAX * sizeof(vals[0]));
	if (!body || ct_mp_peek(&r) != CT_MP_MAP)
		return ct_error_set(CT_ESCHEMA, "%s: body is not a map", row->name);
	if ((err = ct_mp_read_map(&r, &count)) < 0)
		return ct_error_wrap(err, "%s: body", row->name);
	for (i = 0; i < count; i++) {
		if (ct_mp_peek(&r) != CT_MP_STR)
			return ct_error_set(CT_ESCHEMA, "%s: key %u is not a str", row->name, i);
		if ((err = ct_mp_read_str(&r, &key, &klen)) < 0)
			return ct_error_wrap(err, "%s: key %u", row->name, i);
		if ((idx = field_index(row, key, klen)) < 0)
			return ct_error_set(CT_ESCHEMA, "%s: unknown field '%s'", row->name,
					 printable_key(shown, sizeof(shown), key, klen));
		if (vals[idx].present)
			return ct_error_set(CT_ESCHEMA, "%s: field '%s': duplicate", row->name,
					 row->fields[idx].name);
		ctx.type = row->name;
		ctx.field = row->fields[idx].name;
		if ((err = check_value(&ctx, &row->fields[idx], &r, &vals[idx])) < 0)
			return err;
		vals[idx].present = true;
	}
	if (r.p != r.end)
		return ct_error_set(CT_ESCHEMA, "%s: %zu bytes after the body", row->name,
				 (size_t)(r.end - r.p));
	return check_complete(row, vals);
}

int ct_event_check(ct_event_type t, const uint8_t *body, size_t len)
{
	struct field_value vals[CT_FIELDS_MAX];
	const struct type_row *row;

	return parse_body(&row, vals, t, body, len);
}

/* The first present field among names (NULL-terminated), or NULL. */
static const struct field_value *first_present(const struct type_row *row, const struct field_value *vals,
					       const char *const *names)
{
	const struct field_value *v;

	for (; *names; names++)
		if ((v = value_of(row, vals, *names)) && v->present)
			return v;
	return NULL;
}

int ct_event_keys_of(ct_event_keys *out, ct_event_type t, const uint8_t *body, size_t len)
{
	static const char *const id_fields[] = {"id", "subject", "person", "item", NULL};
	static const char *const key_fields[] = {"key", "entry", "old_key", NULL};
	static const char *const key2_fields[] = {"new_key", NULL};
	static const char *const time_fields[] = {"performed_at", "effective", "since", "valid_from", NULL};
	static const char *const until_fields[] = {"valid_until", NULL};
	static const char *const kind_fields[] = {"subject_kind", NULL};
	struct field_value vals[CT_FIELDS_MAX];
	const struct field_value *v;
	const struct type_row *row;
	int err;

	memset(out, 0, sizeof(*out));
	if ((err = parse_body(&row, vals, t, body, len)) < 0)
		return err;
	if ((v = first_present(row, vals, id_fields))) {
		out->id = (const char *)v->bytes;
		out->id_len = v->len;
	}
	if ((v = first_present(row, vals, key_fields)))
		out->key = v->bytes;
	if ((v = first_present(row, vals, key2_fields)))
		out->key2 = v->bytes;
	if ((v = first_present(row, vals, time_fields)))
		out->time = v->num;
	if ((v = first_present(row, vals, until_fields)))
		out->until = v->num;
	if ((v = first_present(row, vals, kind_fields)))
		out->subject_is_standard = key_is((const char *)v->bytes, v->len, "standard");
	return 0;
}
