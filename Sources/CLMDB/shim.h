// LMDB's C API, from Debian's liblmdb-dev (pkg-config "lmdb").
#include <lmdb.h>
