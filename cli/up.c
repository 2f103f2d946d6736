/*
 * up.c - `jetstream up`: the platform on one machine with its embedded
 * defaults.  Starts the authorization server and the API service as child
 * processes of this binary (each on its default loopback address, sharing
 * the data directory ./jetstream-data), forwards SIGTERM/SIGINT to them and
 * stops both when either ends.
 */
#include <errno.h>
#include <signal.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "jet/core.h"
#include "up.h"

static volatile sig_atomic_t stop_signal;

static volatile sig_atomic_t alarm_rang;

static void
on_signal(int sig)
{
	if (sig == SIGALRM)
		alarm_rang = 1;
	else
		stop_signal = sig;
}

/* The authorization server's port: JETSTREAM_UP_AUTH_PORT or 8444. */
static unsigned
auth_port(void)
{
	const char *s = getenv("JETSTREAM_UP_AUTH_PORT");
	uint64_t v;

	if (s != NULL && jet_parse_u64_cstr(s, 65535, &v) == JET_OK && v > 0)
		return (unsigned)v;
	return 8444;
}

/* In the child: the environment that ties the two services together (the
 * issuer the API trusts is the one the authorization server is), unless
 * the user set it. */
static void
child_env(const char *verb)
{
	char v[128];
	unsigned port = auth_port();

	snprintf(v, sizeof(v), "https://localhost:%u", port);
	if (strcmp(verb, "auth") == 0) {
		char listen[64];

		snprintf(listen, sizeof(listen), "127.0.0.1:%u", port);
		setenv("JETSTREAM_SERVER_LISTEN", listen, 1);
		setenv("JETSTREAM_AUTH_ISSUER", v, 0);
	} else {
		setenv("JETSTREAM_TOKEN_ISSUER", v, 0);
	}
}

static pid_t
spawn(const char *self, const char *verb)
{
	pid_t pid = fork();

	if (pid == 0) {
		char *const argv[] = { (char *)"jetstream", (char *)verb, NULL };

		child_env(verb);
		execv(self, argv);
		fprintf(stderr, "jetstream up: cannot start %s: %s\n", verb, strerror(errno));
		_exit(127);
	}
	return pid;
}

static void
stop_all(pid_t *pids, size_t n, int sig)
{
	for (size_t i = 0; i < n; i++)
		if (pids[i] > 0)
			kill(pids[i], sig);
}

int
jet_cli_up_main(int argc, char **argv)
{
	static const char *const verbs[] = { "auth", "api" };
	pid_t pids[2] = { 0, 0 };
	struct sigaction sa;
	char self[4096];
	ssize_t n;
	int status, rc = 0;
	size_t alive = 0;
	bool stopping = false;

	if (argc > 1) {
		fprintf(stderr, "usage: jetstream up\n"
			"Starts the authorization server (https://localhost:8444, or the port in\n"
			"JETSTREAM_UP_AUTH_PORT) and the API service (https://localhost:8443) with\n"
			"the embedded defaults, data in ./jetstream-data.  JETSTREAM_<SECTION>_<KEY>\n"
			"variables reach both; each service's options: jetstream auth|api --help.\n");
		return strcmp(argv[1], "--help") == 0 ? 0 : 2;
	}
	if ((n = readlink("/proc/self/exe", self, sizeof(self) - 1)) <= 0) {
		fprintf(stderr, "jetstream up: cannot find its own binary\n");
		return 1;
	}
	self[n] = '\0';
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_signal;
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGALRM, &sa, NULL);
	/* The authorization server first: it creates the keys the API's
	 * verifier fetches (the verifier retries until it can). */
	for (size_t i = 0; i < 2; i++) {
		if ((pids[i] = spawn(self, verbs[i])) < 0) {
			fprintf(stderr, "jetstream up: fork: %s\n", strerror(errno));
			stop_all(pids, 2, SIGTERM);
			rc = 1;
			break;
		}
		alive++;
		if (i == 0)
			usleep(300 * 1000);
	}
	while (alive > 0) {
		pid_t pid = waitpid(-1, &status, 0);

		if (pid < 0) {
			if (errno != EINTR)
				break;
			if (stop_signal && !stopping) {
				stopping = true;
				stop_all(pids, 2, SIGTERM);
				/* The services drain within their shutdown_timeout
				 * (10 s by default); past 15 s they are killed. */
				alarm(15);
			} else if (alarm_rang) {
				stop_all(pids, 2, SIGKILL);
			}
			continue;
		}
		for (size_t i = 0; i < 2; i++) {
			if (pids[i] != pid)
				continue;
			pids[i] = 0;
			alive--;
			if (!stopping) {
				fprintf(stderr, "jetstream up: %s exited (%s %d); stopping the rest\n",
					verbs[i], WIFEXITED(status) ? "status" : "signal",
					WIFEXITED(status) ? WEXITSTATUS(status) : WTERMSIG(status));
				rc = 1;
				stopping = true;
				stop_all(pids, 2, SIGTERM);
				alarm(15);
			}
		}
	}
	return rc;
}
