/*
 * error — every way pytop can fail, as a value.
 *
 * Functions return PT_OK or a pt_err; none of them prints or exits.
 * main() turns a pt_err into the user's message (pt_err_text) and the
 * process exit code (pt_err_exit). Both come from one table in error.c, so
 * the man page's EXIT STATUS section and the code cannot disagree.
 * A module that knows more (which file, which address) puts it in the
 * caller-supplied detail buffer; the table supplies the "what to do".
 */
#ifndef PYTOP_ERROR_H
#define PYTOP_ERROR_H

#include <stddef.h>

enum pt_err {
    PT_OK = 0,
    PT_EUSAGE,       /* bad command line */
    PT_ENOPROC,      /* no such process */
    PT_EZOMBIE,      /* process is a zombie */
    PT_EKTHREAD,     /* kernel thread */
    PT_EPERM,        /* may not read the process */
    PT_ENOTPY,       /* no CPython interpreter in the process */
    PT_EUNSUPPORTED, /* CPython found, but a version/build we refuse */
    PT_ENOINTERP,    /* interpreter found, but its state could not be located */
    PT_EGONE,        /* the process exited while being read */
    PT_EREAD,        /* a read of the target's memory failed */
    PT_EINVAL,       /* what we read does not hold together */
    PT_ENOMEM,       /* out of memory */
    PT_EIO,          /* a file of ours or of /proc could not be read */
    PT_ESELF,        /* asked to read pytop itself */
    PT_ENOTTY,       /* the viewer needs a terminal: stdin/stdout not a tty, or TERM unset/unknown */
    PT_EWRITE,       /* an output file (--collapsed, --flamegraph) could not be written */
    PT_ERR_COUNT
};

/* One line saying what went wrong and what to do about it. */
const char *pt_err_text(enum pt_err err);
/* The process exit status for this error (documented in pytop(1)). */
int pt_err_exit(enum pt_err err);
/* Short stable name, e.g. "ENOPROC", for logs and tests. */
const char *pt_err_name(enum pt_err err);

#endif
