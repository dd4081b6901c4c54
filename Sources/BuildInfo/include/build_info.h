#ifndef RECONCILE_BUILD_INFO_H
#define RECONCILE_BUILD_INFO_H

/* What `reconcile --version` says about the build itself: the version (the repository's
   VERSION file) and the commit it was built from (git, when the build ran). Package.swift
   passes both as string macros to this one C file, because a Swift compilation condition
   carries no value: nothing in the source tree is generated or rewritten for a build. */

/* The VERSION file's first line, e.g. "0.1.0". */
const char *reconcile_build_version(void);

/* The commit's full sha, with "+modified" when the tree had uncommitted changes, or
   "unknown" when the build did not run in a git repository. */
const char *reconcile_build_commit(void);

#endif
