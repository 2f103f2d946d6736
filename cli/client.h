/* client.h - `jetstream client` (cli/client.c): the OAuth clients of the
 * authorization server, in its store.  docs/cli.md describes the command. */
#ifndef JET_CLI_CLIENT_H
#define JET_CLI_CLIENT_H

/* argv[0] is "client".  Returns the exit status: 0 success, 1 operational
 * error (store, file, client not found), 2 usage error. */
int jet_cli_client_main(int argc, char **argv);

#endif
