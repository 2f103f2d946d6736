/*
 * testpki_more.h - fixtures built on top of a jet_testpki for suites that
 * change certificates at run time (reload, revocation after start).
 */
#ifndef JET_TESTPKI_MORE_H
#define JET_TESTPKI_MORE_H

#include "testpki.h"

/* A second server certificate (same CA, same names) in pki->dir/server2.*. */
int jet_testpki_server2(const struct jet_testpki *pki, struct jet_testpki_pair *out);

/* A CRL from the root revoking the given certificates, written to out_path. */
int jet_testpki_crl_revoking(const struct jet_testpki *pki, const char *const *certs, size_t n,
	const char *out_path);

#endif
