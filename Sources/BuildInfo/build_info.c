#include "build_info.h"

#ifndef RECONCILE_BUILD_VERSION
#define RECONCILE_BUILD_VERSION "unknown"
#endif
#ifndef RECONCILE_BUILD_COMMIT
#define RECONCILE_BUILD_COMMIT "unknown"
#endif

const char *reconcile_build_version(void) { return RECONCILE_BUILD_VERSION; }

const char *reconcile_build_commit(void) { return RECONCILE_BUILD_COMMIT; }
