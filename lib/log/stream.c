/*
 * stream.c - where log lines go, and how that changes while threads write.
 *
 * Each stream (access, error) has the fd writers use, read with one atomic
 * load per line or flush, and the fd this module opened ("own").  The rule
 * that makes re-open safe without a lock on the write path:
 *
 *     an fd this module opened is never closed while the process logs.
 *
 * Re-opening a file dup2(2)s the new file onto the own fd number, which
 * atomically switches the file behind it: a writer that loaded the number a
 * moment ago writes to the old file or to the new one, never to a closed
 * descriptor or to whatever open(2) would have reused the number for (a
 * socket, a key file).  Switching to "-" points writers at fd 1/2 and
 * parks the own fd on a duplicate of it; "off" parks it on /dev/null.
 * Either releases the old file while keeping the number allocated.  Only jet_log_close closes own fds, and its
 * contract is that no other thread logs any more.
 *
 * Configuration changes are serialised by cfg_mu; writers never take it.
 */
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "log_int.h"

struct stream {
	_Atomic int fd;   /* where lines go now: -1 off; any thread reads */
	int own;          /* fd opened here, -1 if none; under cfg_mu */
	const int std;    /* the fd "-" means */
	const char *name; /* for error messages */
};

/* Before jet_log_open both streams go to stderr, as the header promises. */
static struct stream streams[2] = {
	{ 2, -1, 1, "access log" },
	{ 2, -1, 2, "error log" },
};
#define ACCESS (&streams[0])
#define ERROR (&streams[1])

static _Atomic int min_level = JET_LOG_INFO;
static pthread_mutex_t cfg_mu = PTHREAD_MUTEX_INITIALIZER;

int
log_access_fd(void)
{
	return atomic_load_explicit(&ACCESS->fd, memory_order_acquire);
}

int
log_error_fd(void)
{
	return atomic_load_explicit(&ERROR->fd, memory_order_acquire);
}

void
log_write_all(int fd, const char *p, size_t n)
{
	while (n > 0) {
		ssize_t w = write(fd, p, n);

		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0)
			return; /* EAGAIN on a non-blocking tty, EPIPE, ENOSPC: drop */
		p += w;
		n -= (size_t)w;
	}
}

static int
dup2_retry(int from, int to)
{
	int rc;

	/* EBUSY is Linux's transient answer while another thread's open(2)
	 * holds the number; both are worth a retry. */
	do
		rc = dup2(from, to);
	while (rc < 0 && (errno == EINTR || errno == EBUSY));
	return rc;
}

enum target {
	TARGET_OFF = 0,
	TARGET_STD,
	TARGET_FILE,
};

static enum target
target_of(const char *path)
{
	if (strcmp(path, "off") == 0)
		return TARGET_OFF;
	if (strcmp(path, "-") == 0)
		return TARGET_STD;
	return TARGET_FILE;
}

/* Points s at fd (a file just opened, stdout/stderr, or -1). */
static void
commit(struct stream *s, enum target t, int newfd)
{
	int devnull;

	switch (t) {
	case TARGET_OFF:
		atomic_store_explicit(&s->fd, -1, memory_order_release);
		if (s->own >= 0 && (devnull = open("/dev/null", O_WRONLY | O_CLOEXEC)) >= 0) {
			dup2_retry(devnull, s->own);
			close(devnull);
		}
		return;
	case TARGET_STD:
		/* Writers use fd 1/2 itself, so a later dup2 onto it (a daemon
		 * redirecting stderr) is followed.  The own fd, which a writer
		 * may have loaded a moment ago, is parked on the same stream:
		 * that releases the old file and still sends the line right. */
		if (s->own >= 0)
			dup2_retry(s->std, s->own);
		newfd = s->std;
		break;
	case TARGET_FILE:
		if (s->own >= 0 && dup2_retry(newfd, s->own) >= 0) {
			close(newfd);
			newfd = s->own;
		} else {
			/* First file, or dup2 failed: the new fd becomes ours; an
			 * old own fd stays open (leaked, never reused). */
			s->own = newfd;
		}
		break;
	}
	atomic_store_explicit(&s->fd, newfd, memory_order_release);
}

int
jet_log_open(const char *access_path, const char *error_path, enum jet_log_level level,
	char *err, size_t errlen)
{
	const char *paths[2] = { access_path, error_path };
	int fds[2] = { -1, -1 };

	if (err != NULL && errlen > 0)
		err[0] = '\0';
	if (access_path == NULL || error_path == NULL || level < JET_LOG_DEBUG ||
	    level > JET_LOG_ERROR) {
		if (err != NULL)
			snprintf(err, errlen, "log: invalid argument");
		return JET_EINVAL;
	}
	pthread_mutex_lock(&cfg_mu);
	for (int i = 0; i < 2; i++) {
		if (target_of(paths[i]) != TARGET_FILE)
			continue;
		fds[i] = open(paths[i], O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC | O_NOCTTY, 0640);
		if (fds[i] < 0) {
			if (err != NULL)
				snprintf(err, errlen, "%s %s: %s", streams[i].name, paths[i],
					strerror(errno));
			if (i == 1 && fds[0] >= 0)
				close(fds[0]);
			pthread_mutex_unlock(&cfg_mu);
			return JET_EIO;
		}
	}
	/* Buffered access lines belong to the old file: write them there. */
	log_access_flush_all();
	for (int i = 0; i < 2; i++)
		commit(&streams[i], target_of(paths[i]), fds[i]);
	atomic_store_explicit(&min_level, (int)level, memory_order_release);
	pthread_mutex_unlock(&cfg_mu);
	return JET_OK;
}

void
jet_log_close(void)
{
	log_access_flush_all();
	pthread_mutex_lock(&cfg_mu);
	for (int i = 0; i < 2; i++) {
		atomic_store_explicit(&streams[i].fd, 2, memory_order_release);
		if (streams[i].own >= 0)
			close(streams[i].own);
		streams[i].own = -1;
	}
	atomic_store_explicit(&min_level, JET_LOG_INFO, memory_order_release);
	pthread_mutex_unlock(&cfg_mu);
}

static const char *const level_names[] = {
	[JET_LOG_DEBUG] = "debug",
	[JET_LOG_INFO] = "info",
	[JET_LOG_WARN] = "warn",
	[JET_LOG_ERROR] = "error",
};

const char *
log_level_name(enum jet_log_level level)
{
	if ((unsigned)level >= JET_ARRAY_LEN(level_names))
		return "error";
	return level_names[level];
}

int
jet_log_level_parse(const char *s, enum jet_log_level *out)
{
	for (size_t i = 0; s != NULL && i < JET_ARRAY_LEN(level_names); i++) {
		if (strcmp(s, level_names[i]) == 0) {
			*out = (enum jet_log_level)i;
			return JET_OK;
		}
	}
	return JET_EINVAL;
}

bool
jet_log_enabled(enum jet_log_level level)
{
	return (int)level >= atomic_load_explicit(&min_level, memory_order_acquire) &&
		level <= JET_LOG_ERROR && log_error_fd() >= 0;
}
