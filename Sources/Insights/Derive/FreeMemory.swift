#if canImport(Glibc)
import CMalloc
#endif

/// Hands the allocator's free pages back to the system during and after a derive.
///
/// The process runs with two malloc arenas (the executable's `MemoryTuning`): the reading thread
/// and the writer allocate without waiting on one lock. A full derive runs on whichever of
/// GRDB's queue threads is free, so its allocations land in both arenas, and pages one arena
/// freed are not reused by the other: without a release the 1M bench's end derive peaked at
/// 177 MB where one arena held 133 MB. `malloc_trim` returns every arena's free pages.
enum FreeMemory {
    /// How many persons a full derive's scan takes between releases.
    static let everyPersons = 5_000

    static func release() {
        #if canImport(Glibc)
        _ = malloc_trim(0)
        #endif
    }
}
