/*
 * testproc.h - the `jetstream` binary as a child process of a test: spawn
 * with extra environment, wait until it serves TLS, stop, read its output;
 * plus small file helpers.
 */
#ifndef JET_TESTPROC_H
#define JET_TESTPROC_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

struct jet_testproc {
	pid_t pid;
	char dir[400];             /* working directory (created by jet_testproc_fresh) */
	char out[512], err[512];   /* stdout, stderr files */
	uint16_t port;             /* a free port, for the service to bind */
};

/* A port that was free a moment ago. */
uint16_t jet_test_free_port(void);

/* Fresh working directory under $JET_TEST_TMP/<tag> and a free port. */
void jet_testproc_fresh(struct jet_testproc *p, const char *tag);

/* Starts JET_BINARY argv in p->dir with stdout/stderr to p->out/p->err
 * (suffix: appended to those file names, so several processes can share a
 * directory; NULL: none).  env: NULL-terminated "K=V" strings added to the
 * environment, or NULL. */
void jet_testproc_spawn(struct jet_testproc *p, char *const argv[], const char *const *env,
	const char *suffix);

/* Exit status (128+signal when killed), or -1 after SIGKILL at timeout. */
int jet_testproc_wait(struct jet_testproc *p, int timeout_ms);

/* Runs to completion (10 s at most): the exit status. */
int jet_testproc_run(struct jet_testproc *p, char *const argv[], const char *const *env,
	const char *suffix);

/* True once something completes a TLS handshake on port (5 s at most). */
bool jet_testproc_wait_tls(uint16_t port);

/* SIGTERM, then the exit status (5 s at most). */
int jet_testproc_stop(struct jet_testproc *p);

void jet_test_write_file(const char *path, const char *text);
/* The whole file (up to 1 MiB) in a static buffer, "" when missing. */
char *jet_test_read_file(const char *path);

#endif /* JET_TESTPROC_H */
