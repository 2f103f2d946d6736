/*
 * jet/metrics.h - counters, gauges and histograms rendered in the Prometheus
 * text exposition format 0.0.4 (docs/internals/metrics.md).
 *
 * Life cycle:
 *  - A registry (struct jet_metrics) is created at start-up; families are
 *    declared on it then, not on the hot path (declaration takes the
 *    registry lock and allocates).
 *  - A family has a name, help text and a fixed list of at most
 *    JET_METRICS_LABELS_MAX label names.  A series is one combination of
 *    label values; jet_metrics_counter() and friends find or create it and
 *    return a pointer that stays valid until jet_metrics_free().
 *  - Cardinality is bounded: a family holds at most max_series series
 *    (default JET_METRICS_MAX_SERIES).  Past the cap, and when a series
 *    cannot be allocated, lookups return one shared overflow series whose
 *    label values are all JET_METRICS_OVERFLOW_VALUE, and the family's
 *    overflow count goes up.  Label values taken from requests (routes,
 *    clients) can therefore never grow memory without bound.
 *  - Updates (jet_counter_add, jet_gauge_set/add, jet_histogram_observe)
 *    are lock-free relaxed atomics and accept NULL as a no-op, so that code
 *    with metrics switched off can pass NULL families and series around.
 *  - jet_metrics_render() may run concurrently with updates and with series
 *    creation.
 *
 * All functions are thread-safe unless stated otherwise.
 */
#ifndef JET_METRICS_H
#define JET_METRICS_H

#include <stddef.h>
#include <stdint.h>

#include "jet/core.h"

/* The Content-Type of a scrape answer. */
#define JET_METRICS_CONTENT_TYPE "text/plain; version=0.0.4; charset=utf-8"

#define JET_METRICS_LABELS_MAX 4         /* label names per family */
#define JET_METRICS_NAME_MAX 128         /* bytes in a metric or label name */
#define JET_METRICS_VALUE_MAX 128        /* bytes kept of a label value */
#define JET_METRICS_BUCKETS_MAX 32       /* finite histogram bounds */
#define JET_METRICS_MAX_SERIES 1000      /* default series cap per family */
#define JET_METRICS_OVERFLOW_VALUE "__overflow__"

struct jet_metrics;        /* a registry, opaque */
struct jet_metrics_family; /* owned by its registry */
struct jet_counter;        /* a series of a counter family */
struct jet_gauge;          /* a series of a gauge family */
struct jet_histogram;      /* a series of a histogram family */

/* Reads the value of a callback family at scrape time; must be thread-safe
 * and must not call back into the registry. */
typedef double (*jet_metrics_read_fn)(void *arg);

enum jet_metrics_type {
	JET_METRICS_COUNTER = 0,
	JET_METRICS_GAUGE = 1,
	JET_METRICS_HISTOGRAM = 2,
};

/* Creates an empty registry.  JET_ENOMEM on failure (*out NULL). */
int jet_metrics_new(struct jet_metrics **out);
/* Frees the registry, its families and every series; NULL is accepted.  No
 * other thread may use the registry or any pointer obtained from it. */
void jet_metrics_free(struct jet_metrics *m);

/*
 * Declares a family.  name must match [a-zA-Z_:][a-zA-Z0-9_:]* (at most
 * JET_METRICS_NAME_MAX bytes) and be unique in the registry; help is any
 * UTF-8 text (copied; backslash and newline are escaped on output).
 * label_names (nlabels <= JET_METRICS_LABELS_MAX, may be NULL when 0) must
 * each match [a-zA-Z_][a-zA-Z0-9_]*, not start with "__", be distinct, and
 * for histograms not be "le".  A family without labels has its one series
 * from the start (rendered as 0).
 *
 * Histogram bounds (1..JET_METRICS_BUCKETS_MAX values, copied) must be
 * finite and strictly increasing; the +Inf bucket is implicit.
 *
 * Returns JET_OK and *out (owned by the registry), JET_EINVAL (invalid
 * name, label or bounds), JET_EEXIST (name taken) or JET_ENOMEM.
 */
int jet_metrics_counter_family(struct jet_metrics *m, const char *name, const char *help,
	const char *const *label_names, size_t nlabels, struct jet_metrics_family **out);
int jet_metrics_gauge_family(struct jet_metrics *m, const char *name, const char *help,
	const char *const *label_names, size_t nlabels, struct jet_metrics_family **out);
int jet_metrics_histogram_family(struct jet_metrics *m, const char *name, const char *help,
	const char *const *label_names, size_t nlabels, const double *bounds, size_t nbounds,
	struct jet_metrics_family **out);

/*
 * Declares a family without labels whose one value is read by fn(arg) at
 * each render (open connections, pool sizes: values that live elsewhere).
 * type is JET_METRICS_COUNTER or JET_METRICS_GAUGE.  Same refusals as
 * above.  arg is borrowed and must outlive the registry.
 */
int jet_metrics_callback_family(struct jet_metrics *m, enum jet_metrics_type type,
	const char *name, const char *help, jet_metrics_read_fn fn, void *arg);

/* Changes the series cap of a labelled family (>= 1; JET_EINVAL otherwise).
 * Series that exist already are kept. */
int jet_metrics_family_set_max_series(struct jet_metrics_family *f, size_t max_series);
/* Lookups answered with the overflow series since creation. */
uint64_t jet_metrics_family_overflows(const struct jet_metrics_family *f);

/*
 * Finds or creates the series of f for label_values (exactly as many as the
 * family has label names; NULL when it has none; a NULL entry means "").
 * Values are stored as at most JET_METRICS_VALUE_MAX bytes of UTF-8: longer
 * ones are cut at a character boundary and invalid bytes become '?', so two
 * inputs that differ only past the cut share a series.
 *
 * Returns a pointer valid until jet_metrics_free(); never NULL for a family
 * of the matching type (the overflow series when the cap is reached or
 * memory is short); NULL when f is NULL or of another type.  Takes the
 * family's mutex: on the hottest paths, look up once and keep the pointer.
 */
struct jet_counter *jet_metrics_counter(struct jet_metrics_family *f,
	const char *const *label_values);
struct jet_gauge *jet_metrics_gauge(struct jet_metrics_family *f,
	const char *const *label_values);
struct jet_histogram *jet_metrics_histogram(struct jet_metrics_family *f,
	const char *const *label_values);

/* Hot path: lock-free, relaxed atomics, NULL is a no-op.  Counters are
 * unsigned 64-bit integers (wrapping past 2^64 is the caller's problem). */
void jet_counter_add(struct jet_counter *c, uint64_t n);
uint64_t jet_counter_value(const struct jet_counter *c);

/* Gauges hold a double (stored as its bits; add is a CAS loop). */
void jet_gauge_set(struct jet_gauge *g, double v);
void jet_gauge_add(struct jet_gauge *g, double delta);
double jet_gauge_value(const struct jet_gauge *g);

/* Counts v (seconds, or whatever unit the bounds use) in the first bucket
 * whose bound is >= v (NaN and values above every bound: +Inf only) and adds
 * it to the sum, a double kept by CAS on its bits.  Cost: one atomic add
 * plus one CAS, a linear scan of the bounds. */
void jet_histogram_observe(struct jet_histogram *h, double v);

/*
 * Appends the whole exposition to out: families in declaration order,
 * series in creation order, "# HELP" and "# TYPE" lines, histograms as
 * cumulative _bucket{le=...} lines then _sum and _count.  Safe against
 * concurrent updates and series creation; each value is read atomically,
 * so a histogram's _count always equals its +Inf bucket while _sum may lag
 * an observation in flight.  Callback functions run in the caller's thread
 * with the registry lock held.
 *
 * Returns JET_OK, or JET_ETOOBIG / JET_ENOMEM with out->len as before the
 * call (nothing partial is left behind).
 */
int jet_metrics_render(struct jet_metrics *m, struct jet_buf *out);

#endif /* JET_METRICS_H */
