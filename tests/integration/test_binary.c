/*
 * The `jetstream` binary as an operator meets it: --check, refused
 * configurations with file:line, the development PKI on first start, HTTPS
 * on /healthz, SIGHUP certificate reload, SIGTERM exiting 0, environment
 * overrides, and access logs that never carry secrets.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cmocka.h>
#include <jansson.h>
#include <openssl/evp.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>

#include "testnet.h"
#include "testpki_more.h"
#include "testproc.h"

static struct jet_testpki pki;
static char resp[1 << 16];

/* The binary as a child process: tests/support/testproc.h. */
#define write_file jet_test_write_file
#define read_file jet_test_read_file
#define wait_exit jet_testproc_wait

static void
spawn(struct jet_testproc *p, char *const argv[], const char *env)
{
	const char *envs[] = { env, NULL };

	jet_testproc_spawn(p, argv, envs, NULL);
}

static bool
wait_ready(struct jet_testproc *p)
{
	return jet_testproc_wait_tls(p->port);
}

static int
run_to_exit(struct jet_testproc *p, char *const argv[], const char *env)
{
	spawn(p, argv, env);
	return wait_exit(p, 10000);
}

static void
fresh(struct jet_testproc *p, const char *tag)
{
	jet_testproc_fresh(p, tag);
}

static int
group_setup(void **state)
{
	return jet_testpki_create(&pki) == JET_OK ? 0 : -1;
}

static int
group_teardown(void **state)
{
	jet_testpki_destroy(&pki);
	return 0;
}

/* ------------------------------------------------------------------ tests */

static void
check_accepts_valid_and_refuses_invalid_files(void **state)
{
	struct jet_testproc p;
	char conf[600];
	char *argv[] = { "jetstream", "api", "--config", conf, "--check", NULL };

	fresh(&p, "check");
	snprintf(conf, sizeof(conf), "%s/ok.conf", p.dir);
	write_file(conf, "# a valid file\n[server]\nlisten = 127.0.0.1:9443\n"
		"[http]\nmax_body = 2m\nheader_timeout = 5s\n");
	assert_int_equal(run_to_exit(&p, argv, NULL), 0);
	assert_non_null(strstr(read_file(p.out), "configuration OK"));

	write_file(conf, "[server]\nlisten = 127.0.0.1:9443\n\n[http]\nmax_bdy = 2m\n");
	assert_int_equal(run_to_exit(&p, argv, NULL), 1);
	assert_non_null(strstr(read_file(p.err), "ok.conf:5:"));

	write_file(conf, "[http]\nheader_timeout = soon\n");
	assert_int_equal(run_to_exit(&p, argv, NULL), 1);
	assert_non_null(strstr(read_file(p.err), "ok.conf:2:"));

	write_file(conf, "[server]\nlisten = 0.0.0.0:9443\nplain_http = true\n");
	assert_int_equal(run_to_exit(&p, argv, NULL), 1);
	assert_non_null(strstr(read_file(p.err), "loopback"));

	/* The environment is checked like the file, naming the variable. */
	write_file(conf, "[server]\nlisten = 127.0.0.1:9443\n");
	assert_int_equal(run_to_exit(&p, argv, "JETSTREAM_HTTP_MAX_HEADERS=100000"), 1);
	assert_non_null(strstr(read_file(p.err), "JETSTREAM_HTTP_MAX_HEADERS"));
}

static void
first_start_generates_dev_pki_and_serves_https(void **state)
{
	struct jet_testproc p;
	char listen[64], authport[64], ca[600], key[600];
	char *argv[] = { "jetstream", "up", NULL };
	struct stat st;
	struct jet_testconn_opts o = { 0 };

	fresh(&p, "devpki");
	snprintf(listen, sizeof(listen), "JETSTREAM_SERVER_LISTEN=127.0.0.1:%u", p.port);
	snprintf(authport, sizeof(authport), "JETSTREAM_UP_AUTH_PORT=%u", jet_test_free_port());
	{
		const char *envs[] = { listen, authport, NULL };

		jet_testproc_spawn(&p, argv, envs, NULL);
	}
	assert_true(wait_ready(&p));
	snprintf(ca, sizeof(ca), "%s/jetstream-data/tls/ca.crt", p.dir);
	snprintf(key, sizeof(key), "%s/jetstream-data/tls/server.key", p.dir);
	assert_int_equal(stat(key, &st), 0);
	assert_int_equal(st.st_mode & 0777, 0600);
	/* Verified against the generated CA: the server certificate is right. */
	o.ca = ca;
	assert_int_equal(jet_test_request(p.port, &o,
		"GET /healthz HTTP/1.1\r\nHost: localhost\r\n\r\n", resp, sizeof(resp)), 200);
	assert_non_null(strstr(resp, "\r\n\r\n{\"status\":\"ok\"}"));
	assert_non_null(strstr(read_file(p.err), "https://"));
	{
		char want[64];

		snprintf(want, sizeof(want), "\"address\":\"127.0.0.1:%u\"", p.port);
		assert_non_null(strstr(read_file(p.err), want));
	}
	kill(p.pid, SIGTERM);
	assert_int_equal(wait_exit(&p, 5000), 0);
}

/* SHA-256 of the certificate the server presents. */
static void
served_cert_digest(uint16_t port, unsigned char out[32])
{
	struct jet_testconn c;
	struct jet_testconn_opts o = { 0 };
	X509 *x;
	unsigned int n = 32;

	assert_int_equal(jet_testconn_open(&c, port, &o), 0);
	x = SSL_get1_peer_certificate(c.ssl);
	assert_non_null(x);
	X509_digest(x, EVP_sha256(), out, &n);
	X509_free(x);
	jet_testconn_close(&c);
}

static void
sighup_reloads_certificate_and_sigterm_exits_zero(void **state)
{
	struct jet_testproc p;
	char conf[600], cert[600], key[600], cmd[4096];
	char *argv[] = { "jetstream", "api", "--config", conf, NULL };
	unsigned char before[32], after[32], second[32];
	struct jet_testpki_pair server2;

	fresh(&p, "reload");
	snprintf(cert, sizeof(cert), "%s/server.crt", p.dir);
	snprintf(key, sizeof(key), "%s/server.key", p.dir);
	snprintf(cmd, sizeof(cmd), "cp '%s' '%s' && cp '%s' '%s' && chmod 600 '%s'",
		pki.server.cert, cert, pki.server.key, key, key);
	assert_int_equal(system(cmd), 0);
	snprintf(conf, sizeof(conf), "%s/api.conf", p.dir);
	{
		char text[4096];

		snprintf(text, sizeof(text), "[server]\nlisten = 127.0.0.1:%u\nworkers = 2\n"
			"[tls]\ncert = %s\nkey = %s\n[log]\naccess = off\n", p.port, cert, key);
		write_file(conf, text);
	}
	spawn(&p, argv, NULL);
	assert_true(wait_ready(&p));
	served_cert_digest(p.port, before);

	/* Swap in another certificate and key, then SIGHUP. */
	assert_int_equal(jet_testpki_server2(&pki, &server2), JET_OK);
	snprintf(cmd, sizeof(cmd), "cp '%s' '%s' && cp '%s' '%s'", server2.cert, cert,
		server2.key, key);
	assert_int_equal(system(cmd), 0);
	kill(p.pid, SIGHUP);
	for (int i = 0; i < 100; i++) {
		served_cert_digest(p.port, after);
		if (memcmp(before, after, 32) != 0)
			break;
		usleep(20000);
	}
	assert_memory_not_equal(before, after, 32);

	/* A broken key file: the reload is refused, the service keeps serving
	 * the running certificate. */
	write_file(key, "not a key\n");
	kill(p.pid, SIGHUP);
	usleep(300000);
	served_cert_digest(p.port, second);
	assert_memory_equal(after, second, 32);
	assert_non_null(strstr(read_file(p.err), "reload failed"));

	kill(p.pid, SIGTERM);
	assert_int_equal(wait_exit(&p, 5000), 0);
}

static void
access_log_is_json_and_never_holds_secrets(void **state)
{
	struct jet_testproc p;
	char conf[600], log[600];
	char *argv[] = { "jetstream", "api", "--config", conf, NULL };
	struct jet_testconn_opts o = { 0 };
	char *text, *line, *save = NULL;
	int lines = 0, seen_ours = 0;

	fresh(&p, "accesslog");
	snprintf(conf, sizeof(conf), "%s/api.conf", p.dir);
	snprintf(log, sizeof(log), "%s/access.log", p.dir);
	{
		char t[4096];

		snprintf(t, sizeof(t), "[server]\nlisten = 127.0.0.1:%u\n[tls]\ncert = %s\nkey = %s\n"
			"[log]\naccess = %s\n", p.port, pki.server.cert, pki.server.key, log);
		write_file(conf, t);
	}
	spawn(&p, argv, NULL);
	assert_true(wait_ready(&p));
	assert_int_equal(jet_test_request(p.port, &o,
		"GET /healthz?access_token=sekrit-query HTTP/1.1\r\nHost: localhost\r\n"
		"Authorization: Bearer sekrit-bearer\r\nCookie: s=sekrit-cookie\r\n"
		"X-Request-Id: req-42\r\n\r\n", resp, sizeof(resp)), 200);
	assert_int_equal(jet_test_request(p.port, &o,
		"GET /missing HTTP/1.1\r\nHost: localhost\r\n\r\n", resp, sizeof(resp)), 404);
	kill(p.pid, SIGTERM); /* flushes the access log */
	assert_int_equal(wait_exit(&p, 5000), 0);

	/* read_file returns one static buffer: the log is read last. */
	assert_null(strstr(read_file(p.out), "sekrit"));
	assert_null(strstr(read_file(p.err), "sekrit"));
	text = read_file(log);
	assert_null(strstr(text, "sekrit"));
	for (line = strtok_r(text, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
		json_error_t je;
		json_t *j = json_loads(line, 0, &je);

		assert_non_null(j);
		assert_non_null(json_object_get(j, "method"));
		assert_non_null(json_object_get(j, "status"));
		assert_non_null(json_object_get(j, "duration_us"));
		assert_non_null(json_object_get(j, "peer"));
		assert_non_null(json_object_get(j, "request_id"));
		assert_non_null(json_object_get(j, "bytes_out"));
		/* Workers buffer their own lines: the order across them is free. */
		if (strcmp(json_string_value(json_object_get(j, "request_id")), "req-42") == 0) {
			assert_string_equal(json_string_value(json_object_get(j, "path")), "/healthz");
			assert_int_equal(json_integer_value(json_object_get(j, "status")), 200);
			seen_ours++;
		}
		json_decref(j);
		lines++;
	}
	assert_int_equal(lines, 2);
	assert_int_equal(seen_ours, 1);
}

static void
key_file_readable_by_others_is_refused(void **state)
{
	struct jet_testproc p;
	char conf[600], key[600], cmd[4096];
	char *argv[] = { "jetstream", "api", "--config", conf, NULL };

	fresh(&p, "keymode");
	snprintf(key, sizeof(key), "%s/open.key", p.dir);
	snprintf(cmd, sizeof(cmd), "cp '%s' '%s' && chmod 644 '%s'", pki.server.key, key, key);
	assert_int_equal(system(cmd), 0);
	snprintf(conf, sizeof(conf), "%s/api.conf", p.dir);
	{
		char t[4096];

		snprintf(t, sizeof(t), "[server]\nlisten = 127.0.0.1:%u\n[tls]\ncert = %s\nkey = %s\n",
			p.port, pki.server.cert, key);
		write_file(conf, t);
	}
	assert_int_equal(run_to_exit(&p, argv, NULL), 1);
	assert_non_null(strstr(read_file(p.err), "open.key"));
}

static void
unknown_command_and_help(void **state)
{
	struct jet_testproc p;
	char *bad[] = { "jetstream", "frobnicate", NULL };
	char *help[] = { "jetstream", "help", NULL };

	fresh(&p, "cli");
	assert_int_equal(run_to_exit(&p, bad, NULL), 2);
	assert_non_null(strstr(read_file(p.err), "unknown command"));
	assert_int_equal(run_to_exit(&p, help, NULL), 0);
	assert_non_null(strstr(read_file(p.out), "api"));
	assert_non_null(strstr(read_file(p.out), "up"));
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(check_accepts_valid_and_refuses_invalid_files),
		cmocka_unit_test(first_start_generates_dev_pki_and_serves_https),
		cmocka_unit_test(sighup_reloads_certificate_and_sigterm_exits_zero),
		cmocka_unit_test(access_log_is_json_and_never_holds_secrets),
		cmocka_unit_test(key_file_readable_by_others_is_refused),
		cmocka_unit_test(unknown_command_and_help),
	};
	signal(SIGPIPE, SIG_IGN);
	return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
