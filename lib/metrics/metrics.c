/*
 * metrics.c - the registry, family declaration, series lookup and the
 * lock-free updates (Prometheus text format 0.0.4 is written by render.c).
 *
 * Invariants: a family's series count never passes max_series (plus the one
 * overflow series); series are never freed before the registry; a series'
 * label values are valid UTF-8 of at most JET_METRICS_VALUE_MAX bytes, so
 * rendering needs no further checks.  The per-family hash is seeded per
 * registry so that chosen label values cannot be made to share one chain.
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/rand.h>

#include "metrics_int.h"

#define TABLE_MIN 64

/* ------------------------------------------------------------------------
 * Registry
 * --------------------------------------------------------------------- */

int
jet_metrics_new(struct jet_metrics **out)
{
	struct jet_metrics *m;

	*out = NULL;
	if ((m = calloc(1, sizeof(*m))) == NULL)
		return JET_ENOMEM;
	pthread_mutex_init(&m->lock, NULL);
	/* The seed only spreads chains; a clock fallback is good enough. */
	if (RAND_bytes((unsigned char *)&m->seed, sizeof(m->seed)) != 1)
		m->seed = jet_now_ns();
	*out = m;
	return JET_OK;
}

static void
series_free(struct series *s, enum kind kind)
{
	if (s == NULL)
		return;
	if (kind == KIND_HISTOGRAM)
		free(s->u.h.counts);
	free(s->values[0]);
	free(s);
}

static void
family_free(struct jet_metrics_family *f)
{
	struct series *s, *next;

	if (f == NULL)
		return;
	for (s = atomic_load_explicit(&f->head, memory_order_relaxed); s != NULL; s = next) {
		next = atomic_load_explicit(&s->next, memory_order_relaxed);
		series_free(s, f->kind);
	}
	if (!f->overflow_listed)
		series_free(f->overflow, f->kind);
	pthread_mutex_destroy(&f->lock);
	free(f->table);
	free(f->bounds);
	for (size_t i = 0; i < f->nlabels; i++)
		free(f->labels[i]);
	free(f->help);
	free(f->name);
	free(f);
}

void
jet_metrics_free(struct jet_metrics *m)
{
	struct jet_metrics_family *f, *next;

	if (m == NULL)
		return;
	for (f = m->first; f != NULL; f = next) {
		next = f->next;
		family_free(f);
	}
	pthread_mutex_destroy(&m->lock);
	free(m);
}

/* ------------------------------------------------------------------------
 * Names and label values
 * --------------------------------------------------------------------- */

/* [a-zA-Z_:][a-zA-Z0-9_:]* for metrics, the same without ':' for labels. */
static bool
name_valid(const char *s, bool colon)
{
	size_t i;

	if (s == NULL || s[0] == '\0')
		return false;
	for (i = 0; s[i] != '\0'; i++) {
		char c = s[i];
		bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_' ||
			(colon && c == ':') || (i > 0 && c >= '0' && c <= '9');

		if (!ok || i >= JET_METRICS_NAME_MAX)
			return false;
	}
	return true;
}

/* Length of the valid UTF-8 sequence at p (n bytes left), 0 when invalid
 * (RFC 3629: no overlongs, no surrogates, nothing above U+10FFFF). */
static size_t
utf8_seq(const unsigned char *p, size_t n)
{
	unsigned char c = p[0];

	if (c < 0x80)
		return 1;
	if (c >= 0xc2 && c <= 0xdf)
		return n >= 2 && (p[1] & 0xc0) == 0x80 ? 2 : 0;
	if (c >= 0xe0 && c <= 0xef) {
		unsigned char lo = c == 0xe0 ? 0xa0 : 0x80, hi = c == 0xed ? 0x9f : 0xbf;

		return n >= 3 && p[1] >= lo && p[1] <= hi && (p[2] & 0xc0) == 0x80 ? 3 : 0;
	}
	if (c >= 0xf0 && c <= 0xf4) {
		unsigned char lo = c == 0xf0 ? 0x90 : 0x80, hi = c == 0xf4 ? 0x8f : 0xbf;

		return n >= 4 && p[1] >= lo && p[1] <= hi && (p[2] & 0xc0) == 0x80 &&
			(p[3] & 0xc0) == 0x80 ? 4 : 0;
	}
	return 0;
}

/* Copies at most JET_METRICS_VALUE_MAX bytes of in as valid UTF-8 (bad
 * bytes become '?', a character that would cross the limit is dropped with
 * the rest); out holds JET_METRICS_VALUE_MAX + 1.  Returns the length. */
static size_t
value_sanitise(const char *in, char *out)
{
	const unsigned char *p = (const unsigned char *)(in ? in : "");
	size_t n = strlen((const char *)p), i = 0, o = 0;

	while (i < n) {
		size_t k = utf8_seq(p + i, n - i);

		if (k == 0) {
			if (o + 1 > JET_METRICS_VALUE_MAX)
				break;
			out[o++] = '?';
			i++;
			continue;
		}
		if (o + k > JET_METRICS_VALUE_MAX)
			break;
		memcpy(out + o, p + i, k);
		o += k;
		i += k;
	}
	out[o] = '\0';
	return o;
}

static uint64_t
values_hash(uint64_t seed, char vals[][JET_METRICS_VALUE_MAX + 1], const size_t *lens, size_t n)
{
	uint64_t h = 0xcbf29ce484222325ULL ^ seed;

	for (size_t i = 0; i < n; i++) {
		for (size_t j = 0; j < lens[i]; j++) {
			h ^= (unsigned char)vals[i][j];
			h *= 0x100000001b3ULL;
		}
		h ^= 0xff; /* separator: ("ab","") differs from ("a","b") */
		h *= 0x100000001b3ULL;
	}
	/* Final mix so that the low bits used by the table depend on all. */
	h ^= h >> 33;
	h *= 0xff51afd7ed558ccdULL;
	h ^= h >> 33;
	return h;
}

/* ------------------------------------------------------------------------
 * Families
 * --------------------------------------------------------------------- */

static struct series *
series_new(const struct jet_metrics_family *f, char vals[][JET_METRICS_VALUE_MAX + 1],
	const size_t *lens, uint64_t hash)
{
	struct series *s;
	size_t total = 0;
	char *block, *p;

	if ((s = calloc(1, sizeof(*s))) == NULL)
		return NULL;
	for (size_t i = 0; i < f->nlabels; i++)
		total += lens[i] + 1;
	if ((block = malloc(total ? total : 1)) == NULL)
		goto fail;
	s->values[0] = block;
	p = block;
	for (size_t i = 0; i < f->nlabels; i++) {
		memcpy(p, vals[i], lens[i] + 1);
		s->values[i] = p;
		p += lens[i] + 1;
	}
	s->hash = hash;
	if (f->kind == KIND_HISTOGRAM) {
		s->u.h.f = f;
		s->u.h.counts = calloc(f->nbounds + 1, sizeof(*s->u.h.counts));
		if (s->u.h.counts == NULL)
			goto fail;
	}
	return s;
fail:
	free(s->values[0]);
	free(s);
	return NULL;
}

/* Appends s to the render list; the release store publishes its contents. */
static void
series_publish(struct jet_metrics_family *f, struct series *s)
{
	if (f->tail == NULL)
		atomic_store_explicit(&f->head, s, memory_order_release);
	else
		atomic_store_explicit(&f->tail->next, s, memory_order_release);
	f->tail = s;
}

static bool
labels_valid(const char *const *names, size_t n, bool histogram)
{
	if (n > JET_METRICS_LABELS_MAX || (n > 0 && names == NULL))
		return false;
	for (size_t i = 0; i < n; i++) {
		if (!name_valid(names[i], false) || strncmp(names[i], "__", 2) == 0)
			return false;
		if (histogram && strcmp(names[i], "le") == 0)
			return false;
		for (size_t j = 0; j < i; j++)
			if (strcmp(names[i], names[j]) == 0)
				return false;
	}
	return true;
}

static bool
bounds_valid(const double *b, size_t n)
{
	if (n == 0 || n > JET_METRICS_BUCKETS_MAX || b == NULL)
		return false;
	for (size_t i = 0; i < n; i++) {
		if (!isfinite(b[i]) || (i > 0 && !(b[i] > b[i - 1])))
			return false;
	}
	return true;
}

static int
family_add(struct jet_metrics *m, enum kind kind, const char *name, const char *help,
	const char *const *label_names, size_t nlabels, const double *bounds, size_t nbounds,
	jet_metrics_read_fn fn, void *arg, struct jet_metrics_family **out)
{
	struct jet_metrics_family *f = NULL, *g;
	int rc = JET_ENOMEM;

	if (out != NULL)
		*out = NULL;
	if (m == NULL || !name_valid(name, true) || help == NULL ||
		!labels_valid(label_names, nlabels, kind == KIND_HISTOGRAM))
		return JET_EINVAL;
	if (kind == KIND_HISTOGRAM && !bounds_valid(bounds, nbounds))
		return JET_EINVAL;
	if ((f = calloc(1, sizeof(*f))) == NULL)
		return JET_ENOMEM;
	pthread_mutex_init(&f->lock, NULL);
	f->kind = kind;
	f->fn = fn;
	f->arg = arg;
	f->seed = m->seed;
	f->max_series = JET_METRICS_MAX_SERIES;
	if ((f->name = strdup(name)) == NULL || (f->help = strdup(help)) == NULL)
		goto fail;
	for (size_t i = 0; i < nlabels; i++) {
		if ((f->labels[i] = strdup(label_names[i])) == NULL)
			goto fail;
		f->nlabels = i + 1;
	}
	if (kind == KIND_HISTOGRAM) {
		if ((f->bounds = malloc(nbounds * sizeof(*bounds))) == NULL)
			goto fail;
		memcpy(f->bounds, bounds, nbounds * sizeof(*bounds));
		f->nbounds = nbounds;
	}
	if (kind == KIND_CB_COUNTER || kind == KIND_CB_GAUGE) {
		/* Callback families have no series: render.c calls fn. */
	} else if (nlabels == 0) {
		struct series *s = series_new(f, NULL, NULL, 0);

		if (s == NULL)
			goto fail;
		series_publish(f, s);
		f->nseries = 1;
	} else {
		char vals[JET_METRICS_LABELS_MAX][JET_METRICS_VALUE_MAX + 1];
		size_t lens[JET_METRICS_LABELS_MAX];

		f->tsize = TABLE_MIN;
		if ((f->table = calloc(f->tsize, sizeof(*f->table))) == NULL)
			goto fail;
		for (size_t i = 0; i < nlabels; i++)
			lens[i] = value_sanitise(JET_METRICS_OVERFLOW_VALUE, vals[i]);
		/* In the table from the start, so that a lookup of these very
		 * values finds it and never makes a second series like it. */
		f->overflow = series_new(f, vals, lens, values_hash(f->seed, vals, lens, nlabels));
		if (f->overflow == NULL)
			goto fail;
		f->table[f->overflow->hash & (f->tsize - 1)] = f->overflow;
	}

	pthread_mutex_lock(&m->lock);
	for (g = m->first; g != NULL; g = g->next) {
		if (strcmp(g->name, name) == 0) {
			pthread_mutex_unlock(&m->lock);
			rc = JET_EEXIST;
			goto fail;
		}
	}
	if (m->last != NULL)
		m->last->next = f;
	else
		m->first = f;
	m->last = f;
	pthread_mutex_unlock(&m->lock);
	if (out != NULL)
		*out = f;
	return JET_OK;
fail:
	family_free(f);
	return rc;
}

int
jet_metrics_counter_family(struct jet_metrics *m, const char *name, const char *help,
	const char *const *label_names, size_t nlabels, struct jet_metrics_family **out)
{
	return family_add(m, KIND_COUNTER, name, help, label_names, nlabels, NULL, 0, NULL, NULL,
		out);
}

int
jet_metrics_gauge_family(struct jet_metrics *m, const char *name, const char *help,
	const char *const *label_names, size_t nlabels, struct jet_metrics_family **out)
{
	return family_add(m, KIND_GAUGE, name, help, label_names, nlabels, NULL, 0, NULL, NULL,
		out);
}

int
jet_metrics_histogram_family(struct jet_metrics *m, const char *name, const char *help,
	const char *const *label_names, size_t nlabels, const double *bounds, size_t nbounds,
	struct jet_metrics_family **out)
{
	return family_add(m, KIND_HISTOGRAM, name, help, label_names, nlabels, bounds, nbounds,
		NULL, NULL, out);
}

int
jet_metrics_callback_family(struct jet_metrics *m, enum jet_metrics_type type,
	const char *name, const char *help, jet_metrics_read_fn fn, void *arg)
{
	enum kind kind;

	if (fn == NULL)
		return JET_EINVAL;
	if (type == JET_METRICS_COUNTER)
		kind = KIND_CB_COUNTER;
	else if (type == JET_METRICS_GAUGE)
		kind = KIND_CB_GAUGE;
	else
		return JET_EINVAL;
	return family_add(m, kind, name, help, NULL, 0, NULL, 0, fn, arg, NULL);
}

int
jet_metrics_family_set_max_series(struct jet_metrics_family *f, size_t max_series)
{
	if (f == NULL || max_series == 0 || f->nlabels == 0)
		return JET_EINVAL;
	pthread_mutex_lock(&f->lock);
	f->max_series = max_series;
	pthread_mutex_unlock(&f->lock);
	return JET_OK;
}

uint64_t
jet_metrics_family_overflows(const struct jet_metrics_family *f)
{
	return f ? atomic_load_explicit(&f->overflows, memory_order_relaxed) : 0;
}

/* ------------------------------------------------------------------------
 * Series lookup
 * --------------------------------------------------------------------- */

/* Doubles the table when chains average more than two; under f->lock.  A
 * failed allocation keeps the old table (longer chains, still correct). */
static void
table_grow(struct jet_metrics_family *f)
{
	size_t nsize = f->tsize * 2;
	struct series **nt, *s, *next;

	if (f->nseries + 1 <= f->tsize * 2)
		return;
	if ((nt = calloc(nsize, sizeof(*nt))) == NULL)
		return;
	for (size_t i = 0; i < f->tsize; i++) {
		for (s = f->table[i]; s != NULL; s = next) {
			next = s->hnext;
			s->hnext = nt[s->hash & (nsize - 1)];
			nt[s->hash & (nsize - 1)] = s;
		}
	}
	free(f->table);
	f->table = nt;
	f->tsize = nsize;
}

static struct series *
series_get(struct jet_metrics_family *f, enum kind kind, const char *const *label_values)
{
	char vals[JET_METRICS_LABELS_MAX][JET_METRICS_VALUE_MAX + 1];
	size_t lens[JET_METRICS_LABELS_MAX];
	struct series *s;
	uint64_t h;
	size_t i;

	if (f == NULL || f->kind != kind)
		return NULL;
	if (f->nlabels == 0)
		return atomic_load_explicit(&f->head, memory_order_acquire);
	for (i = 0; i < f->nlabels; i++)
		lens[i] = value_sanitise(label_values ? label_values[i] : NULL, vals[i]);
	h = values_hash(f->seed, vals, lens, f->nlabels);

	pthread_mutex_lock(&f->lock);
	for (s = f->table[h & (f->tsize - 1)]; s != NULL; s = s->hnext) {
		if (s->hash != h)
			continue;
		for (i = 0; i < f->nlabels; i++)
			if (strcmp(s->values[i], vals[i]) != 0)
				break;
		if (i == f->nlabels)
			break;
	}
	if (s == NULL && f->nseries < f->max_series) {
		table_grow(f);
		if ((s = series_new(f, vals, lens, h)) != NULL) {
			s->hnext = f->table[h & (f->tsize - 1)];
			f->table[h & (f->tsize - 1)] = s;
			f->nseries++;
			series_publish(f, s);
		}
	}
	if (s == NULL)
		atomic_fetch_add_explicit(&f->overflows, 1, memory_order_relaxed);
	if (s == NULL || s == f->overflow) {
		s = f->overflow;
		if (!f->overflow_listed) {
			f->overflow_listed = true;
			series_publish(f, s);
		}
	}
	pthread_mutex_unlock(&f->lock);
	return s;
}

struct jet_counter *
jet_metrics_counter(struct jet_metrics_family *f, const char *const *label_values)
{
	struct series *s = series_get(f, KIND_COUNTER, label_values);

	return s ? &s->u.c : NULL;
}

struct jet_gauge *
jet_metrics_gauge(struct jet_metrics_family *f, const char *const *label_values)
{
	struct series *s = series_get(f, KIND_GAUGE, label_values);

	return s ? &s->u.g : NULL;
}

struct jet_histogram *
jet_metrics_histogram(struct jet_metrics_family *f, const char *const *label_values)
{
	struct series *s = series_get(f, KIND_HISTOGRAM, label_values);

	return s ? &s->u.h : NULL;
}

/* ------------------------------------------------------------------------
 * Hot path
 * --------------------------------------------------------------------- */

static uint64_t
d2u(double d)
{
	uint64_t u;

	memcpy(&u, &d, sizeof(u));
	return u;
}

static double
u2d(uint64_t u)
{
	double d;

	memcpy(&d, &u, sizeof(d));
	return d;
}

/* Adds delta to the double whose bits are in *bits. */
static void
atomic_add_double(_Atomic uint64_t *bits, double delta)
{
	uint64_t old = atomic_load_explicit(bits, memory_order_relaxed);

	while (!atomic_compare_exchange_weak_explicit(bits, &old, d2u(u2d(old) + delta),
		memory_order_relaxed, memory_order_relaxed))
		;
}

void
jet_counter_add(struct jet_counter *c, uint64_t n)
{
	if (c != NULL)
		atomic_fetch_add_explicit(&c->v, n, memory_order_relaxed);
}

uint64_t
jet_counter_value(const struct jet_counter *c)
{
	return c ? atomic_load_explicit(&c->v, memory_order_relaxed) : 0;
}

void
jet_gauge_set(struct jet_gauge *g, double v)
{
	if (g != NULL)
		atomic_store_explicit(&g->bits, d2u(v), memory_order_relaxed);
}

void
jet_gauge_add(struct jet_gauge *g, double delta)
{
	if (g != NULL)
		atomic_add_double(&g->bits, delta);
}

double
jet_gauge_value(const struct jet_gauge *g)
{
	return g ? u2d(atomic_load_explicit(&g->bits, memory_order_relaxed)) : 0.0;
}

void
jet_histogram_observe(struct jet_histogram *h, double v)
{
	size_t i, n;

	if (h == NULL)
		return;
	n = h->f->nbounds;
	/* le is "less or equal"; NaN compares false everywhere: +Inf only. */
	for (i = 0; i < n && !(v <= h->f->bounds[i]); i++)
		;
	atomic_fetch_add_explicit(&h->counts[i], 1, memory_order_relaxed);
	atomic_add_double(&h->sum_bits, v);
}
