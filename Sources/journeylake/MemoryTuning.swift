#if canImport(Glibc)
import CMalloc
import Glibc
#endif

/// Process-wide allocator settings, applied once before any command runs.
enum MemoryTuning {
    /// Two malloc arenas, and fixed trim and mmap thresholds. glibc gives each thread that
    /// allocates its own arena (up to eight per core), and memory freed in one is not reused by
    /// another: a batch parsed on one thread and a derive run on the next left peak RSS at
    /// 171 MB (200k activities; bench/README.md, "Bounded memory"). One arena bounded that, but
    /// an ingest's reading thread and its writer then wait on one lock for every allocation;
    /// two let them allocate side by side. The fixed thresholds keep glibc from raising them
    /// after a large block is freed, so large blocks keep going back to the system, and a full
    /// derive releases free pages as it goes (Insights' `FreeMemory`). `MALLOC_ARENA_MAX`,
    /// `MALLOC_TRIM_THRESHOLD_` and `MALLOC_MMAP_THRESHOLD_` in the environment still decide
    /// when an operator sets them.
    ///
    /// SQLite's memory statistics go: with them on, every allocation and free SQLite makes takes
    /// a process-wide lock and measures the block (Debian's SQLite has no lookaside, so that is
    /// every bound value, row and cursor), for counters nothing here reads — no
    /// `sqlite3_memory_used`, no soft heap limit. It must be set before the first connection.
    static func apply() {
        #if canImport(Glibc)
        _ = journeylake_sqlite_memory_statistics(0)
        if getenv("MALLOC_ARENA_MAX") == nil { _ = mallopt(M_ARENA_MAX, 2) }
        if getenv("MALLOC_TRIM_THRESHOLD_") == nil { _ = mallopt(M_TRIM_THRESHOLD, 128 * 1024) }
        if getenv("MALLOC_MMAP_THRESHOLD_") == nil { _ = mallopt(M_MMAP_THRESHOLD, 128 * 1024) }
        #endif
    }
}
