/*
 * testpki.h - a throw-away PKI for tests: one root CA, a server certificate
 * for 127.0.0.1 / ::1 / localhost, and client certificates that are valid or
 * wrong in exactly one way each (no EKU, serverAuth only, expired, revoked,
 * from an untrusted CA), plus CRLs.  Built with lib/pki in well under a
 * second; every file lives in a private directory removed by destroy.
 */
#ifndef JET_TESTPKI_H
#define JET_TESTPKI_H

#include "jet/core.h"

struct jet_testpki_pair {
	char cert[512]; /* PEM certificate (leaf only; pki.ca is the anchor) */
	char key[512];  /* PEM key, mode 0600 */
};

struct jet_testpki {
	char dir[256];  /* $JET_TEST_TMP (or /tmp)/pki-<pid>-<counter>, mode 0700 */
	char ca[512];   /* root CA: trust anchor for server and client certificates */
	char ca_key[512];   /* its key, to issue more certificates in a test */
	char other_ca[512]; /* the untrusted CA that issued client_wrong_ca */
	/* Leaf for DNS localhost, IPs 127.0.0.1 and ::1; serverAuth. */
	struct jet_testpki_pair server;
	/* clientAuth, CN "device-1", SAN URI
	 * spiffe://jetstream.test/building/b1/device/d1, SAN DNS d1.jetstream.test */
	struct jet_testpki_pair client;
	struct jet_testpki_pair client_noeku;      /* no extendedKeyUsage at all */
	struct jet_testpki_pair client_server_eku; /* serverAuth only */
	struct jet_testpki_pair client_expired;    /* clientAuth, expired an hour ago */
	struct jet_testpki_pair client_revoked;    /* clientAuth, listed in crl */
	struct jet_testpki_pair client_wrong_ca;   /* clientAuth, issued by other_ca */
	char crl[512];       /* root's CRL listing client_revoked */
	char crl_empty[512]; /* root's CRL listing nothing */
};

/* The subject, SANs of pki.client, for assertions. */
#define JET_TESTPKI_CLIENT_CN "device-1"
#define JET_TESTPKI_CLIENT_URI "spiffe://jetstream.test/building/b1/device/d1"
#define JET_TESTPKI_CLIENT_DNS "d1.jetstream.test"

/* Creates the directory and every file.  JET_OK or an error (message on
 * stderr). */
int jet_testpki_create(struct jet_testpki *pki);
/* Removes the directory and its files; safe on a zeroed or failed pki. */
void jet_testpki_destroy(struct jet_testpki *pki);

#endif /* JET_TESTPKI_H */
