/*
 * access.c - the access log: one line per request, buffered per thread.
 *
 * Each thread that logs gets a JET_LOG_ACCESS_BUF buffer holding complete
 * lines only.  It is written with one write(2) when the next line would not
 * fit, on jet_log_flush(), when the thread exits (pthread key destructor),
 * and at process exit (atexit) - the last two for every thread still
 * registered, so lines of the main thread and of threads alive at exit()
 * are not lost.
 *
 * Locking: a buffer's mutex is taken by its own thread for every line
 * (uncontended: a few ns) and by flush_all (exit, close, re-open), the only
 * other thread that may touch it.  The registry of buffers has its own
 * mutex; lock order is registry, then buffer.  The thread-exit destructor
 * never holds both at once.
 *
 * If a buffer cannot be had (no memory, no key), the line is written
 * directly: slower, never lost.
 */
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "log_int.h"

/* Caps for the strings of a record; the sum stays far below a line. */
#define METHOD_CAP 34
#define PATH_CAP 2048
#define PEER_CAP 96
#define REQUEST_ID_CAP 130
#define IDENTITY_CAP 512

struct tbuf {
	pthread_mutex_t mu;       /* owner thread vs flush_all */
	struct tbuf *prev, *next; /* registry links; under reg_mu */
	size_t len;               /* bytes of complete lines in data; under mu */
	char data[JET_LOG_ACCESS_BUF];
};

static pthread_mutex_t reg_mu = PTHREAD_MUTEX_INITIALIZER;
static struct tbuf *reg_head;            /* under reg_mu */
static pthread_once_t init_once = PTHREAD_ONCE_INIT;
static pthread_key_t tkey;               /* its destructor flushes at thread exit */
static bool tkey_ok;                     /* written once, under init_once */
static _Thread_local struct tbuf *mine;  /* this thread's buffer, or NULL */

/* Caller holds t->mu. */
static void
flush_locked(struct tbuf *t)
{
	int fd;

	if (t->len > 0 && (fd = log_access_fd()) >= 0)
		log_write_all(fd, t->data, t->len);
	t->len = 0;
}

static void
unregister(struct tbuf *t)
{
	pthread_mutex_lock(&reg_mu);
	if (t->prev != NULL)
		t->prev->next = t->next;
	else
		reg_head = t->next;
	if (t->next != NULL)
		t->next->prev = t->prev;
	pthread_mutex_unlock(&reg_mu);
}

static void
thread_exit(void *p)
{
	struct tbuf *t = p;

	pthread_mutex_lock(&t->mu);
	flush_locked(t);
	pthread_mutex_unlock(&t->mu);
	unregister(t);
	pthread_mutex_destroy(&t->mu);
	free(t);
	/* A later destructor may still log: it will get a fresh buffer. */
	mine = NULL;
}

void
log_access_flush_all(void)
{
	pthread_mutex_lock(&reg_mu);
	for (struct tbuf *t = reg_head; t != NULL; t = t->next) {
		pthread_mutex_lock(&t->mu);
		flush_locked(t);
		pthread_mutex_unlock(&t->mu);
	}
	pthread_mutex_unlock(&reg_mu);
}

static void
at_exit(void)
{
	log_access_flush_all();
}

static void
init(void)
{
	tkey_ok = pthread_key_create(&tkey, thread_exit) == 0;
	atexit(at_exit);
}

static struct tbuf *
my_buffer(void)
{
	struct tbuf *t;

	if (mine != NULL)
		return mine;
	pthread_once(&init_once, init);
	if (!tkey_ok || (t = malloc(sizeof(*t))) == NULL)
		return NULL;
	if (pthread_mutex_init(&t->mu, NULL) != 0) {
		free(t);
		return NULL;
	}
	if (pthread_setspecific(tkey, t) != 0) {
		pthread_mutex_destroy(&t->mu);
		free(t);
		return NULL;
	}
	t->len = 0;
	t->prev = NULL;
	pthread_mutex_lock(&reg_mu);
	t->next = reg_head;
	if (reg_head != NULL)
		reg_head->prev = t;
	reg_head = t;
	pthread_mutex_unlock(&reg_mu);
	mine = t;
	return t;
}

/* A string field of the record, redacted if it carries a credential. */
static void
put_str(struct log_line *l, const char *key, const char *v, size_t len, size_t cap)
{
	static const char redacted[] = "[redacted]";

	if (v == NULL) {
		v = "";
		len = 0;
	}
	if (jet_log_value_is_secret(v, len))
		log_line_str(l, key, redacted, sizeof(redacted) - 1, cap);
	else
		log_line_str(l, key, v, len, cap);
}

void
jet_log_access(const struct jet_access_rec *rec)
{
	struct log_line l;
	struct tbuf *t;
	int fd;

	if (rec == NULL || log_access_fd() < 0)
		return;
	log_line_begin(&l);
	log_line_str(&l, "type", "access", 6, 16);
	put_str(&l, "method", rec->method, rec->method ? strlen(rec->method) : 0, METHOD_CAP);
	put_str(&l, "path", rec->path.p, rec->path.p ? rec->path.len : 0, PATH_CAP);
	log_line_int(&l, "status", rec->status);
	log_line_u64(&l, "bytes_in", rec->bytes_in);
	log_line_u64(&l, "bytes_out", rec->bytes_out);
	log_line_u64(&l, "duration_us", rec->duration_us);
	put_str(&l, "peer", rec->peer, rec->peer ? strlen(rec->peer) : 0, PEER_CAP);
	put_str(&l, "request_id", rec->request_id,
		rec->request_id ? strlen(rec->request_id) : 0, REQUEST_ID_CAP);
	if (rec->identity != NULL)
		put_str(&l, "identity", rec->identity, strlen(rec->identity), IDENTITY_CAP);
	log_line_end(&l);

	if ((t = my_buffer()) == NULL) {
		if ((fd = log_access_fd()) >= 0)
			log_write_all(fd, l.b.data, l.b.len);
		return;
	}
	pthread_mutex_lock(&t->mu);
	if (t->len + l.b.len > sizeof(t->data))
		flush_locked(t);
	memcpy(t->data + t->len, l.b.data, l.b.len);
	t->len += l.b.len;
	pthread_mutex_unlock(&t->mu);
}

void
jet_log_flush(void)
{
	struct tbuf *t = mine;

	if (t == NULL)
		return;
	pthread_mutex_lock(&t->mu);
	flush_locked(t);
	pthread_mutex_unlock(&t->mu);
}
