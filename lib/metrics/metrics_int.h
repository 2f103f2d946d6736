/*
 * metrics_int.h - layouts shared by the files of lib/metrics.
 *
 * Threads: families are declared at start-up under the registry lock and
 * never removed; series are created under their family's lock, never
 * removed, and published on an append-only list with release stores, so a
 * renderer walks that list with acquire loads and no lock.  Values are
 * relaxed atomics.
 */
#ifndef JET_METRICS_INT_H
#define JET_METRICS_INT_H

#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>

#include "jet/metrics.h"

enum kind {
	KIND_COUNTER = 0,
	KIND_GAUGE = 1,
	KIND_HISTOGRAM = 2,
	KIND_CB_COUNTER = 3,
	KIND_CB_GAUGE = 4,
};

struct jet_counter {
	_Atomic uint64_t v;
};

struct jet_gauge {
	_Atomic uint64_t bits; /* a double's bits */
};

struct jet_histogram {
	const struct jet_metrics_family *f; /* for the bounds */
	_Atomic uint64_t sum_bits;          /* a double's bits, updated by CAS */
	_Atomic uint64_t *counts;           /* nbounds + 1, not cumulative; last is +Inf */
};

struct series {
	struct series *_Atomic next; /* render list, creation order; set once */
	struct series *hnext;        /* hash chain; under the family lock */
	uint64_t hash;
	char *values[JET_METRICS_LABELS_MAX]; /* sanitised; values[0] owns the block */
	union {
		struct jet_counter c;
		struct jet_gauge g;
		struct jet_histogram h;
	} u;
};

struct jet_metrics_family {
	struct jet_metrics_family *next; /* declaration order; under the registry lock */
	enum kind kind;
	char *name;
	char *help;
	size_t nlabels;
	char *labels[JET_METRICS_LABELS_MAX];
	double *bounds; /* histograms: nbounds finite, increasing */
	size_t nbounds;
	jet_metrics_read_fn fn; /* callback families */
	void *arg;
	uint64_t seed; /* hash seed, copied from the registry */

	pthread_mutex_t lock;       /* guards everything below but head and overflows */
	struct series **table;      /* tsize chain heads */
	size_t tsize;               /* power of two */
	size_t nseries;             /* excluding the overflow series */
	size_t max_series;
	struct series *_Atomic head; /* render list */
	struct series *tail;
	struct series *overflow;    /* labelled families: in the table from the start */
	bool overflow_listed;       /* on the render list yet */
	_Atomic uint64_t overflows;
};

struct jet_metrics {
	pthread_mutex_t lock; /* the family list */
	struct jet_metrics_family *first;
	struct jet_metrics_family *last;
	uint64_t seed;
};

#endif /* JET_METRICS_INT_H */
