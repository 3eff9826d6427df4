/*
 * py_layout — where things are inside one CPython minor version.
 *
 * A pt_layout is pure data: byte offsets of the struct fields an outside
 * reader follows, measured from each version's own headers by
 * tools/gen-layouts and committed as src/py_layout_table.c. A field a
 * version does not have is PT_NOFIELD (-1). Nothing here reads memory.
 *
 * The facts headers cannot give as offsetof() (which line-table format,
 * which frames to skip, how the GIL holder is found) live beside the
 * offsets in pt_pyfacts, written by hand in src/py_facts.c.
 */
#ifndef PYTOP_PY_LAYOUT_H
#define PYTOP_PY_LAYOUT_H

#include <stddef.h>
#include <stdint.h>

#define PT_NOFIELD (-1)

/*
 * Every offset field, once: X(name). The generator, the table and
 * the debug-offsets overlay all iterate this list, so they cannot drift.
 */
#define PT_LAYOUT_FIELDS(X)                                                   \
    /* _PyRuntimeState (3.7+) */                                              \
    X(runtime_interpreters_head)    X(runtime_tstate_current)                 \
    X(runtime_gil_last_holder)      X(runtime_gil_locked)                     \
    /* PyInterpreterState */                                                  \
    X(interp_next)                  X(interp_threads_head)                    \
    X(interp_modules)               X(interp_ceval_gil)                       \
    X(interp_code_counter)                                                    \
    X(gil_last_holder)              X(gil_locked)                             \
    /* PyThreadState */                                                       \
    X(ts_prev)                      X(ts_next)                                \
    X(ts_interp)                    X(ts_frame)                               \
    X(ts_cframe)                    X(cframe_current_frame)                   \
    X(ts_current_frame)             X(ts_thread_id)                           \
    X(ts_native_thread_id)          X(ts_status)                              \
    X(ts_holds_gil)                 X(ts_state)                               \
    X(ts_datastack_chunk)           X(ts_size)                                \
    X(ts_recursion_depth)                                                     \
    /* PyFrameObject (<= 3.10: the chain itself) */                           \
    X(frame_back)                   X(frame_code)                             \
    X(frame_lasti)                  X(frame_localsplus)                       \
    X(frame_size)                                                             \
    /* _PyInterpreterFrame (3.11+) */                                         \
    X(iframe_code)                  X(iframe_previous)                        \
    X(iframe_instr)                 X(iframe_owner)                           \
    X(iframe_localsplus)            X(iframe_size)                            \
    /* PyCodeObject */                                                        \
    X(code_flags)                   X(code_firstlineno)                       \
    X(code_code)                    X(code_filename)                          \
    X(code_name)                    X(code_qualname)                          \
    X(code_linetable)               X(code_firsttraceable)                    \
    X(code_code_adaptive)           X(code_size)                              \
    /* objects */                                                             \
    X(ob_type)                      X(var_size)                               \
    X(type_name)                    X(type_flags)                             \
    X(type_basicsize)               X(type_dictoffset)                        \
    X(heaptype_cached_keys)         X(tuple_item)                             \
    X(bytes_sval)                   X(long_digits)                            \
    X(long_lv_tag)                                                            \
    /* str: PEP 393 (3.x) or PyStringObject (2.7) */                          \
    X(unicode_length)               X(unicode_state)                          \
    X(unicode_ascii_size)           X(unicode_compact_size)                   \
    X(unicode_utf8)                 X(unicode_data)                           \
    /* dict */                                                                \
    X(dict_used)                    X(dict_keys)                              \
    X(dict_values)                  X(dict_table)                             \
    X(dict_mask)                    X(dictkeys_size)                          \
    X(dictkeys_log2_size)           X(dictkeys_log2_index_bytes)              \
    X(dictkeys_kind)                X(dictkeys_nentries)                      \
    X(dictkeys_indices)             X(dictvalues_values)                      \
    /* thread names. obj_*: below the object, < 0 but never PT_NOFIELD */     \
    X(module_dict)                  X(dictentry_size)                         \
    X(dictentry_hash)               X(dictentry_key)                          \
    X(dictentry_value)              X(dictuentry_size)                        \
    X(dictuentry_key)               X(dictuentry_value)                       \
    X(dictvalues_capacity)          X(dictvalues_valid)                       \
    X(int_ival)                     X(long_shift)                             \
    X(long_nonsize_bits)            X(obj_managed_dict)                       \
    X(obj_values_ptr)

struct pt_layout {
    int major, minor;
#define PT_LAYOUT_DECL(name) int32_t name;
    PT_LAYOUT_FIELDS(PT_LAYOUT_DECL)
#undef PT_LAYOUT_DECL
};

/* The committed, generated table (src/py_layout_table.c). */
extern const struct pt_layout pt_layout_table[];
extern const size_t pt_layout_count;

/* The table row for major.minor, or NULL when we have none. */
const struct pt_layout *pt_layout_find(int major, int minor);

/* Bytes of a thread state, from its start, that hold every field an
 * outside reader follows (links, frame pointers, thread ids): a reader
 * copies this much, never the whole PyThreadState (3.6: 2272 bytes), and
 * never less than a field it then reads, whatever the offsets (3.13+
 * take them from the target's own memory). */
size_t pt_layout_ts_span(const struct pt_layout *L);

#endif
