/*
 * Unit tests for jet_pki_dev_ensure_full: the development PKI of a gateway
 * in front of private services.  Every file is checked for its mode, every
 * chain with OpenSSL's own verifier (X509_verify_cert, strict mode, for the
 * sslclient and sslserver purposes), names field by field; files are kept
 * byte for byte across calls, a lost leaf key is reissued without touching
 * the CAs, and the two intermediate CAs do not vouch for each other.
 */
#include <dirent.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>

#include <openssl/err.h>
#include <openssl/pem.h>
#include <openssl/x509v3.h>

#include "jet/pki.h"

#define DAY_S (24 * 3600)

static const char *const all_files[] = {
	"ca.crt", "ca.key", "server.crt", "server.key", "service-ca.crt", "service-ca.key",
	"device-ca.crt", "device-ca.key", "gateway.crt", "gateway.key", "auth.crt", "auth.key",
	"api.crt", "api.key", "service-trust.pem", "device-trust.pem",
};
#define N_FILES (sizeof(all_files) / sizeof(all_files[0]))

struct fixture {
	char base[512]; /* a fresh mkdtemp directory */
	char dir[600];  /* base/pki: created by the code under test */
	char err[512];
};

static int
setup(void **state)
{
	struct fixture *f = calloc(1, sizeof(*f));
	const char *tmp = getenv("JET_TEST_TMP");

	if (f == NULL)
		return -1;
	/* Not testnet.h's jet_test_tmpdir: that links the HTTP module, and
	 * this suite builds with core and pki alone. */
	if (tmp == NULL)
		tmp = "/tmp";
	(void)mkdir(tmp, 0700); /* absent in a fresh build directory */
	snprintf(f->base, sizeof(f->base), "%s/devpki-XXXXXX", tmp);
	if (mkdtemp(f->base) == NULL) {
		free(f);
		return -1;
	}
	snprintf(f->dir, sizeof(f->dir), "%s/pki", f->base);
	*state = f;
	return 0;
}

static int
teardown(void **state)
{
	struct fixture *f = *state;
	DIR *d = opendir(f->dir);
	struct dirent *e;
	char path[1200];

	while (d != NULL && (e = readdir(d)) != NULL) {
		if (e->d_name[0] == '.')
			continue;
		snprintf(path, sizeof(path), "%s/%s", f->dir, e->d_name);
		unlink(path);
	}
	if (d != NULL)
		closedir(d);
	rmdir(f->dir);
	rmdir(f->base);
	free(f);
	return 0;
}

static void
path_of(const struct fixture *f, const char *name, char *out, size_t outlen)
{
	snprintf(out, outlen, "%s/%s", f->dir, name);
}

static unsigned
mode_of(const char *path)
{
	struct stat st;

	assert_int_equal(lstat(path, &st), 0);
	return (unsigned)(st.st_mode & 07777);
}

static char *
slurp(const char *path, size_t *len)
{
	FILE *fp = fopen(path, "rb");
	char *buf;
	long n;

	assert_non_null(fp);
	assert_int_equal(fseek(fp, 0, SEEK_END), 0);
	n = ftell(fp);
	assert_true(n > 0);
	rewind(fp);
	buf = malloc((size_t)n);
	assert_non_null(buf);
	assert_int_equal(fread(buf, 1, (size_t)n, fp), (size_t)n);
	fclose(fp);
	*len = (size_t)n;
	return buf;
}

static bool
same_file(const char *path, const char *data, size_t len)
{
	size_t n;
	char *now = slurp(path, &n);
	bool same = n == len && memcmp(now, data, n) == 0;

	free(now);
	return same;
}

/* All certificates of a PEM file, in order. */
static STACK_OF(X509) *
read_chain(const struct fixture *f, const char *name)
{
	char path[700];
	STACK_OF(X509) *sk = sk_X509_new_null();
	STACK_OF(X509_INFO) *infos;
	FILE *fp;

	path_of(f, name, path, sizeof(path));
	fp = fopen(path, "r");
	assert_non_null(fp);
	infos = PEM_X509_INFO_read(fp, NULL, NULL, NULL);
	fclose(fp);
	assert_non_null(infos);
	assert_non_null(sk);
	for (int i = 0; i < sk_X509_INFO_num(infos); i++) {
		X509 *x = sk_X509_INFO_value(infos, i)->x509;

		assert_non_null(x);
		assert_int_equal(X509_up_ref(x), 1);
		assert_int_not_equal(sk_X509_push(sk, x), 0);
	}
	sk_X509_INFO_pop_free(infos, X509_INFO_free);
	return sk;
}

static X509 *
read_one(const struct fixture *f, const char *name)
{
	char path[700];
	X509 *x = NULL;

	path_of(f, name, path, sizeof(path));
	assert_int_equal(jet_pki_read_cert(path, &x), JET_OK);
	return x;
}

static EVP_PKEY *
read_key(const struct fixture *f, const char *name)
{
	char path[700];
	EVP_PKEY *k = NULL;

	path_of(f, name, path, sizeof(path));
	assert_int_equal(jet_pki_read_key(path, &k), JET_OK);
	return k;
}

/*
 * X509_verify_cert of leaf with untrusted intermediates against the
 * certificates of trust_file (or of the single anchor when not NULL, with
 * partial chains allowed: pinning an intermediate), strict mode.
 */
static int
verify(const struct fixture *f, const char *trust_file, X509 *anchor, X509 *leaf,
	STACK_OF(X509) *untrusted, int purpose)
{
	X509_STORE *store = X509_STORE_new();
	X509_STORE_CTX *ctx = X509_STORE_CTX_new();
	char path[700];
	int rc;

	assert_non_null(store);
	assert_non_null(ctx);
	if (anchor != NULL) {
		assert_int_equal(X509_STORE_add_cert(store, anchor), 1);
		X509_STORE_set_flags(store, X509_V_FLAG_PARTIAL_CHAIN);
	} else {
		path_of(f, trust_file, path, sizeof(path));
		assert_int_equal(X509_STORE_load_file(store, path), 1);
	}
	X509_STORE_set_flags(store, X509_V_FLAG_X509_STRICT);
	assert_int_equal(X509_STORE_CTX_init(ctx, store, leaf, untrusted), 1);
	assert_int_equal(X509_STORE_CTX_set_purpose(ctx, purpose), 1);
	rc = X509_verify_cert(ctx) == 1 ? X509_V_OK : X509_STORE_CTX_get_error(ctx);
	if (rc == X509_V_OK)
		assert_int_equal(X509_STORE_CTX_get_error(ctx), X509_V_OK);
	X509_STORE_CTX_free(ctx);
	X509_STORE_free(store);
	ERR_clear_error();
	return rc;
}

/* The chain file's leaf, verified with the rest of the file as untrusted. */
static int
verify_file(const struct fixture *f, const char *trust_file, const char *chain_file, int purpose)
{
	STACK_OF(X509) *chain = read_chain(f, chain_file);
	X509 *leaf = sk_X509_shift(chain);
	int rc = verify(f, trust_file, NULL, leaf, chain, purpose);

	X509_free(leaf);
	sk_X509_pop_free(chain, X509_free);
	return rc;
}

/* Number of SAN entries of a type; *uri gets the last URI. */
static int
san_count(X509 *x, int type, char *uri, size_t urilen)
{
	GENERAL_NAMES *gens = X509_get_ext_d2i(x, NID_subject_alt_name, NULL, NULL);
	int n = 0;

	assert_non_null(gens);
	for (int i = 0; i < sk_GENERAL_NAME_num(gens); i++) {
		const GENERAL_NAME *g = sk_GENERAL_NAME_value(gens, i);

		if (g->type != type)
			continue;
		n++;
		if (type == GEN_URI && uri != NULL) {
			const ASN1_IA5STRING *s = g->d.uniformResourceIdentifier;

			assert_true((size_t)ASN1_STRING_length(s) < urilen);
			memcpy(uri, ASN1_STRING_get0_data(s), (size_t)ASN1_STRING_length(s));
			uri[ASN1_STRING_length(s)] = '\0';
		}
	}
	GENERAL_NAMES_free(gens);
	return n;
}

static int
lifetime_days(X509 *x)
{
	int days = 0, secs = 0;

	assert_int_equal(ASN1_TIME_diff(&days, &secs, X509_get0_notBefore(x),
				 X509_get0_notAfter(x)), 1);
	return days;
}

static void
assert_leaf(const struct fixture *f, const char *file, const char *want_uri)
{
	STACK_OF(X509) *chain = read_chain(f, file);
	X509 *svc_ca = read_one(f, "service-ca.crt");
	X509 *leaf = sk_X509_value(chain, 0);
	char uri[512];

	/* chain = leaf + service CA, nothing else */
	assert_int_equal(sk_X509_num(chain), 2);
	assert_int_equal(X509_cmp(sk_X509_value(chain, 1), svc_ca), 0);
	assert_int_equal(san_count(leaf, GEN_URI, uri, sizeof(uri)), 1);
	assert_string_equal(uri, want_uri);
	assert_int_equal(san_count(leaf, GEN_DNS, NULL, 0), 1);
	assert_int_equal(san_count(leaf, GEN_IPADD, NULL, 0), 1);
	assert_int_equal(X509_check_host(leaf, "localhost", 0, 0, NULL), 1);
	assert_int_equal(X509_check_ip_asc(leaf, "127.0.0.1", 0), 1);
	assert_int_equal(X509_get_extended_key_usage(leaf), XKU_SSL_SERVER | XKU_SSL_CLIENT);
	assert_int_equal(X509_check_ca(leaf), 0);
	assert_true(lifetime_days(leaf) >= 364 && lifetime_days(leaf) < 398);
	assert_int_equal(verify_file(f, "service-trust.pem", file, X509_PURPOSE_SSL_CLIENT),
		X509_V_OK);
	assert_int_equal(verify_file(f, "service-trust.pem", file, X509_PURPOSE_SSL_SERVER),
		X509_V_OK);
	sk_X509_pop_free(chain, X509_free);
	X509_free(svc_ca);
}

static void
assert_sub_ca(const struct fixture *f, const char *file, X509 *root)
{
	X509 *ca = read_one(f, file);

	assert_int_equal(X509_check_ca(ca), 1);
	assert_int_equal(X509_get_pathlen(ca), 0);
	assert_int_equal(X509_get_key_usage(ca), KU_KEY_CERT_SIGN | KU_CRL_SIGN);
	assert_int_equal(X509_check_issued(root, ca), X509_V_OK);
	assert_int_equal(X509_verify(ca, X509_get0_pubkey(root)), 1);
	assert_true(lifetime_days(ca) >= 3649 && lifetime_days(ca) <= 3651);
	X509_free(ca);
}

static void
first_call_creates_everything(void **state)
{
	struct fixture *f = *state;
	char path[700];
	X509 *root;

	assert_int_equal(access(f->dir, F_OK), -1);
	assert_int_equal(jet_pki_dev_ensure_full(f->dir, "example.test", f->err,
				 sizeof(f->err)), JET_OK);
	assert_int_equal(mode_of(f->dir), 0700);
	for (size_t i = 0; i < N_FILES; i++) {
		size_t n = strlen(all_files[i]);

		path_of(f, all_files[i], path, sizeof(path));
		assert_int_equal(mode_of(path),
			n > 4 && strcmp(all_files[i] + n - 4, ".key") == 0 ? 0600 : 0644);
	}

	root = read_one(f, "ca.crt");
	/* The root now leaves room for one level of intermediates. */
	assert_int_equal(X509_get_pathlen(root), 1);
	assert_sub_ca(f, "service-ca.crt", root);
	assert_sub_ca(f, "device-ca.crt", root);
	assert_leaf(f, "gateway.crt", "spiffe://example.test/gateway");
	assert_leaf(f, "auth.crt", "spiffe://example.test/service/auth");
	assert_leaf(f, "api.crt", "spiffe://example.test/service/api");

	/* Each key belongs to its certificate. */
	{
		static const char *const pairs[][2] = {
			{ "service-ca.crt", "service-ca.key" }, { "device-ca.crt", "device-ca.key" },
			{ "gateway.crt", "gateway.key" }, { "auth.crt", "auth.key" },
			{ "api.crt", "api.key" },
		};

		for (size_t i = 0; i < sizeof(pairs) / sizeof(pairs[0]); i++) {
			X509 *x = read_one(f, pairs[i][0]);
			EVP_PKEY *k = read_key(f, pairs[i][1]);

			assert_int_equal(X509_check_private_key(x, k), 1);
			X509_free(x);
			EVP_PKEY_free(k);
		}
	}

	/* Bundles: root then the intermediate. */
	{
		STACK_OF(X509) *st = read_chain(f, "service-trust.pem");
		STACK_OF(X509) *dt = read_chain(f, "device-trust.pem");
		X509 *svc = read_one(f, "service-ca.crt"), *dev = read_one(f, "device-ca.crt");

		assert_int_equal(sk_X509_num(st), 2);
		assert_int_equal(sk_X509_num(dt), 2);
		assert_int_equal(X509_cmp(sk_X509_value(st, 0), root), 0);
		assert_int_equal(X509_cmp(sk_X509_value(st, 1), svc), 0);
		assert_int_equal(X509_cmp(sk_X509_value(dt, 0), root), 0);
		assert_int_equal(X509_cmp(sk_X509_value(dt, 1), dev), 0);
		sk_X509_pop_free(st, X509_free);
		sk_X509_pop_free(dt, X509_free);
		X509_free(svc);
		X509_free(dev);
	}

	/* jet_pki_dev_ensure's own server certificate still verifies. */
	assert_int_equal(verify_file(f, "ca.crt", "server.crt", X509_PURPOSE_SSL_SERVER),
		X509_V_OK);
	X509_free(root);
}

static void
second_call_keeps_every_byte(void **state)
{
	struct fixture *f = *state;
	char path[700];
	char *before[N_FILES];
	size_t len[N_FILES];

	assert_int_equal(jet_pki_dev_ensure_full(f->dir, NULL, f->err, sizeof(f->err)), JET_OK);
	for (size_t i = 0; i < N_FILES; i++) {
		path_of(f, all_files[i], path, sizeof(path));
		before[i] = slurp(path, &len[i]);
	}
	assert_int_equal(jet_pki_dev_ensure_full(f->dir, NULL, f->err, sizeof(f->err)), JET_OK);
	/* jet_pki_dev_ensure alone, in between, changes nothing either. */
	assert_int_equal(jet_pki_dev_ensure(f->dir, f->err, sizeof(f->err)), JET_OK);
	assert_int_equal(jet_pki_dev_ensure_full(f->dir, NULL, f->err, sizeof(f->err)), JET_OK);
	for (size_t i = 0; i < N_FILES; i++) {
		path_of(f, all_files[i], path, sizeof(path));
		assert_true(same_file(path, before[i], len[i]));
		free(before[i]);
	}
	/* NULL is the default trust domain. */
	assert_leaf(f, "gateway.crt", "spiffe://jetstream.local/gateway");
	assert_leaf(f, "api.crt", "spiffe://jetstream.local/service/api");
}

static void
lost_gateway_key_is_reissued_alone(void **state)
{
	struct fixture *f = *state;
	char path[700];
	char *before[N_FILES];
	size_t len[N_FILES];

	assert_int_equal(jet_pki_dev_ensure_full(f->dir, NULL, f->err, sizeof(f->err)), JET_OK);
	for (size_t i = 0; i < N_FILES; i++) {
		path_of(f, all_files[i], path, sizeof(path));
		before[i] = slurp(path, &len[i]);
	}
	path_of(f, "gateway.key", path, sizeof(path));
	assert_int_equal(unlink(path), 0);
	assert_int_equal(jet_pki_dev_ensure_full(f->dir, NULL, f->err, sizeof(f->err)), JET_OK);
	for (size_t i = 0; i < N_FILES; i++) {
		bool gw = strncmp(all_files[i], "gateway.", 8) == 0;

		path_of(f, all_files[i], path, sizeof(path));
		/* The gateway pair is new; everything else, CAs first, is kept. */
		assert_true(same_file(path, before[i], len[i]) == !gw);
		free(before[i]);
	}
	path_of(f, "gateway.key", path, sizeof(path));
	assert_int_equal(mode_of(path), 0600);
	assert_leaf(f, "gateway.crt", "spiffe://jetstream.local/gateway");
	{
		X509 *x = read_one(f, "gateway.crt");
		EVP_PKEY *k = read_key(f, "gateway.key");

		assert_int_equal(X509_check_private_key(x, k), 1);
		X509_free(x);
		EVP_PKEY_free(k);
	}
}

static void
service_and_device_cas_are_not_cross_valid(void **state)
{
	struct fixture *f = *state;
	X509 *root, *svc, *dev, *gw, *dev_leaf = NULL;
	EVP_PKEY *dev_key, *leaf_key = NULL;
	STACK_OF(X509) *dev_chain = sk_X509_new_null();
	static const char *const uris[] = { "spiffe://jetstream.local/device/d1" };
	struct jet_pki_cert_spec spec = {
		.common_name = "d1",
		.uris = uris,
		.n_uris = 1,
		.eku = JET_PKI_EKU_CLIENT,
		.path_len = -1,
		.not_before_s = -60,
		.not_after_s = DAY_S,
	};

	assert_int_equal(jet_pki_dev_ensure_full(f->dir, NULL, f->err, sizeof(f->err)), JET_OK);
	root = read_one(f, "ca.crt");
	svc = read_one(f, "service-ca.crt");
	dev = read_one(f, "device-ca.crt");
	gw = read_one(f, "gateway.crt");
	dev_key = read_key(f, "device-ca.key");

	/* Distinct CAs with distinct keys. */
	assert_int_not_equal(X509_cmp(svc, dev), 0);
	assert_int_not_equal(X509_NAME_cmp(X509_get_subject_name(svc), X509_get_subject_name(dev)),
		0);
	assert_int_not_equal(EVP_PKEY_eq(X509_get0_pubkey(svc), X509_get0_pubkey(dev)), 1);

	/* The device CA cannot verify a service leaf: not by signature, not
	 * from device-trust.pem when no intermediate comes along, not when
	 * pinned (partial chain) whatever comes along. */
	assert_int_not_equal(X509_verify(gw, X509_get0_pubkey(dev)), 1);
	ERR_clear_error();
	assert_int_not_equal(verify(f, "device-trust.pem", NULL, gw, NULL,
				     X509_PURPOSE_SSL_CLIENT), X509_V_OK);
	{
		STACK_OF(X509) *chain = read_chain(f, "auth.crt");
		X509 *leaf = sk_X509_shift(chain);

		assert_int_not_equal(verify(f, NULL, dev, leaf, chain, X509_PURPOSE_SSL_SERVER),
			X509_V_OK);
		assert_int_equal(verify(f, NULL, svc, leaf, chain, X509_PURPOSE_SSL_SERVER),
			X509_V_OK);
		X509_free(leaf);
		sk_X509_pop_free(chain, X509_free);
	}
	assert_int_not_equal(verify(f, NULL, dev, gw, NULL, X509_PURPOSE_SSL_CLIENT), X509_V_OK);
	assert_int_equal(verify(f, NULL, svc, gw, NULL, X509_PURPOSE_SSL_CLIENT), X509_V_OK);
	/* Documented property (docs/internals/pki.md): both CAs hang under one
	 * root, so a store that holds the root accepts a peer of the other CA
	 * that sends its intermediate along.  Separation then rests on the
	 * SPIFFE ID check (or on pinning the intermediate); if the layout
	 * changes, this assertion and the document change together. */
	assert_int_equal(verify_file(f, "device-trust.pem", "gateway.crt",
				 X509_PURPOSE_SSL_CLIENT), X509_V_OK);

	/* A device certificate, as enrolment will issue it. */
	assert_int_equal(jet_pki_key_new(&leaf_key), JET_OK);
	assert_int_equal(jet_pki_issue(&spec, leaf_key, dev, dev_key, &dev_leaf), JET_OK);
	assert_int_equal(X509_up_ref(dev), 1);
	assert_int_not_equal(sk_X509_push(dev_chain, dev), 0);
	assert_int_equal(verify(f, "device-trust.pem", NULL, dev_leaf, NULL,
				 X509_PURPOSE_SSL_CLIENT), X509_V_OK);
	/* The service CA cannot verify it: neither by signature nor by a
	 * store of service-trust.pem when the device sends no intermediate,
	 * nor by a store pinned to the service CA whatever it sends. */
	assert_int_not_equal(X509_verify(dev_leaf, X509_get0_pubkey(svc)), 1);
	ERR_clear_error();
	assert_int_not_equal(verify(f, "service-trust.pem", NULL, dev_leaf, NULL,
				     X509_PURPOSE_SSL_CLIENT), X509_V_OK);
	assert_int_not_equal(verify(f, NULL, svc, dev_leaf, dev_chain, X509_PURPOSE_SSL_CLIENT),
		X509_V_OK);
	/* The same documented property, the other way round. */
	assert_int_equal(verify(f, "service-trust.pem", NULL, dev_leaf, dev_chain,
				 X509_PURPOSE_SSL_CLIENT), X509_V_OK);

	sk_X509_pop_free(dev_chain, X509_free);
	X509_free(dev_leaf);
	EVP_PKEY_free(leaf_key);
	EVP_PKEY_free(dev_key);
	X509_free(root);
	X509_free(svc);
	X509_free(dev);
	X509_free(gw);
}

static void
invalid_trust_domains_refused(void **state)
{
	struct fixture *f = *state;
	static const char *const bad[] = {
		"", "Example.test", "a..b", ".a", "a.", "a b", "a/b", "a_b", "a:1", "a\nb",
		"\xc3\xa9.test", "spiffe://x",
	};
	char longest[202];

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		f->err[0] = '\0';
		assert_int_equal(jet_pki_dev_ensure_full(f->dir, bad[i], f->err, sizeof(f->err)),
			JET_EINVAL);
		assert_non_null(strstr(f->err, "trust domain"));
		/* Refused before anything is written. */
		assert_int_equal(access(f->dir, F_OK), -1);
	}
	memset(longest, 'a', sizeof(longest));
	longest[201] = '\0'; /* 201 characters */
	assert_int_equal(jet_pki_dev_ensure_full(f->dir, longest, f->err, sizeof(f->err)),
		JET_EINVAL);
	assert_int_equal(access(f->dir, F_OK), -1);
	longest[200] = '\0'; /* 200: the limit, accepted */
	assert_int_equal(jet_pki_dev_ensure_full(f->dir, longest, f->err, sizeof(f->err)),
		JET_OK);
	{
		char want[300];

		snprintf(want, sizeof(want), "spiffe://%s/service/auth", longest);
		assert_leaf(f, "auth.crt", want);
	}
}

static void
new_trust_domain_reissues_leaves_only(void **state)
{
	struct fixture *f = *state;
	static const char *const kept[] = { "ca.crt", "ca.key", "service-ca.crt",
		"service-ca.key", "device-ca.crt", "device-ca.key", "service-trust.pem" };
	char path[700], *before[7];
	size_t len[7];

	assert_int_equal(jet_pki_dev_ensure_full(f->dir, "one.test", f->err, sizeof(f->err)),
		JET_OK);
	for (size_t i = 0; i < 7; i++) {
		path_of(f, kept[i], path, sizeof(path));
		before[i] = slurp(path, &len[i]);
	}
	assert_int_equal(jet_pki_dev_ensure_full(f->dir, "two.test", f->err, sizeof(f->err)),
		JET_OK);
	for (size_t i = 0; i < 7; i++) {
		path_of(f, kept[i], path, sizeof(path));
		assert_true(same_file(path, before[i], len[i]));
		free(before[i]);
	}
	assert_leaf(f, "gateway.crt", "spiffe://two.test/gateway");
	assert_leaf(f, "auth.crt", "spiffe://two.test/service/auth");
	assert_leaf(f, "api.crt", "spiffe://two.test/service/api");
}

static void
broken_states_refused(void **state)
{
	struct fixture *f = *state;
	char path[700], crt[700];

	assert_int_equal(jet_pki_dev_ensure_full(f->dir, NULL, f->err, sizeof(f->err)), JET_OK);

	/* Half a CA: refused, the other half left alone. */
	path_of(f, "service-ca.key", path, sizeof(path));
	path_of(f, "service-ca.crt", crt, sizeof(crt));
	assert_int_equal(unlink(path), 0);
	assert_int_equal(access(path, F_OK), -1);
	assert_int_equal(jet_pki_dev_ensure_full(f->dir, NULL, f->err, sizeof(f->err)),
		JET_EINVAL);
	assert_non_null(strstr(f->err, "incomplete"));
	assert_non_null(strstr(f->err, "service-ca.key missing"));
	assert_int_equal(access(path, F_OK), -1);
	assert_int_equal(access(crt, F_OK), 0);

	/* Both halves gone: a new service CA, and leaves reissued under it. */
	assert_int_equal(unlink(crt), 0);
	assert_int_equal(jet_pki_dev_ensure_full(f->dir, NULL, f->err, sizeof(f->err)), JET_OK);
	assert_leaf(f, "gateway.crt", "spiffe://jetstream.local/gateway");
	assert_leaf(f, "auth.crt", "spiffe://jetstream.local/service/auth");

	/* A loose key mode is refused with the file named. */
	path_of(f, "device-ca.key", path, sizeof(path));
	assert_int_equal(chmod(path, 0640), 0);
	assert_int_equal(jet_pki_dev_ensure_full(f->dir, NULL, f->err, sizeof(f->err)),
		JET_EPERM);
	assert_non_null(strstr(f->err, path));
	assert_int_equal(mode_of(path), 0640);
	assert_int_equal(chmod(path, 0600), 0);
	path_of(f, "api.key", path, sizeof(path));
	assert_int_equal(chmod(path, 0604), 0);
	assert_int_equal(jet_pki_dev_ensure_full(f->dir, NULL, f->err, sizeof(f->err)),
		JET_EPERM);
	assert_int_equal(chmod(path, 0600), 0);

	/* A device CA swapped for one from another root: refused. */
	{
		struct jet_pki_cert_spec spec = {
			.common_name = "Foreign", .is_ca = true, .path_len = 0,
			.not_before_s = -60, .not_after_s = DAY_S,
		};
		EVP_PKEY *k = NULL;
		X509 *x = NULL;

		assert_int_equal(jet_pki_key_new(&k), JET_OK);
		assert_int_equal(jet_pki_issue(&spec, k, NULL, NULL, &x), JET_OK);
		path_of(f, "device-ca.crt", crt, sizeof(crt));
		path_of(f, "device-ca.key", path, sizeof(path));
		assert_int_equal(jet_pki_write_key(path, k), JET_OK);
		assert_int_equal(jet_pki_write_certs(crt, &x, 1), JET_OK);
		assert_int_equal(jet_pki_dev_ensure_full(f->dir, NULL, f->err, sizeof(f->err)),
			JET_EINVAL);
		assert_non_null(strstr(f->err, "device-ca.crt"));
		X509_free(x);
		EVP_PKEY_free(k);
	}
}

/* A root from before the full PKI (pathlen 0) cannot carry intermediates:
 * refused with the remedy, nothing written. */
static void
old_root_with_pathlen_zero_refused(void **state)
{
	struct fixture *f = *state;
	struct jet_pki_cert_spec spec = {
		.common_name = "Jetstream development CA", .is_ca = true, .path_len = 0,
		.not_before_s = -60, .not_after_s = DAY_S,
	};
	char path[700];
	EVP_PKEY *k = NULL;
	X509 *x = NULL;

	assert_int_equal(mkdir(f->dir, 0700), 0);
	assert_int_equal(jet_pki_key_new(&k), JET_OK);
	assert_int_equal(jet_pki_issue(&spec, k, NULL, NULL, &x), JET_OK);
	path_of(f, "ca.key", path, sizeof(path));
	assert_int_equal(jet_pki_write_key(path, k), JET_OK);
	path_of(f, "ca.crt", path, sizeof(path));
	assert_int_equal(jet_pki_write_certs(path, &x, 1), JET_OK);

	assert_int_equal(jet_pki_dev_ensure_full(f->dir, NULL, f->err, sizeof(f->err)),
		JET_EINVAL);
	assert_non_null(strstr(f->err, "pathLenConstraint 0"));
	path_of(f, "service-ca.crt", path, sizeof(path));
	assert_int_equal(access(path, F_OK), -1);
	path_of(f, "gateway.key", path, sizeof(path));
	assert_int_equal(access(path, F_OK), -1);
	X509_free(x);
	EVP_PKEY_free(k);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(first_call_creates_everything, setup, teardown),
		cmocka_unit_test_setup_teardown(second_call_keeps_every_byte, setup, teardown),
		cmocka_unit_test_setup_teardown(lost_gateway_key_is_reissued_alone, setup, teardown),
		cmocka_unit_test_setup_teardown(service_and_device_cas_are_not_cross_valid, setup,
			teardown),
		cmocka_unit_test_setup_teardown(invalid_trust_domains_refused, setup, teardown),
		cmocka_unit_test_setup_teardown(new_trust_domain_reissues_leaves_only, setup,
			teardown),
		cmocka_unit_test_setup_teardown(broken_states_refused, setup, teardown),
		cmocka_unit_test_setup_teardown(old_root_with_pathlen_zero_refused, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
