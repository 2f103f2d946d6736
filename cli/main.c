/*
 * main.c - the `jetstream` command: one binary, a verb per service and per
 * admin task, declared once in the table below (usage text included).
 */
#include <stdio.h>
#include <string.h>

#include "api/api.h"
#include "auth/auth.h"
#include "client.h"
#include "keys.h"
#include "up.h"

struct verb {
	const char *name;
	int (*run)(int argc, char **argv);
	const char *help;
};

static int verb_version(int argc, char **argv);
static int verb_help(int argc, char **argv);

static const struct verb verbs[] = {
	{ "up", jet_cli_up_main, "start the platform on this machine with its embedded defaults" },
	{ "api", jet_api_main, "run the API service" },
	{ "auth", jet_auth_main, "run the authorization server (OAuth 2.0, JWT access tokens)" },
	{ "client", jet_cli_client_main,
		"manage OAuth clients (create, list, show, rotate-secret, disable, delete, ...)" },
	{ "keys", jet_cli_keys_main, "list or rotate the token-signing keys" },
	{ "version", verb_version, "print the version" },
	{ "help", verb_help, "list the commands" },
};

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
