/*
 * launch — `pytop -- COMMAND`: start the command as our child and attach
 * to it as soon as its interpreter is up (polling every millisecond, so
 * sampling starts within a few ms of the interpreter's first frame). The
 * child inherits stdin/stdout/stderr unless given an output file, is
 * sent SIGTERM if pytop dies (PR_SET_PDEATHSIG), and is ended by
 * pt_launch_end when pytop ends.
 */
#ifndef PYTOP_LAUNCH_H
#define PYTOP_LAUNCH_H

#include <sys/types.h>

#include "pytop/error.h"
#include "pytop/py_target.h"
#include "pytop/util.h"

/* Seconds to wait for a Python interpreter to appear in the command. */
#define PT_LAUNCH_WAIT_S 10

/* output: NULL, the child shares pytop's stdin, stdout and stderr (batch
 * mode); else its stdout and stderr are appended to that file (created
 * 0644 if missing; a symbolic link there is refused) and its stdin is
 * /dev/null, so it can neither read the viewer's keys nor draw over it. */
enum pt_err pt_launch(char **argv, const char *output, pid_t *child, struct pt_target *t,
                      struct pt_sb *why);
/* End the child (SIGTERM, then SIGKILL after a grace period) and reap it. */
void pt_launch_end(pid_t child);

#endif
