/* up.h - `jetstream up` (cli/up.c). */
#ifndef JET_CLI_UP_H
#define JET_CLI_UP_H

int jet_cli_up_main(int argc, char **argv);

#endif
