/*
 * render.c - the Prometheus text exposition format, version 0.0.4.
 *
 *   # HELP <name> <help, with \ and newline escaped>
 *   # TYPE <name> counter|gauge|histogram
 *   <name>{<label>="<value, with \ " and newline escaped>",...} <value>
 *
 * Histograms give one <name>_bucket line per bound, cumulative, with an
 * "le" label last, then le="+Inf", <name>_sum and <name>_count.  Numbers:
 * counters as unsigned integers; doubles without exponent when integral
 * and below 2^53, otherwise the shortest form that reads back exactly;
 * "+Inf", "-Inf" and "NaN" as the format spells them.
 *
 * Nothing here takes a family lock: series are read off the append-only
 * list (acquire loads pair with the release store that published them).
 */
#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "metrics_int.h"

#define NUM_MAX 40

#define TRY(x)                                   \
	do {                                         \
		if ((rc = (x)) != JET_OK)                \
			goto fail;                           \
	} while (0)

/* Writes v into out (NUM_MAX bytes) as the exposition format spells it. */
static void
num_format(double v, char *out)
{
	if (isnan(v)) {
		memcpy(out, "NaN", 4);
		return;
	}
	if (isinf(v)) {
		memcpy(out, v > 0 ? "+Inf" : "-Inf", 5);
		return;
	}
	if (v == 0) { /* also -0 */
		memcpy(out, "0", 2);
		return;
	}
	if (v == trunc(v) && fabs(v) < 9007199254740992.0) {
		snprintf(out, NUM_MAX, "%.0f", v);
		return;
	}
	/* Shortest of 15, 16, 17 significant digits that reads back equal. */
	for (int prec = 15; prec <= 17; prec++) {
		snprintf(out, NUM_MAX, "%.*g", prec, v);
		if (strtod(out, NULL) == v)
			return;
	}
}

static int
append_escaped(struct jet_buf *b, const char *s, bool quote)
{
	const char *run = s;
	int rc;

	for (; *s != '\0'; s++) {
		const char *esc = NULL;

		if (*s == '\\')
			esc = "\\\\";
		else if (*s == '\n')
			esc = "\\n";
		else if (quote && *s == '"')
			esc = "\\\"";
		if (esc == NULL)
			continue;
		if ((rc = jet_buf_append(b, run, (size_t)(s - run))) != JET_OK ||
			(rc = jet_buf_append(b, esc, 2)) != JET_OK)
			return rc;
		run = s + 1;
	}
	return jet_buf_append(b, run, (size_t)(s - run));
}

/* {a="x",b="y"} (with le="..." last when le is not NULL), or nothing. */
static int
append_labels(struct jet_buf *b, const struct jet_metrics_family *f, const struct series *s,
	const char *le)
{
	int rc;

	if (f->nlabels == 0 && le == NULL)
		return JET_OK;
	TRY(jet_buf_append(b, "{", 1));
	for (size_t i = 0; i < f->nlabels; i++) {
		if (i > 0)
			TRY(jet_buf_append(b, ",", 1));
		TRY(jet_buf_append_str(b, f->labels[i]));
		TRY(jet_buf_append(b, "=\"", 2));
		TRY(append_escaped(b, s->values[i], true));
		TRY(jet_buf_append(b, "\"", 1));
	}
	if (le != NULL) {
		if (f->nlabels > 0)
			TRY(jet_buf_append(b, ",", 1));
		TRY(jet_buf_append(b, "le=\"", 4));
		TRY(jet_buf_append_str(b, le));
		TRY(jet_buf_append(b, "\"", 1));
	}
	TRY(jet_buf_append(b, "}", 1));
	return JET_OK;
fail:
	return rc;
}

/* <name><suffix>{labels} <value>\n */
static int
append_sample(struct jet_buf *b, const struct jet_metrics_family *f, const char *suffix,
	const struct series *s, const char *le, const char *value)
{
	int rc;

	TRY(jet_buf_append_str(b, f->name));
	TRY(jet_buf_append_str(b, suffix));
	if (s != NULL)
		TRY(append_labels(b, f, s, le));
	TRY(jet_buf_append(b, " ", 1));
	TRY(jet_buf_append_str(b, value));
	TRY(jet_buf_append(b, "\n", 1));
	return JET_OK;
fail:
	return rc;
}

static int
render_histogram(struct jet_buf *b, const struct jet_metrics_family *f, const struct series *s)
{
	char le[NUM_MAX], num[NUM_MAX];
	uint64_t cum = 0, bits;
	double sum;
	int rc;

	for (size_t i = 0; i <= f->nbounds; i++) {
		cum += atomic_load_explicit(&s->u.h.counts[i], memory_order_relaxed);
		if (i < f->nbounds)
			num_format(f->bounds[i], le);
		else
			memcpy(le, "+Inf", 5);
		snprintf(num, sizeof(num), "%" PRIu64, cum);
		TRY(append_sample(b, f, "_bucket", s, le, num));
	}
	bits = atomic_load_explicit(&s->u.h.sum_bits, memory_order_relaxed);
	memcpy(&sum, &bits, sizeof(sum));
	num_format(sum, num);
	TRY(append_sample(b, f, "_sum", s, NULL, num));
	/* _count is the +Inf bucket as read above, so the two always agree. */
	snprintf(num, sizeof(num), "%" PRIu64, cum);
	TRY(append_sample(b, f, "_count", s, NULL, num));
	return JET_OK;
fail:
	return rc;
}

static int
render_family(struct jet_buf *b, const struct jet_metrics_family *f)
{
	static const char *const types[] = {
		[KIND_COUNTER] = "counter", [KIND_GAUGE] = "gauge", [KIND_HISTOGRAM] = "histogram",
		[KIND_CB_COUNTER] = "counter", [KIND_CB_GAUGE] = "gauge",
	};
	char num[NUM_MAX];
	const struct series *s;
	int rc;

	TRY(jet_buf_append(b, "# HELP ", 7));
	TRY(jet_buf_append_str(b, f->name));
	TRY(jet_buf_append(b, " ", 1));
	TRY(append_escaped(b, f->help, false));
	TRY(jet_buf_append(b, "\n# TYPE ", 8));
	TRY(jet_buf_append_str(b, f->name));
	TRY(jet_buf_append(b, " ", 1));
	TRY(jet_buf_append_str(b, types[f->kind]));
	TRY(jet_buf_append(b, "\n", 1));

	if (f->kind == KIND_CB_COUNTER || f->kind == KIND_CB_GAUGE) {
		num_format(f->fn(f->arg), num);
		return append_sample(b, f, "", NULL, NULL, num);
	}
	for (s = atomic_load_explicit(&f->head, memory_order_acquire); s != NULL;
		s = atomic_load_explicit(&s->next, memory_order_acquire)) {
		switch (f->kind) {
		case KIND_COUNTER:
			snprintf(num, sizeof(num), "%" PRIu64, jet_counter_value(&s->u.c));
			TRY(append_sample(b, f, "", s, NULL, num));
			break;
		case KIND_GAUGE:
			num_format(jet_gauge_value(&s->u.g), num);
			TRY(append_sample(b, f, "", s, NULL, num));
			break;
		case KIND_HISTOGRAM:
			TRY(render_histogram(b, f, s));
			break;
		default:
			break;
		}
	}
	return JET_OK;
fail:
	return rc;
}

int
jet_metrics_render(struct jet_metrics *m, struct jet_buf *out)
{
	size_t len0 = out->len;
	const struct jet_metrics_family *f;
	int rc = JET_OK;

	if (m == NULL)
		return JET_EINVAL;
	/* The registry lock only guards the family list (declarations are
	 * rare); updates and series creation do not wait on it. */
	pthread_mutex_lock(&m->lock);
	for (f = m->first; f != NULL; f = f->next)
		if ((rc = render_family(out, f)) != JET_OK)
			break;
	pthread_mutex_unlock(&m->lock);
	if (rc != JET_OK)
		out->len = len0;
	return rc;
}
