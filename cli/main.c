/*
 * main.c - the `jetstream` command: one binary, a verb per service and per
 * admin task, declared once in the table below (usage text included).
 */
#include <stdio.h>
#include <string.h>

#include "api/api.h"

struct verb {
	const char *name;
	int (*run)(int argc, char **argv);
	const char *help;
};

static int verb_up(int argc, char **argv);
static int verb_version(int argc, char **argv);
static int verb_help(int argc, char **argv);

static const struct verb verbs[] = {
	{ "up", verb_up, "start the platform on this machine with its embedded defaults" },
	{ "api", jet_api_main, "run the API service" },
	{ "version", verb_version, "print the version" },
	{ "help", verb_help, "list the commands" },
};

static int
verb_up(int argc, char **argv)
{
	/* The platform today is the API service; `up` grows into the
	 * supervisor of every service. */
	return jet_api_main(argc, argv);
}

static int
verb_version(int argc, char **argv)
{
	printf("jetstream %s\n", JETSTREAM_VERSION);
	return 0;
}

static int
verb_help(int argc, char **argv)
{
	printf("usage: jetstream <command> [options]\n\ncommands:\n");
	for (size_t i = 0; i < sizeof(verbs) / sizeof(verbs[0]); i++)
		printf("  %-10s %s\n", verbs[i].name, verbs[i].help);
	printf("\n'jetstream <command> --help' describes a command's options.\n");
	return 0;
}

int
main(int argc, char **argv)
{
	if (argc < 2) {
		verb_help(0, NULL);
		return 2;
	}
	for (size_t i = 0; i < sizeof(verbs) / sizeof(verbs[0]); i++)
		if (strcmp(argv[1], verbs[i].name) == 0)
			return verbs[i].run(argc - 1, argv + 1);
	fprintf(stderr, "jetstream: unknown command '%s' (try 'jetstream help')\n", argv[1]);
	return 2;
}
