/* version — pytop's own version string. */
#ifndef PYTOP_VERSION_H
#define PYTOP_VERSION_H
#define PYTOP_VERSION "0.2.0"
#endif
