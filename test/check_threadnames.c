/* check_threadnames — TEMPORARY empty suite; being written. */
#include "harness.h"

Suite *suite_threadnames(void)
{
    Suite *s = suite_create("threadnames");
    return s;
}
