# The packaged binary's release build, shared by scripts/package and scripts/package-order
# (sourced, not run): the profile that orders the code must come from the same build.
#
# The Swift runtime is linked statically (--static-swift-stdlib), so the binary's only
# shared libraries are Debian's. Linked by lld with packed relative relocations (DT_RELR,
# glibc 2.36) and without exporting every Swift symbol as a dynamic one: gold's 110,000
# RELA relocations (2.6 MB, all read at start) and 27,000 exported symbols (1.5 MB the
# loader searches) were 6 of its 40 MB. Each Swift function gets its own section
# (-function-sections) so that the linker can place the functions scripts/package.order
# lists first and together: what a run executes then fills a few MB of text instead of
# touching most of 24 MB (scripts/bench/health.sh measures the packaged binary).
PACKAGE_SWIFT_BUILD=(-c release --static-swift-stdlib --scratch-path .build-static
  -Xswiftc -use-ld=lld -Xlinker -z -Xlinker pack-relative-relocs -Xlinker --no-export-dynamic
  -Xswiftc -Xfrontend -Xswiftc -function-sections
  -Xlinker --symbol-ordering-file="$PWD/scripts/package.order" -Xlinker --no-warn-symbol-ordering)
