// LMDB's C API, from Debian's liblmdb-dev (pkg-config "lmdb").
#include <lmdb.h>

#if defined(__linux__)
#include <malloc.h>
/// Heap bytes in use (arena plus mmapped blocks), for `solvent bench`'s memory figure. Kept here,
/// beside the one C module the package already has, rather than in a target of its own.
static inline size_t solvent_heap_bytes_in_use(void) {
    struct mallinfo2 info = mallinfo2();
    return info.uordblks + info.hblkhd;
}
#endif
