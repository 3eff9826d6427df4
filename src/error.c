/* error — the table of failures: message, exit status, name. */
#include "pytop/error.h"

struct err_row {
    const char *name;
    int exit_code;
    const char *text;
};

/* Exit codes: 1 generic, 2 usage, 3 process, 4 permission, 5 not Python or
 * unsupported, 6 the read failed, 7 an output file could not be written.
 * Keep man/pytop.1 EXIT STATUS and pt_cli_help in step. */
static const struct err_row rows[PT_ERR_COUNT] = {
    [PT_OK] = {"OK", 0, "success"},
    [PT_EUSAGE] = {"EUSAGE", 2, "invalid command line; see pytop --help"},
    [PT_ENOPROC] = {"ENOPROC", 3, "no such process; check the PID (ps -e)"},
    [PT_EZOMBIE] = {"EZOMBIE", 3,
        "the process is a zombie: it has exited and has no memory left to read"},
    [PT_EKTHREAD] = {"EKTHREAD", 3,
        "that is a kernel thread, not a user process; it runs no Python"},
    [PT_EPERM] = {"EPERM", 4,
        "permission denied reading the process: run pytop as root or as the "
        "process's user, or grant CAP_SYS_PTRACE (setcap cap_sys_ptrace+ep pytop); "
        "if /proc/sys/kernel/yama/ptrace_scope is 1 or more, non-root users need "
        "CAP_SYS_PTRACE even for their own processes"},
    [PT_ENOTPY] = {"ENOTPY", 5,
        "no CPython interpreter found in the process (no libpython mapped and "
        "the executable has no Python runtime)"},
    [PT_EUNSUPPORTED] = {"EUNSUPPORTED", 5,
        "this CPython version or build is not supported"},
    [PT_ENOINTERP] = {"ENOINTERP", 5,
        "CPython found, but its runtime state could not be located or "
        "validated (not initialised yet, or an unusual build)"},
    [PT_EGONE] = {"EGONE", 6, "the process exited while it was being read"},
    [PT_EREAD] = {"EREAD", 6, "reading the process's memory failed"},
    [PT_EINVAL] = {"EINVAL", 6,
        "the interpreter's data did not hold together (changed while read?)"},
    [PT_ENOMEM] = {"ENOMEM", 1, "out of memory"},
    [PT_EIO] = {"EIO", 1, "a file could not be read"},
    [PT_ESELF] = {"ESELF", 2, "pytop cannot profile itself"},
    [PT_ENOTTY] = {"ENOTTY", 2,
        "the interactive viewer needs a terminal (standard input and output a "
        "terminal, TERM set to a terminal type this system knows); for text "
        "output use -b (batch mode), e.g. pytop -b PID"},
    [PT_EWRITE] = {"EWRITE", 7,
        "an output file could not be written (nothing partial was left behind): "
        "check that its directory exists, is writable and has free space, or "
        "give another name"},
};

static const struct err_row *row(enum pt_err err)
{
    if ((unsigned)err >= PT_ERR_COUNT)
        err = PT_EINVAL;
    return &rows[err];
}

const char *pt_err_text(enum pt_err err) { return row(err)->text; }
int pt_err_exit(enum pt_err err) { return row(err)->exit_code; }
const char *pt_err_name(enum pt_err err) { return row(err)->name; }
