// SwiftPM builds a C target only from a source file; the hints themselves are inline in
// include/solvent_hints.h.
#include "solvent_hints.h"
