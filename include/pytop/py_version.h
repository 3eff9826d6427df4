/*
 * py_version — which CPython an ELF file holds, found without running
 * anything: the Py_Version symbol (3.11+), the _Py_DebugOffsets header
 * (3.13+), the libpython file name (with its ABI flags), and the version
 * string literal in .rodata. Also says whether the build is one we refuse
 * (debug, free-threaded).
 */
#ifndef PYTOP_PY_VERSION_H
#define PYTOP_PY_VERSION_H

#include <stdbool.h>
#include <stdint.h>

#include "pytop/elf_image.h"
#include "pytop/error.h"
#include "pytop/util.h"

struct pt_pyversion {
    int major, minor, micro; /* micro -1 when unknown */
    char text[32];           /* "3.12.1", or "3.9" when micro is unknown */
    bool debug;              /* Py_DEBUG build */
    bool free_threaded;      /* Py_GIL_DISABLED build */
    const char *source;      /* how it was found, for messages */
};

/* Parse "libpython3.9d.so.1.0" style names: major, minor and ABI flags. */
bool pt_version_from_libname(const char *path, int *major, int *minor, char *flags, size_t cap);

/* Detect the version of the interpreter in elf (path = as the target sees
 * it). runtime_vaddr is the link-time address of _PyRuntime, or 0. */
enum pt_err pt_version_detect(const struct pt_elf *elf, const char *path, uint64_t runtime_vaddr,
                              struct pt_pyversion *out);

#endif
