/*
 * py_ctx — what every object decoder needs: the memory reader, the layout
 * in force for this target (the generated table, overlaid with the
 * target's own _Py_DebugOffsets on 3.13+), the version's facts, and the
 * addresses of the type objects used to type-check what we read.
 */
#ifndef PYTOP_PY_CTX_H
#define PYTOP_PY_CTX_H

#include <stdint.h>

#include "pytop/mem.h"
#include "pytop/py_facts.h"
#include "pytop/py_layout.h"

struct pt_pyctx {
    const struct pt_mem *mem;
    struct pt_layout lay;
    const struct pt_pyfacts *facts;
    uint64_t str_type;  /* &PyUnicode_Type (3.x) or &PyString_Type (2.7); 0 = unknown */
    uint64_t code_type; /* &PyCode_Type; 0 = unknown */
};

#endif
