#if canImport(Glibc)
import CMalloc
import Glibc
#endif

/// Process-wide allocator settings, applied once before any command runs.
enum MemoryTuning {
    /// One malloc arena for the whole process. glibc gives each thread that allocates its own
    /// arena, and memory freed in one is not reused by another: a batch parsed on one thread
    /// and a derive run on the next left peak RSS at 171 MB where one arena needs 129 MB (200k
    /// activities, the same time; bench/README.md, "Bounded memory"). `MALLOC_ARENA_MAX` in the
    /// environment still decides when an operator sets it.
    static func apply() {
        #if canImport(Glibc)
        if getenv("MALLOC_ARENA_MAX") == nil { _ = mallopt(M_ARENA_MAX, 1) }
        #endif
    }
}
