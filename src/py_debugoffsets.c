/* py_debugoffsets — declarations of _Py_DebugOffsets for 3.13 and 3.14 and
 * their overlay onto the layout table. All fields are uint64_t. */
#include "pytop/py_debugoffsets.h"

#include <stdbool.h>
#include <string.h>

typedef uint64_t u64;

struct dbg313 {
    char cookie[8];
    u64 version, free_threaded;
    struct { u64 size, finalizing, interpreters_head; } runtime;
    struct { u64 size, id, next, threads_head, gc, imports_modules, sysdict, builtins,
             ceval_gil, gil_runtime_state, gil_enabled, gil_locked, gil_holder; } interp;
    struct { u64 size, prev, next, interp, current_frame, thread_id, native_thread_id,
             datastack_chunk, status; } ts;
    struct { u64 size, previous, executable, instr_ptr, localsplus, owner; } frame;
    struct { u64 size, filename, name, qualname, linetable, firstlineno, argcount,
             localsplusnames, localspluskinds, co_code_adaptive; } code;
    struct { u64 size, ob_type; } pyobject;
    struct { u64 size, tp_name, tp_repr, tp_flags; } type;
    struct { u64 size, ob_item, ob_size; } tuple, list;
    struct { u64 size, ma_keys, ma_values; } dict;
    struct { u64 size, ob_fval; } flt;
    struct { u64 size, lv_tag, ob_digit; } lng;
    struct { u64 size, ob_size, ob_sval; } bytes;
    struct { u64 size, state, length, asciiobject_size; } unicode;
    struct { u64 size, collecting; } gc;
};

struct dbg314 {
    char cookie[8];
    u64 version, free_threaded;
    struct { u64 size, finalizing, interpreters_head; } runtime;
    struct { u64 size, id, next, threads_head, threads_main, gc, imports_modules, sysdict,
             builtins, ceval_gil, gil_runtime_state, gil_enabled, gil_locked, gil_holder,
             code_object_generation, tlbc_generation; } interp;
    struct { u64 size, prev, next, interp, current_frame, thread_id, native_thread_id,
             datastack_chunk, status; } ts;
    struct { u64 size, previous, executable, instr_ptr, localsplus, owner, stackpointer,
             tlbc_index; } frame;
    struct { u64 size, filename, name, qualname, linetable, firstlineno, argcount,
             localsplusnames, localspluskinds, co_code_adaptive, co_tlbc; } code;
    struct { u64 size, ob_type; } pyobject;
    struct { u64 size, tp_name, tp_repr, tp_flags; } type;
    struct { u64 size, ob_item, ob_size; } tuple, list;
    struct { u64 size, used, table, mask; } set;
    struct { u64 size, ma_keys, ma_values; } dict;
    struct { u64 size, ob_fval; } flt;
    struct { u64 size, lv_tag, ob_digit; } lng;
    struct { u64 size, ob_size, ob_sval; } bytes;
    struct { u64 size, state, length, asciiobject_size; } unicode;
    struct { u64 size, collecting; } gc;
    struct { u64 size, gi_name, gi_iframe, gi_frame_state; } gen;
    struct { u64 next, prev; } llist;
    struct { u64 eval_breaker, remote_debugger_support, remote_debugging_enabled,
             debugger_pending_call, debugger_script_path, debugger_script_path_size; } dbg;
};

_Static_assert(sizeof(struct dbg313) == 584, "3.13 _Py_DebugOffsets is 584 bytes");
_Static_assert(sizeof(struct dbg314) == 760, "3.14 _Py_DebugOffsets is 760 bytes");
_Static_assert(sizeof(struct dbg314) <= PT_DEBUG_OFFSETS_MAX, "buffer too small");

size_t pt_debugoffsets_size(int decl)
{
    return decl == 313 ? sizeof(struct dbg313) : decl == 314 ? sizeof(struct dbg314) : 0;
}

/* Offsets larger than this are not plausible for any field we follow
 * (PyInterpreterState is ~230 KB; the fields we use lie well inside). */
#define PLAUSIBLE_MAX (1u << 20)

struct overlay {
    struct pt_layout *lay;
    int differs;
    int bad;
};

static void put(struct overlay *o, int32_t *field, u64 value)
{
    if (value >= PLAUSIBLE_MAX) {
        o->bad++;
        return;
    }
    if (*field != (int32_t)value)
        o->differs++;
    *field = (int32_t)value;
}

/* The members both declarations share, by name. D is struct dbg313/314. */
#define OVERLAY_COMMON(o, L, D)                                                    \
    do {                                                                           \
        put(o, &L->runtime_interpreters_head, D->runtime.interpreters_head);      \
        put(o, &L->interp_next, D->interp.next);                                   \
        put(o, &L->interp_threads_head, D->interp.threads_head);                   \
        put(o, &L->interp_modules, D->interp.imports_modules);                     \
        put(o, &L->interp_ceval_gil, D->interp.ceval_gil);                         \
        put(o, &L->gil_locked, D->interp.gil_locked - D->interp.gil_runtime_state); \
        put(o, &L->gil_last_holder, D->interp.gil_holder - D->interp.gil_runtime_state); \
        put(o, &L->ts_size, D->ts.size);                                           \
        put(o, &L->ts_prev, D->ts.prev);                                           \
        put(o, &L->ts_next, D->ts.next);                                           \
        put(o, &L->ts_interp, D->ts.interp);                                       \
        put(o, &L->ts_current_frame, D->ts.current_frame);                         \
        put(o, &L->ts_thread_id, D->ts.thread_id);                                 \
        put(o, &L->ts_native_thread_id, D->ts.native_thread_id);                   \
        put(o, &L->ts_datastack_chunk, D->ts.datastack_chunk);                     \
        put(o, &L->ts_status, D->ts.status);                                       \
        put(o, &L->iframe_size, D->frame.size);                                    \
        put(o, &L->iframe_previous, D->frame.previous);                            \
        put(o, &L->iframe_code, D->frame.executable);                              \
        put(o, &L->iframe_instr, D->frame.instr_ptr);                              \
        put(o, &L->iframe_localsplus, D->frame.localsplus);                        \
        put(o, &L->iframe_owner, D->frame.owner);                                  \
        put(o, &L->code_size, D->code.size);                                       \
        put(o, &L->code_filename, D->code.filename);                               \
        put(o, &L->code_name, D->code.name);                                       \
        put(o, &L->code_qualname, D->code.qualname);                               \
        put(o, &L->code_linetable, D->code.linetable);                             \
        put(o, &L->code_firstlineno, D->code.firstlineno);                         \
        put(o, &L->code_code_adaptive, D->code.co_code_adaptive);                  \
        put(o, &L->ob_type, D->pyobject.ob_type);                                  \
        put(o, &L->type_name, D->type.tp_name);                                    \
        put(o, &L->type_flags, D->type.tp_flags);                                  \
        put(o, &L->tuple_item, D->tuple.ob_item);                                  \
        put(o, &L->dict_keys, D->dict.ma_keys);                                    \
        put(o, &L->dict_values, D->dict.ma_values);                                \
        put(o, &L->long_lv_tag, D->lng.lv_tag);                                    \
        put(o, &L->long_digits, D->lng.ob_digit);                                  \
        put(o, &L->var_size, D->bytes.ob_size);                                    \
        put(o, &L->bytes_sval, D->bytes.ob_sval);                                  \
        put(o, &L->unicode_state, D->unicode.state);                               \
        put(o, &L->unicode_length, D->unicode.length);                             \
        put(o, &L->unicode_ascii_size, D->unicode.asciiobject_size);               \
    } while (0)

/* A field pytop reads out of a fixed-size copy of an object (a frame, a
 * code header, a str header) must lie inside that object as the block
 * itself declares its size; else a corrupt or hostile block would move a
 * read outside the copy. Only the block's own values are compared. */
struct within {
    u64 size, off, width;
};

#define WITHIN(D)                                                                           \
    {                                                                                       \
        {D->frame.size, D->frame.previous, 8}, {D->frame.size, D->frame.executable, 8},     \
        {D->frame.size, D->frame.instr_ptr, 8}, {D->frame.size, D->frame.owner, 1},         \
        {D->code.size, D->code.filename, 8}, {D->code.size, D->code.name, 8},               \
        {D->code.size, D->code.qualname, 8}, {D->code.size, D->code.linetable, 8},          \
        {D->code.size, D->code.firstlineno, 4}, {D->code.size, D->pyobject.ob_type, 8},     \
        {D->unicode.asciiobject_size, D->unicode.state, 4},                                 \
        {D->unicode.asciiobject_size, D->unicode.length, 8},                                \
        {D->unicode.asciiobject_size, D->pyobject.ob_type, 8},                              \
    }

static bool all_within(const struct within *w, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (w[i].off > w[i].size || w[i].width > w[i].size - w[i].off)
            return false;
    return true;
}

enum pt_err pt_debugoffsets_apply(const uint8_t *block, size_t len, int decl,
                                  struct pt_layout *lay, int *differs)
{
    size_t need = pt_debugoffsets_size(decl);
    if (need == 0 || len < need || memcmp(block, "xdebugpy", 8) != 0)
        return PT_EINVAL;
    struct overlay o = {lay, 0, 0};
    if (decl == 313) {
        struct dbg313 d;
        memcpy(&d, block, sizeof d);
        if ((d.version >> 16) != 0x030d)
            return PT_EINVAL;
        if (d.free_threaded)
            return PT_EUNSUPPORTED;
        const struct dbg313 *D = &d;
        OVERLAY_COMMON(&o, lay, D);
        const struct within w[] = WITHIN(D);
        o.bad += !all_within(w, sizeof w / sizeof w[0]);
    } else {
        struct dbg314 d;
        memcpy(&d, block, sizeof d);
        if ((d.version >> 16) != 0x030e)
            return PT_EINVAL;
        if (d.free_threaded)
            return PT_EUNSUPPORTED;
        const struct dbg314 *D = &d;
        OVERLAY_COMMON(&o, lay, D);
        put(&o, &lay->interp_code_counter, D->interp.code_object_generation);
        const struct within w[] = WITHIN(D);
        o.bad += !all_within(w, sizeof w / sizeof w[0]);
    }
    if (differs)
        *differs = o.differs;
    return o.bad ? PT_EINVAL : PT_OK;
}
