/*
 * testproc.c - child processes of the real binary for tests (testproc.h).
 */
#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include "testnet.h"
#include "testproc.h"

uint16_t
jet_test_free_port(void)
{
	struct sockaddr_in sa = { .sin_family = AF_INET };
	socklen_t len = sizeof(sa);
	int fd = socket(AF_INET, SOCK_STREAM, 0);

	sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	if (fd < 0 || bind(fd, (struct sockaddr *)&sa, sizeof(sa)) != 0 ||
		getsockname(fd, (struct sockaddr *)&sa, &len) != 0) {
		if (fd >= 0)
			close(fd);
		return 0;
	}
	close(fd);
	return ntohs(sa.sin_port);
}

void
jet_testproc_fresh(struct jet_testproc *p, const char *tag)
{
	memset(p, 0, sizeof(*p));
	jet_test_tmpdir(p->dir, sizeof(p->dir), tag);
	p->port = jet_test_free_port();
}

void
jet_testproc_spawn(struct jet_testproc *p, char *const argv[], const char *const *env,
	const char *suffix)
{
	snprintf(p->out, sizeof(p->out), "%s/stdout%s", p->dir, suffix ? suffix : "");
	snprintf(p->err, sizeof(p->err), "%s/stderr%s", p->dir, suffix ? suffix : "");
	p->pid = fork();
	if (p->pid == 0) {
		int o = open(p->out, O_WRONLY | O_CREAT | O_TRUNC, 0600);
		int e = open(p->err, O_WRONLY | O_CREAT | O_TRUNC, 0600);

		dup2(o, 1);
		dup2(e, 2);
		/* A test that crashes must not leave servers behind. */
		prctl(PR_SET_PDEATHSIG, SIGTERM);
		if (chdir(p->dir) != 0)
			_exit(126);
		for (size_t i = 0; env != NULL && env[i] != NULL; i++)
			putenv((char *)env[i]);
		execv(JET_BINARY, argv);
		_exit(127);
	}
}

int
jet_testproc_wait(struct jet_testproc *p, int timeout_ms)
{
	for (int i = 0; i < timeout_ms / 20; i++) {
		int st;

		if (waitpid(p->pid, &st, WNOHANG) == p->pid) {
			p->pid = 0;
			return WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
		}
		usleep(20000);
	}
	kill(p->pid, SIGKILL);
	waitpid(p->pid, NULL, 0);
	p->pid = 0;
	return -1;
}

int
jet_testproc_run(struct jet_testproc *p, char *const argv[], const char *const *env,
	const char *suffix)
{
	jet_testproc_spawn(p, argv, env, suffix);
	if (p->pid < 0)
		return -1;
	return jet_testproc_wait(p, 10000);
}

bool
jet_testproc_wait_tls(uint16_t port)
{
	for (int i = 0; i < 250; i++) {
		struct jet_testconn c;
		struct jet_testconn_opts o = { .timeout_ms = 500 };
		int rc = jet_testconn_open(&c, port, &o);

		jet_testconn_close(&c);
		if (rc == 0)
			return true;
		usleep(20000);
	}
	return false;
}

int
jet_testproc_stop(struct jet_testproc *p)
{
	if (p->pid <= 0)
		return -1;
	kill(p->pid, SIGTERM);
	return jet_testproc_wait(p, 5000);
}

void
jet_test_write_file(const char *path, const char *text)
{
	FILE *f = fopen(path, "w");

	if (f == NULL)
		return;
	fputs(text, f);
	fclose(f);
}

char *
jet_test_read_file(const char *path)
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
