/* keys.h - `jetstream keys` (cli/keys.c). */
#ifndef JET_CLI_KEYS_H
#define JET_CLI_KEYS_H

int jet_cli_keys_main(int argc, char **argv);

#endif
