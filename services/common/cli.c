/*
 * cli.c - the options every service accepts, and its start-up banner.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/cli.h"
#include "common/service.h"

static void
usage(FILE *out, const char *name, const char *what)
{
	fprintf(out,
		"usage: jetstream %s [--config FILE] [--check] [--print-config]\n"
		"Runs %s.\n"
		"  --config FILE   configuration file (default: embedded defaults;\n"
		"                  JETSTREAM_<SECTION>_<KEY> variables override)\n"
		"  --check         validate the configuration, print 'configuration OK'\n"
		"  --print-config  print every option with its default\n",
		name, what);
}

int
jet_service_main(const struct jet_service_def *def, int argc, char **argv)
{
	const char *name = def->name, *what = def->what;
	const char *config = NULL;
	bool check = false;
	struct jet_service svc;
	char err[512];
	int rc;

	for (int i = 1; i < argc; i++) {
		if (strcmp(argv[i], "--config") == 0 && i + 1 < argc) {
			config = argv[++i];
		} else if (strcmp(argv[i], "--check") == 0) {
			check = true;
		} else if (strcmp(argv[i], "--print-config") == 0) {
			size_t n;
			struct jet_conf_option *t = jet_service_options_for(def, &n);

			if (t == NULL)
				return 1;
			jet_conf_print_defaults(t, n, stdout);
			free(t);
			return 0;
		} else if (strcmp(argv[i], "--help") == 0 || strcmp(argv[i], "-h") == 0) {
			usage(stdout, name, what);
			return 0;
		} else {
			fprintf(stderr, "jetstream %s: unknown argument '%s'\n", name, argv[i]);
			usage(stderr, name, what);
			return 2;
		}
	}
	rc = jet_service_init(&svc, def, config, check, err, sizeof(err));
	if (rc != 0) {
		fprintf(stderr, "jetstream %s: %s\n", name, err);
		jet_service_cleanup(&svc);
		return 1;
	}
	if (check) {
		printf("configuration OK\n");
		jet_service_cleanup(&svc);
		return 0;
	}
	fprintf(stderr, "jetstream %s: serving %s://%s (port %u)\n", name,
		svc.conf.plain_http ? "http" : "https", svc.conf.listen,
		(unsigned)jet_http_server_port(svc.http));
	if (svc.dev_cert)
		fprintf(stderr, "jetstream %s: development certificate; trust %s\n"
			"  try: curl --cacert %s https://localhost:%u/healthz\n",
			name, svc.ca_path, svc.ca_path, (unsigned)jet_http_server_port(svc.http));
	rc = jet_service_run(&svc);
	jet_service_cleanup(&svc);
	return rc;
}
