// Cache hints for the pure core (SolventCore). A prefetch changes no value a program can
// observe, only when memory arrives, so the core stays deterministic. Swift has no prefetch of
// its own; clang's builtin is reached through this header.
#ifndef SOLVENT_HINTS_H
#define SOLVENT_HINTS_H

/// Asks for the cache line holding `address` to be loaded, for reading, into every cache level.
static inline void solvent_prefetch(const void *address) {
    __builtin_prefetch(address, 0, 3);
}

#endif
