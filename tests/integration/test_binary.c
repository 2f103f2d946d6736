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

static struct jet_testpki pki;
static char resp[1 << 16];

struct proc {
	pid_t pid;
	char dir[400];
	char out[512], err[512];
	uint16_t port;
};

/* A port that was free a moment ago (the binary must bind a fixed one). */
static uint16_t
free_port(void)
{
	struct sockaddr_in sa = { .sin_family = AF_INET };
	socklen_t len = sizeof(sa);
	int fd = socket(AF_INET, SOCK_STREAM, 0);

	sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	bind(fd, (struct sockaddr *)&sa, sizeof(sa));
	getsockname(fd, (struct sockaddr *)&sa, &len);
	close(fd);
	return ntohs(sa.sin_port);
}

static void
write_file(const char *path, const char *text)
{
	FILE *f = fopen(path, "w");

	assert_non_null(f);
	fputs(text, f);
	fclose(f);
}

static char *
read_file(const char *path)
{
	static char buf[1 << 20];
	FILE *f = fopen(path, "r");
	size_t n = 0;

	buf[0] = '\0';
	if (f != NULL) {
		n = fread(buf, 1, sizeof(buf) - 1, f);
		fclose(f);
	}
	buf[n] = '\0';
	return buf;
}

/* Runs `jetstream <args>` with stdout/stderr to files; env: "K=V" or NULL. */
static void
spawn(struct proc *p, char *const argv[], const char *env)
{
	snprintf(p->out, sizeof(p->out), "%s/stdout", p->dir);
	snprintf(p->err, sizeof(p->err), "%s/stderr", p->dir);
	p->pid = fork();
	assert_true(p->pid >= 0);
	if (p->pid == 0) {
		int o = open(p->out, O_WRONLY | O_CREAT | O_TRUNC, 0600);
		int e = open(p->err, O_WRONLY | O_CREAT | O_TRUNC, 0600);

		dup2(o, 1);
		dup2(e, 2);
		if (chdir(p->dir) != 0)
			_exit(126);
		if (env != NULL)
			putenv((char *)env);
		execv(JET_BINARY, argv);
		_exit(127);
	}
}

static int
wait_exit(struct proc *p, int timeout_ms)
{
	for (int i = 0; i < timeout_ms / 20; i++) {
		int st;

		if (waitpid(p->pid, &st, WNOHANG) == p->pid)
			return WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
		usleep(20000);
	}
	kill(p->pid, SIGKILL);
	waitpid(p->pid, NULL, 0);
	return -1;
}

/* Waits until the service answers TLS on its port. */
static bool
wait_ready(struct proc *p)
{
	for (int i = 0; i < 250; i++) {
		struct jet_testconn c;
		struct jet_testconn_opts o = { .timeout_ms = 500 };
		int rc = jet_testconn_open(&c, p->port, &o);

		jet_testconn_close(&c);
		if (rc == 0)
			return true;
		usleep(20000);
	}
	return false;
}

static int
run_to_exit(struct proc *p, char *const argv[], const char *env)
{
	spawn(p, argv, env);
	return wait_exit(p, 10000);
}

static void
fresh(struct proc *p, const char *tag)
{
	memset(p, 0, sizeof(*p));
	jet_test_tmpdir(p->dir, sizeof(p->dir), tag);
	p->port = free_port();
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
	struct proc p;
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
	struct proc p;
	char listen[64], ca[600], key[600];
	char *argv[] = { "jetstream", "up", NULL };
	struct stat st;
	struct jet_testconn_opts o = { 0 };

	fresh(&p, "devpki");
	snprintf(listen, sizeof(listen), "JETSTREAM_SERVER_LISTEN=127.0.0.1:%u", p.port);
	spawn(&p, argv, listen);
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
	struct proc p;
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
	struct proc p;
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
	struct proc p;
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
	struct proc p;
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
