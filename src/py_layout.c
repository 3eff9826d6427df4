/* py_layout — lookup in the generated per-version offset table. */
#include "pytop/py_layout.h"

const struct pt_layout *pt_layout_find(int major, int minor)
{
    for (size_t i = 0; i < pt_layout_count; i++)
        if (pt_layout_table[i].major == major && pt_layout_table[i].minor == minor)
            return &pt_layout_table[i];
    return NULL;
}

size_t pt_layout_ts_span(const struct pt_layout *L)
{
    const int32_t used[] = {L->ts_prev,    L->ts_next,          L->ts_interp,
                            L->ts_frame,   L->ts_cframe,        L->ts_current_frame,
                            L->ts_thread_id, L->ts_native_thread_id, L->ts_recursion_depth};
    int32_t max = 0;
    for (size_t i = 0; i < sizeof used / sizeof used[0]; i++)
        if (used[i] > max)
            max = used[i];
    return (size_t)max + 8;
}
