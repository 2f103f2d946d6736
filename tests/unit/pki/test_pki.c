/*
 * Unit tests for lib/pki: what it issues is checked with OpenSSL's own
 * verifier (X509_verify_cert, strict mode) and field by field; CRLs revoke;
 * files get the right modes, are replaced atomically and never written
 * through a symlink; the development PKI is generated once and then kept.
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
#include <time.h>
#include <unistd.h>

#include <cmocka.h>

#include <openssl/bn.h>
#include <openssl/pem.h>
#include <openssl/x509v3.h>

#include "jet/pki.h"
#include "testpki.h"

#define DAY_S (24 * 3600)

struct fixture {
	struct jet_testpki pki; /* for its private directory */
	EVP_PKEY *root_key, *int_key, *leaf_key;
	X509 *root, *inter, *leaf;
};

static const char *const leaf_dns[] = { "gw.jetstream.test", "*.b1.jetstream.test" };
static const char *const leaf_ips[] = { "10.1.2.3", "fd00::7" };
static const char *const leaf_uris[] = { "spiffe://jetstream.test/gw" };

static int
setup(void **state)
{
	struct fixture *f = calloc(1, sizeof(*f));
	struct jet_pki_cert_spec root = {
		.common_name = "Root", .organization = "Tests", .is_ca = true, .path_len = 1,
		.not_before_s = -60, .not_after_s = 30 * DAY_S,
	};
	struct jet_pki_cert_spec inter = {
		.common_name = "Intermediate", .is_ca = true, .path_len = 0,
		.not_before_s = -60, .not_after_s = 20 * DAY_S,
	};
	struct jet_pki_cert_spec leaf = {
		.common_name = "gw", .dns = leaf_dns, .n_dns = 2, .ips = leaf_ips, .n_ips = 2,
		.uris = leaf_uris, .n_uris = 1, .eku = JET_PKI_EKU_SERVER | JET_PKI_EKU_CLIENT,
		.not_before_s = -60, .not_after_s = 10 * DAY_S,
	};

	if (f == NULL || jet_testpki_create(&f->pki) != JET_OK)
		return -1;
	if (jet_pki_key_new(&f->root_key) != JET_OK || jet_pki_key_new(&f->int_key) != JET_OK ||
		jet_pki_key_new(&f->leaf_key) != JET_OK ||
		jet_pki_issue(&root, f->root_key, NULL, NULL, &f->root) != JET_OK ||
		jet_pki_issue(&inter, f->int_key, f->root, f->root_key, &f->inter) != JET_OK ||
		jet_pki_issue(&leaf, f->leaf_key, f->inter, f->int_key, &f->leaf) != JET_OK)
		return -1;
	*state = f;
	return 0;
}

static int
teardown(void **state)
{
	struct fixture *f = *state;

	EVP_PKEY_free(f->root_key);
	EVP_PKEY_free(f->int_key);
	EVP_PKEY_free(f->leaf_key);
	X509_free(f->root);
	X509_free(f->inter);
	X509_free(f->leaf);
	jet_testpki_destroy(&f->pki);
	free(f);
	return 0;
}

/* X509_verify_cert of leaf against root with optional intermediates and
 * CRLs, in strict mode; returns the verification error. */
static int
verify(X509 *root, X509 *inter, X509 *leaf, X509_CRL *crl1, X509_CRL *crl2, int purpose)
{
	X509_STORE *store = X509_STORE_new();
	X509_STORE_CTX *ctx = X509_STORE_CTX_new();
	STACK_OF(X509) *untrusted = sk_X509_new_null();
	int err;

	assert_non_null(store);
	assert_non_null(ctx);
	assert_non_null(untrusted);
	assert_int_equal(X509_STORE_add_cert(store, root), 1);
	if (inter != NULL)
		sk_X509_push(untrusted, inter);
	if (crl1 != NULL)
		assert_int_equal(X509_STORE_add_crl(store, crl1), 1);
	if (crl2 != NULL)
		assert_int_equal(X509_STORE_add_crl(store, crl2), 1);
	X509_STORE_set_flags(store, X509_V_FLAG_X509_STRICT |
		(crl1 != NULL ? X509_V_FLAG_CRL_CHECK | X509_V_FLAG_CRL_CHECK_ALL : 0));
	assert_int_equal(X509_STORE_CTX_init(ctx, store, leaf, untrusted), 1);
	if (purpose != 0)
		X509_STORE_CTX_set_purpose(ctx, purpose);
	if (X509_verify_cert(ctx) == 1)
		err = X509_V_OK;
	else
		err = X509_STORE_CTX_get_error(ctx);
	X509_STORE_CTX_free(ctx);
	sk_X509_free(untrusted);
	X509_STORE_free(store);
	return err;
}

static bool
ext_critical(X509 *x, int nid)
{
	int i = X509_get_ext_by_NID(x, nid, -1);

	assert_true(i >= 0);
	return X509_EXTENSION_get_critical(X509_get_ext(x, i)) == 1;
}

/* ------------------------------------------------------------------------ */

static void
chain_verifies_strictly(void **state)
{
	struct fixture *f = *state;

	assert_int_equal(verify(f->root, f->inter, f->leaf, NULL, NULL, X509_PURPOSE_SSL_SERVER),
		X509_V_OK);
	assert_int_equal(verify(f->root, f->inter, f->leaf, NULL, NULL, X509_PURPOSE_SSL_CLIENT),
		X509_V_OK);
	/* Without the intermediate there is no path. */
	assert_int_equal(verify(f->root, NULL, f->leaf, NULL, NULL, 0),
		X509_V_ERR_UNABLE_TO_GET_ISSUER_CERT_LOCALLY);
}

static void
fields_are_as_specified(void **state)
{
	struct fixture *f = *state;
	const ASN1_OCTET_STRING *aki;
	BIGNUM *serial;

	assert_int_equal(X509_get_version(f->leaf), X509_VERSION_3);
	assert_int_equal(X509_get_signature_nid(f->leaf), NID_ecdsa_with_SHA256);
	/* basicConstraints and keyUsage, both critical. */
	assert_true(ext_critical(f->root, NID_basic_constraints));
	assert_true(ext_critical(f->leaf, NID_basic_constraints));
	assert_true(ext_critical(f->leaf, NID_key_usage));
	assert_true(X509_check_ca(f->root) >= 1);
	assert_int_equal(X509_check_ca(f->leaf), 0);
	assert_int_equal(X509_get_pathlen(f->root), 1);
	assert_int_equal(X509_get_pathlen(f->inter), 0);
	assert_int_equal(X509_get_key_usage(f->root), KU_KEY_CERT_SIGN | KU_CRL_SIGN);
	assert_int_equal(X509_get_key_usage(f->leaf), KU_DIGITAL_SIGNATURE);
	/* EKU on the leaf only. */
	assert_true(X509_get_extension_flags(f->leaf) & EXFLAG_XKUSAGE);
	assert_int_equal(X509_get_extended_key_usage(f->leaf), XKU_SSL_SERVER | XKU_SSL_CLIENT);
	assert_false(X509_get_extension_flags(f->root) & EXFLAG_XKUSAGE);
	/* SANs. */
	assert_int_equal(X509_check_host(f->leaf, "gw.jetstream.test", 0, 0, NULL), 1);
	assert_int_equal(X509_check_host(f->leaf, "x.b1.jetstream.test", 0, 0, NULL), 1);
	assert_int_equal(X509_check_host(f->leaf, "gw", 0, 0, NULL), 0);
	assert_int_equal(X509_check_ip_asc(f->leaf, "10.1.2.3", 0), 1);
	assert_int_equal(X509_check_ip_asc(f->leaf, "fd00::7", 0), 1);
	assert_int_equal(X509_check_ip_asc(f->leaf, "10.1.2.4", 0), 0);
	{
		GENERAL_NAMES *gens = X509_get_ext_d2i(f->leaf, NID_subject_alt_name, NULL, NULL);
		int uris = 0;

		assert_non_null(gens);
		assert_int_equal(sk_GENERAL_NAME_num(gens), 5);
		for (int i = 0; i < sk_GENERAL_NAME_num(gens); i++) {
			GENERAL_NAME *g = sk_GENERAL_NAME_value(gens, i);

			if (g->type == GEN_URI) {
				uris++;
				assert_string_equal(
					(const char *)ASN1_STRING_get0_data(g->d.uniformResourceIdentifier),
					leaf_uris[0]);
			}
		}
		assert_int_equal(uris, 1);
		GENERAL_NAMES_free(gens);
	}
	/* SKI/AKI link each certificate to its issuer's key. */
	aki = X509_get0_authority_key_id(f->leaf);
	assert_non_null(aki);
	assert_int_equal(ASN1_STRING_cmp(aki, X509_get0_subject_key_id(f->inter)), 0);
	assert_int_equal(ASN1_STRING_cmp(X509_get0_authority_key_id(f->root),
				 X509_get0_subject_key_id(f->root)), 0);
	/* Serial: positive, from 128 random bits, unique. */
	serial = ASN1_INTEGER_to_BN(X509_get0_serialNumber(f->leaf), NULL);
	assert_non_null(serial);
	assert_false(BN_is_negative(serial));
	assert_true(BN_num_bits(serial) > 96 && BN_num_bits(serial) <= 128);
	BN_free(serial);
	assert_int_not_equal(ASN1_INTEGER_cmp(X509_get0_serialNumber(f->leaf),
				     X509_get0_serialNumber(f->inter)), 0);
	/* Validity relative to now. */
	{
		time_t now = time(NULL), t;

		t = now - 120;
		assert_true(X509_cmp_time(X509_get0_notBefore(f->leaf), &t) > 0);
		t = now;
		assert_true(X509_cmp_time(X509_get0_notBefore(f->leaf), &t) < 0);
		t = now + 10 * DAY_S - 120;
		assert_true(X509_cmp_time(X509_get0_notAfter(f->leaf), &t) > 0);
		t = now + 10 * DAY_S + 120;
		assert_true(X509_cmp_time(X509_get0_notAfter(f->leaf), &t) < 0);
	}
}

static void
path_length_and_expiry_enforced(void **state)
{
	struct fixture *f = *state;
	struct jet_pki_cert_spec sub = {
		.common_name = "Sub-intermediate", .is_ca = true, .path_len = -1,
		.not_before_s = -60, .not_after_s = DAY_S,
	};
	struct jet_pki_cert_spec old = {
		.common_name = "expired", .eku = JET_PKI_EKU_CLIENT,
		.not_before_s = -2 * DAY_S, .not_after_s = -3600,
	};
	EVP_PKEY *k = NULL;
	X509 *x = NULL, *expired = NULL;

	assert_int_equal(jet_pki_key_new(&k), JET_OK);
	/* The intermediate has pathlen 0: a CA under it is refused. */
	assert_int_equal(jet_pki_issue(&sub, k, f->inter, f->int_key, &x), JET_OK);
	assert_int_equal(X509_get_pathlen(x), -1);
	{
		X509_STORE *store = X509_STORE_new();
		X509_STORE_CTX *ctx = X509_STORE_CTX_new();
		STACK_OF(X509) *u = sk_X509_new_null();
		X509 *leaf2 = NULL;
		struct jet_pki_cert_spec l = { .common_name = "deep", .not_before_s = -60,
			.not_after_s = 3600 };

		assert_int_equal(jet_pki_issue(&l, f->leaf_key, x, k, &leaf2), JET_OK);
		X509_STORE_add_cert(store, f->root);
		sk_X509_push(u, f->inter);
		sk_X509_push(u, x);
		X509_STORE_CTX_init(ctx, store, leaf2, u);
		assert_int_equal(X509_verify_cert(ctx), 0);
		assert_int_equal(X509_STORE_CTX_get_error(ctx), X509_V_ERR_PATH_LENGTH_EXCEEDED);
		X509_STORE_CTX_free(ctx);
		sk_X509_free(u);
		X509_STORE_free(store);
		X509_free(leaf2);
	}
	assert_int_equal(jet_pki_issue(&old, k, f->inter, f->int_key, &expired), JET_OK);
	assert_int_equal(verify(f->root, f->inter, expired, NULL, NULL, 0),
		X509_V_ERR_CERT_HAS_EXPIRED);
	X509_free(x);
	X509_free(expired);
	EVP_PKEY_free(k);
}

static void
crl_revokes(void **state)
{
	struct fixture *f = *state;
	struct jet_pki_cert_spec spec = {
		.common_name = "revoked", .eku = JET_PKI_EKU_CLIENT,
		.not_before_s = -60, .not_after_s = DAY_S,
	};
	X509_CRL *root_crl = NULL, *int_crl = NULL, *int_crl2 = NULL;
	EVP_PKEY *k = NULL;
	X509 *rev = NULL;
	ASN1_INTEGER *n1, *n2;

	assert_int_equal(jet_pki_key_new(&k), JET_OK);
	assert_int_equal(jet_pki_issue(&spec, k, f->inter, f->int_key, &rev), JET_OK);
	assert_int_equal(jet_pki_crl_new(f->root, f->root_key, NULL, 0, DAY_S, &root_crl), JET_OK);
	assert_int_equal(jet_pki_crl_new(f->inter, f->int_key, &rev, 1, DAY_S, &int_crl), JET_OK);

	/* CRL fields. */
	assert_int_equal(X509_CRL_get_version(int_crl), X509_CRL_VERSION_2);
	assert_int_equal(X509_CRL_verify(int_crl, X509_get0_pubkey(f->inter)), 1);
	assert_int_equal(sk_X509_REVOKED_num(X509_CRL_get_REVOKED(int_crl)), 1);
	assert_int_equal(X509_cmp_current_time(X509_CRL_get0_nextUpdate(int_crl)), 1);
	assert_true(X509_CRL_get_ext_by_NID(int_crl, NID_authority_key_identifier, -1) >= 0);
	assert_int_equal(jet_pki_crl_new(f->inter, f->int_key, NULL, 0, DAY_S, &int_crl2), JET_OK);
	n1 = X509_CRL_get_ext_d2i(int_crl, NID_crl_number, NULL, NULL);
	n2 = X509_CRL_get_ext_d2i(int_crl2, NID_crl_number, NULL, NULL);
	assert_non_null(n1);
	assert_non_null(n2);
	assert_true(ASN1_INTEGER_cmp(n1, n2) < 0); /* CRL numbers grow */
	ASN1_INTEGER_free(n1);
	ASN1_INTEGER_free(n2);

	/* Revoked: refused; others under the same CRLs: fine. */
	assert_int_equal(verify(f->root, f->inter, rev, root_crl, int_crl, 0),
		X509_V_ERR_CERT_REVOKED);
	assert_int_equal(verify(f->root, f->inter, f->leaf, root_crl, int_crl, 0), X509_V_OK);
	/* Control: with a CRL that does not list it, it verifies. */
	assert_int_equal(verify(f->root, f->inter, rev, root_crl, int_crl2, 0), X509_V_OK);
	/* A CRL for a certificate of another issuer is refused. */
	{
		X509_CRL *bad = NULL;

		assert_int_equal(jet_pki_crl_new(f->root, f->root_key, &rev, 1, DAY_S, &bad),
			JET_EINVAL);
		assert_null(bad);
		assert_int_equal(jet_pki_crl_new(f->root, f->int_key, NULL, 0, DAY_S, &bad),
			JET_EINVAL);
		assert_int_equal(jet_pki_crl_new(f->root, f->root_key, NULL, 0, 0, &bad),
			JET_EINVAL);
	}
	X509_CRL_free(root_crl);
	X509_CRL_free(int_crl);
	X509_CRL_free(int_crl2);
	X509_free(rev);
	EVP_PKEY_free(k);
}

static void
bad_specs_refused(void **state)
{
	struct fixture *f = *state;
	const char *bad_ip[] = { "1.2.3" };
	const char *inject[] = { "a.example,IP:1.2.3.4" };
	const char *bad_uri[] = { "no scheme here" };
	struct jet_pki_cert_spec ok = {
		.common_name = "x", .not_before_s = 0, .not_after_s = 60,
	};
	struct jet_pki_cert_spec s;
	X509 *x = NULL;

	s = ok;
	assert_int_equal(jet_pki_issue(&s, f->leaf_key, NULL, NULL, &x), JET_OK);
	X509_free(x);
	x = NULL;
	s = ok;
	s.common_name = NULL;
	assert_int_equal(jet_pki_issue(&s, f->leaf_key, NULL, NULL, &x), JET_EINVAL);
	s = ok;
	s.ips = bad_ip;
	s.n_ips = 1;
	assert_int_equal(jet_pki_issue(&s, f->leaf_key, NULL, NULL, &x), JET_EINVAL);
	s = ok;
	s.dns = inject;
	s.n_dns = 1;
	assert_int_equal(jet_pki_issue(&s, f->leaf_key, NULL, NULL, &x), JET_EINVAL);
	s = ok;
	s.uris = bad_uri;
	s.n_uris = 1;
	assert_int_equal(jet_pki_issue(&s, f->leaf_key, NULL, NULL, &x), JET_EINVAL);
	s = ok;
	s.n_dns = 1; /* count without array */
	assert_int_equal(jet_pki_issue(&s, f->leaf_key, NULL, NULL, &x), JET_EINVAL);
	s = ok;
	s.is_ca = true;
	s.eku = JET_PKI_EKU_SERVER;
	assert_int_equal(jet_pki_issue(&s, f->leaf_key, NULL, NULL, &x), JET_EINVAL);
	s = ok;
	s.not_after_s = s.not_before_s;
	assert_int_equal(jet_pki_issue(&s, f->leaf_key, NULL, NULL, &x), JET_EINVAL);
	s = ok;
	assert_int_equal(jet_pki_issue(&s, f->leaf_key, f->root, NULL, &x), JET_EINVAL);
	assert_int_equal(jet_pki_issue(&s, f->leaf_key, f->root, f->int_key, &x), JET_EINVAL);
	assert_null(x);
}

/* ------------------------------------------------------------------------
 * Files
 * --------------------------------------------------------------------- */

static mode_t
mode_of(const char *path)
{
	struct stat st;

	assert_int_equal(lstat(path, &st), 0);
	return st.st_mode & 07777;
}

static bool
dir_has_tmp_files(const char *dir)
{
	struct dirent *de;
	DIR *d = opendir(dir);
	bool found = false;

	assert_non_null(d);
	while ((de = readdir(d)) != NULL)
		if (strstr(de->d_name, ".tmp-") != NULL)
			found = true;
	closedir(d);
	return found;
}

static void
writers_set_modes_and_round_trip(void **state)
{
	struct fixture *f = *state;
	char key[600], crt[600], crl_path[600];
	EVP_PKEY *k = NULL;
	X509 *x = NULL, *chain[2] = { f->leaf, f->inter };
	X509_CRL *crl = NULL;
	mode_t old = umask(0); /* a careless umask must not loosen a key */

	snprintf(key, sizeof(key), "%s/rt.key", f->pki.dir);
	snprintf(crt, sizeof(crt), "%s/rt.crt", f->pki.dir);
	snprintf(crl_path, sizeof(crl_path), "%s/rt.crl", f->pki.dir);
	assert_int_equal(jet_pki_write_key(key, f->leaf_key), JET_OK);
	assert_int_equal(jet_pki_write_certs(crt, chain, 2), JET_OK);
	assert_int_equal(jet_pki_crl_new(f->root, f->root_key, NULL, 0, DAY_S, &crl), JET_OK);
	assert_int_equal(jet_pki_write_crl(crl_path, crl), JET_OK);
	umask(077); /* and a strict one must not tighten a certificate */
	assert_int_equal(jet_pki_write_certs(crt, chain, 2), JET_OK);
	umask(old);
	assert_int_equal(mode_of(key), 0600);
	assert_int_equal(mode_of(crt), 0644);
	assert_int_equal(mode_of(crl_path), 0644);

	assert_int_equal(jet_pki_read_key(key, &k), JET_OK);
	assert_int_equal(EVP_PKEY_eq(k, f->leaf_key), 1);
	assert_int_equal(jet_pki_read_cert(crt, &x), JET_OK); /* the first: the leaf */
	assert_int_equal(X509_cmp(x, f->leaf), 0);
	assert_false(dir_has_tmp_files(f->pki.dir));
	EVP_PKEY_free(k);
	X509_free(x);
	X509_CRL_free(crl);
	unlink(key);
	unlink(crt);
	unlink(crl_path);
}

static void
replace_is_atomic_and_refuses_symlinks(void **state)
{
	struct fixture *f = *state;
	char key[600], victim[600], link[600];
	struct stat a, b;
	char buf[64];
	FILE *fp;

	snprintf(key, sizeof(key), "%s/atomic.key", f->pki.dir);
	snprintf(victim, sizeof(victim), "%s/victim", f->pki.dir);
	snprintf(link, sizeof(link), "%s/link.key", f->pki.dir);

	/* Replacing an existing file goes through a new inode (rename), so a
	 * reader holding the old file never sees a mix. */
	assert_int_equal(jet_pki_write_key(key, f->leaf_key), JET_OK);
	assert_int_equal(stat(key, &a), 0);
	assert_int_equal(jet_pki_write_key(key, f->root_key), JET_OK);
	assert_int_equal(stat(key, &b), 0);
	assert_true(a.st_ino != b.st_ino);

	/* A symlink at the target: refused; its target untouched. */
	fp = fopen(victim, "w");
	assert_non_null(fp);
	fputs("precious\n", fp);
	fclose(fp);
	assert_int_equal(symlink(victim, link), 0);
	assert_int_equal(jet_pki_write_key(link, f->leaf_key), JET_EPERM);
	assert_int_equal(jet_pki_write_certs(link, &f->leaf, 1), JET_EPERM);
	fp = fopen(victim, "r");
	assert_non_null(fp);
	assert_non_null(fgets(buf, sizeof(buf), fp));
	fclose(fp);
	assert_string_equal(buf, "precious\n");
	assert_int_equal(lstat(link, &a), 0);
	assert_true(S_ISLNK(a.st_mode));
	assert_false(dir_has_tmp_files(f->pki.dir));
	unlink(link);
	unlink(victim);
	unlink(key);
}

/* ------------------------------------------------------------------------
 * Development PKI
 * --------------------------------------------------------------------- */

static char *
slurp(const char *path, size_t *len)
{
	FILE *fp = fopen(path, "rb");
	char *buf = malloc(65536);

	assert_non_null(fp);
	assert_non_null(buf);
	*len = fread(buf, 1, 65536, fp);
	fclose(fp);
	return buf;
}

static void
dev_pki_generated_once_and_kept(void **state)
{
	struct fixture *f = *state;
	const char *files[] = { "ca.crt", "ca.key", "server.crt", "server.key" };
	char dir[600], path[4][700], err[512];
	char *before[4];
	size_t len[4];
	X509 *ca = NULL, *leaf = NULL;
	STACK_OF(X509_INFO) *infos;
	FILE *fp;

	snprintf(dir, sizeof(dir), "%s/dev", f->pki.dir);
	for (int i = 0; i < 4; i++)
		snprintf(path[i], sizeof(path[i]), "%s/%s", dir, files[i]);
	assert_int_equal(jet_pki_dev_ensure(dir, err, sizeof(err)), JET_OK);
	assert_int_equal(mode_of(dir), 0700);
	assert_int_equal(mode_of(path[0]), 0644);
	assert_int_equal(mode_of(path[1]), 0600);
	assert_int_equal(mode_of(path[2]), 0644);
	assert_int_equal(mode_of(path[3]), 0600);

	/* server.crt: the leaf, then the root. */
	fp = fopen(path[2], "r");
	assert_non_null(fp);
	infos = PEM_X509_INFO_read(fp, NULL, NULL, NULL);
	fclose(fp);
	assert_non_null(infos);
	assert_int_equal(sk_X509_INFO_num(infos), 2);
	leaf = sk_X509_INFO_value(infos, 0)->x509;
	assert_int_equal(jet_pki_read_cert(path[0], &ca), JET_OK);
	assert_int_equal(X509_cmp(sk_X509_INFO_value(infos, 1)->x509, ca), 0);
	assert_int_equal(verify(ca, NULL, leaf, NULL, NULL, X509_PURPOSE_SSL_SERVER), X509_V_OK);
	assert_int_equal(X509_check_host(leaf, "localhost", 0, 0, NULL), 1);
	assert_int_equal(X509_check_ip_asc(leaf, "127.0.0.1", 0), 1);
	assert_int_equal(X509_check_ip_asc(leaf, "::1", 0), 1);
	assert_int_equal(X509_get_extended_key_usage(leaf), XKU_SSL_SERVER);
	{
		int days = 0, secs = 0;
		char cn[64];

		assert_int_equal(ASN1_TIME_diff(&days, &secs, X509_get0_notBefore(leaf),
					 X509_get0_notAfter(leaf)), 1);
		assert_true(days >= 364 && days < 398);
		assert_int_equal(ASN1_TIME_diff(&days, &secs, X509_get0_notBefore(ca),
					 X509_get0_notAfter(ca)), 1);
		assert_true(days >= 3649 && days <= 3651);
		X509_NAME_get_text_by_NID(X509_get_subject_name(ca), NID_commonName, cn, sizeof(cn));
		assert_string_equal(cn, "Jetstream development CA");
	}

	/* Second call: nothing changes, byte for byte. */
	for (int i = 0; i < 4; i++)
		before[i] = slurp(path[i], &len[i]);
	assert_int_equal(jet_pki_dev_ensure(dir, err, sizeof(err)), JET_OK);
	for (int i = 0; i < 4; i++) {
		size_t n;
		char *now = slurp(path[i], &n);

		assert_int_equal(n, len[i]);
		assert_memory_equal(now, before[i], n);
		free(now);
	}

	/* A missing server certificate is issued anew from the kept CA. */
	assert_int_equal(unlink(path[2]), 0);
	assert_int_equal(jet_pki_dev_ensure(dir, err, sizeof(err)), JET_OK);
	{
		size_t n;
		char *now = slurp(path[0], &n);

		assert_int_equal(n, len[0]);
		assert_memory_equal(now, before[0], n); /* ca.crt kept */
		free(now);
		now = slurp(path[3], &n);
		assert_true(n != len[3] || memcmp(now, before[3], n) != 0); /* new key */
		free(now);
	}

	/* A loose key mode is refused and nothing is touched. */
	assert_int_equal(chmod(path[3], 0644), 0);
	assert_int_equal(jet_pki_dev_ensure(dir, err, sizeof(err)), JET_EPERM);
	assert_non_null(strstr(err, path[3]));
	assert_int_equal(mode_of(path[3]), 0644);
	assert_int_equal(chmod(path[3], 0600), 0);

	/* Server files without their CA: refused, not overwritten. */
	assert_int_equal(unlink(path[0]), 0);
	assert_int_equal(unlink(path[1]), 0);
	assert_int_equal(jet_pki_dev_ensure(dir, err, sizeof(err)), JET_EINVAL);
	assert_non_null(strstr(err, "incomplete"));
	assert_int_equal(access(path[0], F_OK), -1);

	for (int i = 0; i < 4; i++) {
		free(before[i]);
		unlink(path[i]);
	}
	rmdir(dir);
	sk_X509_INFO_pop_free(infos, X509_INFO_free);
	X509_free(ca);
}

static void
testpki_files_exist_and_are_private(void **state)
{
	struct fixture *f = *state;
	const struct jet_testpki_pair *pairs[] = {
		&f->pki.server, &f->pki.client, &f->pki.client_noeku, &f->pki.client_server_eku,
		&f->pki.client_expired, &f->pki.client_revoked, &f->pki.client_wrong_ca,
	};

	assert_int_equal(mode_of(f->pki.dir), 0700);
	for (size_t i = 0; i < JET_ARRAY_LEN(pairs); i++) {
		assert_int_equal(mode_of(pairs[i]->key), 0600);
		assert_int_equal(mode_of(pairs[i]->cert), 0644);
	}
	assert_int_equal(access(f->pki.crl, R_OK), 0);
	assert_int_equal(access(f->pki.crl_empty, R_OK), 0);
	{
		/* destroy removes everything */
		struct jet_testpki p;
		char dir[256];

		assert_int_equal(jet_testpki_create(&p), JET_OK);
		snprintf(dir, sizeof(dir), "%s", p.dir);
		jet_testpki_destroy(&p);
		assert_int_equal(access(dir, F_OK), -1);
	}
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(chain_verifies_strictly),
		cmocka_unit_test(fields_are_as_specified),
		cmocka_unit_test(path_length_and_expiry_enforced),
		cmocka_unit_test(crl_revokes),
		cmocka_unit_test(bad_specs_refused),
		cmocka_unit_test(writers_set_modes_and_round_trip),
		cmocka_unit_test(replace_is_atomic_and_refuses_symlinks),
		cmocka_unit_test(dev_pki_generated_once_and_kept),
		cmocka_unit_test(testpki_files_exist_and_are_private),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
