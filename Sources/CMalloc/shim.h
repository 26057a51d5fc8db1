// glibc's allocator tuning (mallopt, malloc_trim), which Swift's Glibc module does not export.
#include <malloc.h>

// SQLite's allocator statistics (sqlite3_config is variadic, which Swift cannot call).
#include <sqlite3.h>

/// Turns off SQLite's memory statistics; must run before the first connection opens.
static inline int journeylake_sqlite_memory_statistics(int on) {
    return sqlite3_config(SQLITE_CONFIG_MEMSTATUS, on);
}
