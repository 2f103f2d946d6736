/*
 * cli.h - the command line every service shares:
 *   jetstream <service> [--config FILE] [--check] [--print-config]
 */
#ifndef JET_SERVICE_CLI_H
#define JET_SERVICE_CLI_H

#include <stddef.h>

#include "common/service.h"

/* Parses the shared options, then validates (--check), prints the defaults
 * (--print-config) or runs the service.  Returns the exit status. */
int jet_service_main(const struct jet_service_def *def, int argc, char **argv);

#endif
