/*
 * state.c - keys.json and the rules that move keys through their timeline.
 *
 * keys.json is written only by this module, so it is read strictly: a file
 * that is not exactly what we write (an unknown or missing member, a wrong
 * type, a duplicate kid, an impossible timeline) is refused whole, never
 * half-used and never "repaired" by generating keys over it.
 *
 *   {"version": 1,
 *    "keys": [{"kid": "...", "alg": "ES256", "created": 1764000000,
 *              "activate_at": 1764000000, "retire_at": null}, ...]}
 *
 * The rules (kr_rules_apply) are a pure function of the state, the policy
 * and now, so every process that applies them to the same keys.json at the
 * same time reaches the same result, and a dry run tells a tick whether it
 * needs the exclusive lock at all.
 */
#include <stdio.h>
#include <string.h>

#include "keyring_int.h"

#define STATE_VERSION 1

/* ------------------------------------------------------------------------
 * Parsing
 * --------------------------------------------------------------------- */

static bool
alg_signable(enum jet_jws_alg alg)
{
	return alg == JET_JWS_ES256 || alg == JET_JWS_ES384 || alg == JET_JWS_EDDSA ||
		alg == JET_JWS_RS256 || alg == JET_JWS_PS256;
}

/* A time member: an integer in [0, JET_KEYRING_TIME_MAX]. */
static bool
get_time(const json_t *obj, const char *name, int64_t *out)
{
	const json_t *v = json_object_get(obj, name);
	json_int_t t;

	if (!json_is_integer(v))
		return false;
	t = json_integer_value(v);
	if (t < 0 || t > JET_KEYRING_TIME_MAX)
		return false;
	*out = (int64_t)t;
	return true;
}

static int
parse_rec(const json_t *o, struct kr_rec *r, char *err, size_t errlen)
{
	const json_t *kid, *alg, *ret;
	const char *s;

	if (!json_is_object(o) || json_object_size(o) != 5) {
		kr_err(err, errlen, "keys.json: a key entry is not an object of 5 members");
		return JET_EINVAL;
	}
	kid = json_object_get(o, "kid");
	alg = json_object_get(o, "alg");
	ret = json_object_get(o, "retire_at");
	if (!json_is_string(kid) || !json_is_string(alg) || ret == NULL ||
		!get_time(o, "created", &r->created) ||
		!get_time(o, "activate_at", &r->activate_at)) {
		kr_err(err, errlen, "keys.json: a key entry has a missing or mistyped member");
		return JET_EINVAL;
	}
	s = json_string_value(kid);
	/* A kid names a file: no leading dot, so never "." "..", a hidden
	 * file or one of our temporary files. */
	if (!jet_jwk_kid_valid(s, json_string_length(kid)) || s[0] == '.') {
		kr_err(err, errlen, "keys.json: invalid kid");
		return JET_EINVAL;
	}
	memcpy(r->kid, s, json_string_length(kid) + 1);
	r->alg = jet_jws_alg_parse(json_string_value(alg), json_string_length(alg));
	if (!alg_signable(r->alg)) {
		kr_err(err, errlen, "keys.json: key %s: unsupported alg", r->kid);
		return JET_EINVAL;
	}
	if (json_is_null(ret)) {
		r->retire_at = 0;
	} else if (!get_time(o, "retire_at", &r->retire_at) ||
		r->retire_at < r->activate_at) {
		kr_err(err, errlen, "keys.json: key %s: invalid retire_at", r->kid);
		return JET_EINVAL;
	}
	if (r->activate_at < r->created) {
		kr_err(err, errlen, "keys.json: key %s: activate_at before created", r->kid);
		return JET_EINVAL;
	}
	return JET_OK;
}

int
kr_state_parse(const char *buf, size_t len, struct kr_state *st, char *err, size_t errlen)
{
	char why[96];
	json_t *root, *keys, *ver;
	size_t i;
	int rc = JET_EINVAL;

	memset(st, 0, sizeof(*st));
	root = jet_json_parse(buf, len, JET_KEYRING_STATE_MAX, KR_STATE_DEPTH, true, why,
		sizeof(why));
	if (root == NULL) {
		kr_err(err, errlen, "keys.json: %s", why);
		return JET_EINVAL;
	}
	ver = json_object_get(root, "version");
	keys = json_object_get(root, "keys");
	if (!json_is_object(root) || json_object_size(root) != 2 || !json_is_integer(ver) ||
		!json_is_array(keys)) {
		kr_err(err, errlen, "keys.json: not a keyring state document");
		goto fail;
	}
	if (json_integer_value(ver) != STATE_VERSION) {
		kr_err(err, errlen, "keys.json: unsupported version");
		goto fail;
	}
	if (json_array_size(keys) == 0) {
		kr_err(err, errlen, "keys.json: lists no key");
		goto fail;
	}
	if (json_array_size(keys) > JET_KEYRING_MAX_KEYS) {
		kr_err(err, errlen, "keys.json: more than %d keys", JET_KEYRING_MAX_KEYS);
		rc = JET_ETOOBIG;
		goto fail;
	}
	for (i = 0; i < json_array_size(keys); i++) {
		struct kr_rec r;

		rc = parse_rec(json_array_get(keys, i), &r, err, errlen);
		if (rc != JET_OK)
			goto fail;
		if (kr_state_find(st, r.kid) >= 0) {
			kr_err(err, errlen, "keys.json: duplicate kid %s", r.kid);
			rc = JET_EINVAL;
			goto fail;
		}
		rc = kr_state_add(st, &r);
		if (rc != JET_OK)
			goto fail;
	}
	json_decref(root);
	return JET_OK;
fail:
	json_decref(root);
	memset(st, 0, sizeof(*st));
	return rc;
}

/* ------------------------------------------------------------------------
 * Serialising
 * --------------------------------------------------------------------- */

int
kr_state_dump(const struct kr_state *st, struct jet_buf *out)
{
	int rc;

	rc = jet_buf_printf(out, "{\n  \"version\": %d,\n  \"keys\": [", STATE_VERSION);
	for (size_t i = 0; rc == JET_OK && i < st->n; i++) {
		const struct kr_rec *r = &st->recs[i];

		/* kid and alg are from a restricted alphabet: no escaping needed. */
		rc = jet_buf_printf(out,
			"%s\n    {\"kid\": \"%s\", \"alg\": \"%s\", \"created\": %lld, "
			"\"activate_at\": %lld, \"retire_at\": ",
			i ? "," : "", r->kid, jet_jws_alg_name(r->alg), (long long)r->created,
			(long long)r->activate_at);
		if (rc == JET_OK && r->retire_at != 0)
			rc = jet_buf_printf(out, "%lld}", (long long)r->retire_at);
		else if (rc == JET_OK)
			rc = jet_buf_append_str(out, "null}");
	}
	if (rc == JET_OK)
		rc = jet_buf_append_str(out, "\n  ]\n}\n");
	return rc;
}

/* ------------------------------------------------------------------------
 * Editing
 * --------------------------------------------------------------------- */

int
kr_state_find(const struct kr_state *st, const char *kid)
{
	for (size_t i = 0; i < st->n; i++) {
		if (strcmp(st->recs[i].kid, kid) == 0)
			return (int)i;
	}
	return -1;
}

void
kr_state_remove(struct kr_state *st, size_t i)
{
	if (i >= st->n)
		return;
	memmove(&st->recs[i], &st->recs[i + 1], (st->n - i - 1) * sizeof(st->recs[0]));
	st->n--;
}

int
kr_state_add(struct kr_state *st, const struct kr_rec *rec)
{
	size_t i;

	if (st->n >= JET_KEYRING_MAX_KEYS)
		return JET_ETOOBIG;
	/* Insertion after every entry that activates no later: stable. */
	for (i = st->n; i > 0 && st->recs[i - 1].activate_at > rec->activate_at; i--)
		;
	memmove(&st->recs[i + 1], &st->recs[i], (st->n - i) * sizeof(st->recs[0]));
	st->recs[i] = *rec;
	st->n++;
	return JET_OK;
}

int
kr_state_signing(const struct kr_state *st, int64_t now)
{
	int sig = -1;

	for (size_t i = 0; i < st->n && st->recs[i].activate_at <= now; i++)
		sig = (int)i;
	return sig;
}

enum jet_jws_alg
kr_new_alg(const struct kr_state *st, const struct jet_keyring_policy *pol, int64_t now)
{
	int sig;

	if (pol->alg != JET_JWS_UNKNOWN)
		return pol->alg;
	sig = kr_state_signing(st, now);
	if (sig >= 0)
		return st->recs[sig].alg;
	if (st->n > 0)
		return st->recs[st->n - 1].alg;
	return JET_JWS_ES256;
}

/* ------------------------------------------------------------------------
 * The rules
 * --------------------------------------------------------------------- */

static void
remove_at(struct kr_state *st, size_t i, struct kr_removed *rm)
{
	if (rm->n < JET_ARRAY_LEN(rm->kid))
		memcpy(rm->kid[rm->n++], st->recs[i].kid, sizeof(rm->kid[0]));
	kr_state_remove(st, i);
}

void
kr_rules_apply(struct kr_state *st, const struct jet_keyring_policy *pol, int64_t now,
	struct kr_removed *rm, struct kr_plan *plan, bool *changed)
{
	const int64_t grace = pol->token_lifetime_s + pol->leeway_s;
	struct kr_rec *s;
	bool scheduled = false;
	int sig;

	memset(plan, 0, sizeof(*plan));
	plan->new_alg = kr_new_alg(st, pol, now);

	/* 1. Keys whose last token has expired are no longer published. */
	for (size_t i = 0; i < st->n;) {
		if (st->recs[i].retire_at != 0 && st->recs[i].retire_at <= now) {
			remove_at(st, i, rm);
			*changed = true;
		} else {
			i++;
		}
	}

	/* 2. There must be a signing key that is not itself retiring (a
	 *    retiring key signs only if keys.json was edited by hand). */
	sig = kr_state_signing(st, now);
	if (sig < 0 || st->recs[sig].retire_at != 0) {
		plan->need_key = true;
		plan->new_activate = now;
		return;
	}
	s = &st->recs[sig];

	/* 3. The configuration asks for another algorithm: switch now.
	 *    Scheduled keys of the old algorithm never signed anything and
	 *    would take over later with the wrong one: drop them. */
	if (pol->alg != JET_JWS_UNKNOWN && s->alg != pol->alg) {
		for (size_t i = (size_t)sig + 1; i < st->n;) {
			if (st->recs[i].alg != pol->alg) {
				remove_at(st, i, rm);
				*changed = true;
			} else {
				i++;
			}
		}
		plan->need_key = true;
		plan->new_activate = now;
		return;
	}

	/* 4. Keys superseded by the signing key stop signing now (at the
	 *    latest: now is the first tick that saw the take-over), so their
	 *    last token expires by now + lifetime + leeway. */
	for (int i = 0; i < sig; i++) {
		if (st->recs[i].retire_at == 0) {
			st->recs[i].retire_at = now + grace;
			*changed = true;
		}
	}

	/* 5. Scheduled rotation: publish the next key prepublish_s ahead. */
	scheduled = (size_t)sig + 1 < st->n;
	if (pol->rotation_s > 0 && !scheduled &&
		now >= s->activate_at + pol->rotation_s - pol->prepublish_s) {
		plan->need_key = true;
		plan->new_activate = JET_MAX(s->activate_at + pol->rotation_s,
			now + pol->prepublish_s);
	}
}
