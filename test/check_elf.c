/* check_elf — TEMPORARY empty suite; being written. */
#include "harness.h"

Suite *suite_elf(void)
{
    Suite *s = suite_create("elf");
    return s;
}
