/*
 * keys.c - `jetstream keys list|rotate|revoke`: the authorization server's
 * token-signing keys, on the same data directory as the running server
 * (which picks changes up within a second: lib/keyring reloads keys.json
 * when it changes).
 */
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "jet/keyring.h"
#include "keys.h"

static void
usage(FILE *out)
{
	fprintf(out,
		"usage: jetstream keys <command> [--data DIR] [--json]\n"
		"  list         the signing keys: next (published, not yet signing), active,\n"
		"               retiring (published until its last token has expired)\n"
		"  rotate       a new key signs from now on; the previous one stays published\n"
		"               for the longest token lifetime (24 h) plus leeway\n"
		"  revoke KID   emergency: unpublish and delete a (compromised) key at once;\n"
		"               its tokens fail as soon as verifiers refresh their keys\n"
		"  --data DIR   data directory (default ./jetstream-data, as `make run`)\n"
		"  --json       machine-readable output\n");
}

static void
fmt_time(int64_t t, char out[32])
{
	char ts[25];

	if (t <= 0) {
		snprintf(out, 32, "-");
		return;
	}
	jet_time_rfc3339((uint64_t)t * 1000, ts);
	snprintf(out, 32, "%.19sZ", ts);
}

static void
print_list(struct jet_keyring *kr, bool json)
{
	struct jet_keyring_info info[JET_KEYRING_MAX_KEYS];
	size_t n = 0;
	char c[32], a[32], r[32];

	jet_keyring_list(kr, info, JET_ARRAY_LEN(info), &n);
	if (json)
		printf("[");
	else
		printf("%-44s %-6s %-9s %-21s %-21s %s\n", "KID", "ALG", "STATE", "CREATED",
			"SIGNS FROM", "RETIRES");
	for (size_t i = 0; i < n; i++) {
		fmt_time(info[i].created, c);
		fmt_time(info[i].activate_at, a);
		fmt_time(info[i].retire_at, r);
		if (json)
			printf("%s{\"kid\":\"%s\",\"alg\":\"%s\",\"state\":\"%s\",\"created\":\"%s\","
				"\"activate_at\":\"%s\",\"retire_at\":%s%s%s}", i ? "," : "",
				info[i].kid, jet_jws_alg_name(info[i].alg),
				jet_keyring_state_name(info[i].state), c, a,
				info[i].retire_at ? "\"" : "", info[i].retire_at ? r : "null",
				info[i].retire_at ? "\"" : "");
		else
			printf("%-44s %-6s %-9s %-21s %-21s %s\n", info[i].kid,
				jet_jws_alg_name(info[i].alg), jet_keyring_state_name(info[i].state), c,
				a, r);
	}
	if (json)
		printf("]\n");
}

int
jet_cli_keys_main(int argc, char **argv)
{
	const char *data = "./jetstream-data", *cmd = NULL, *kid = NULL;
	struct jet_keyring_policy pol;
	struct jet_keyring *kr = NULL;
	char dir[600], err[256], newkid[JET_JWK_KID_MAX + 1];
	bool json = false;
	int64_t now = (int64_t)time(NULL);
	int rc;

	for (int i = 1; i < argc; i++) {
		if (strcmp(argv[i], "--data") == 0 && i + 1 < argc) {
			data = argv[++i];
		} else if (strcmp(argv[i], "--json") == 0) {
			json = true;
		} else if (strcmp(argv[i], "--help") == 0 || strcmp(argv[i], "-h") == 0) {
			usage(stdout);
			return 0;
		} else if (cmd == NULL && argv[i][0] != '-') {
			cmd = argv[i];
		} else if (cmd != NULL && strcmp(cmd, "revoke") == 0 && kid == NULL &&
			argv[i][0] != '-') {
			kid = argv[i];
		} else {
			fprintf(stderr, "jetstream keys: unexpected argument '%s'\n", argv[i]);
			usage(stderr);
			return 2;
		}
	}
	if (cmd == NULL || (strcmp(cmd, "list") != 0 && strcmp(cmd, "rotate") != 0 &&
		strcmp(cmd, "revoke") != 0) || (strcmp(cmd, "revoke") == 0) != (kid != NULL)) {
		usage(stderr);
		return 2;
	}
	if ((size_t)snprintf(dir, sizeof(dir), "%s/auth/keys", data) >= sizeof(dir)) {
		fprintf(stderr, "jetstream keys: data directory path too long\n");
		return 2;
	}
	/* The command line knows neither the configured algorithm nor the
	 * token lifetime: it keeps the current algorithm, and a rotated-out key
	 * stays published for the longest lifetime the server allows (24 h)
	 * plus the largest leeway, which covers every configuration. */
	jet_keyring_policy_default(&pol);
	pol.alg = JET_JWS_UNKNOWN;
	pol.token_lifetime_s = 24 * 3600;
	pol.leeway_s = 300;
	pol.rotation_s = 0;
	if ((rc = jet_keyring_open(dir, &pol, now, &kr, err, sizeof(err))) != JET_OK) {
		fprintf(stderr, "jetstream keys: %s\n", err);
		return 1;
	}
	if (strcmp(cmd, "rotate") == 0) {
		if ((rc = jet_keyring_rotate(kr, now, newkid, err, sizeof(err))) != JET_OK) {
			fprintf(stderr, "jetstream keys: rotate: %s\n", err);
			jet_keyring_free(kr);
			return 1;
		}
		if (!json)
			printf("new signing key %s; a running authorization server uses it within "
				"a second\n", newkid);
	} else if (strcmp(cmd, "revoke") == 0) {
		rc = jet_keyring_revoke(kr, kid, now, err, sizeof(err));
		if (rc != JET_OK) {
			fprintf(stderr, "jetstream keys: revoke: %s\n",
				rc == JET_ENOTFOUND ? "no such key" : err);
			jet_keyring_free(kr);
			return 1;
		}
		if (!json)
			printf("key %s removed; its tokens fail once verifiers refresh their keys\n",
				kid);
	}
	print_list(kr, json);
	jet_keyring_free(kr);
	return 0;
}
