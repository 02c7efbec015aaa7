#!/usr/bin/env bash
# Builds the Debian package (debian/) and checks it with lintian:
#     bash scripts/package.sh      -> build/package/visnyk_<version>_<arch>.deb
# Installs what the build needs first (scripts/install-deps.sh --package: the compilers,
# debhelper, dpkg-dev, lintian and the libraries, libsystemd-dev among them), unless
# VISNYK_SKIP_DEPS=1; run as root or through sudo, like install-deps.sh.
# dpkg-buildpackage builds in the source tree's obj-<triplet>/ (dh's cmake buildsystem)
# and cleans it afterwards; the .deb and its .buildinfo/.changes land in the parent
# folder, and are moved into build/package/ so nothing is left outside build/.
set -euo pipefail
cd "$(dirname "$0")/.."
export DEBIAN_FRONTEND=noninteractive
if [ "${VISNYK_SKIP_DEPS:-}" != 1 ]; then
    bash scripts/install-deps.sh --package
fi
out=build/package
mkdir -p "$out"
version=$(dpkg-parsechangelog -S Version)
arch=$(dpkg-architecture -qDEB_HOST_ARCH)
deb="visnyk_${version}_${arch}.deb"
# one version: debian/changelog's must be CMakeLists.txt's project(visnyk VERSION ...)
cmake_version=$(sed -n 's/^project(visnyk VERSION \([0-9.]*\).*/\1/p' CMakeLists.txt)
if [ "$version" != "$cmake_version" ]; then
    echo "error: debian/changelog says $version but CMakeLists.txt says $cmake_version;" \
         "add a debian/changelog entry for $cmake_version" >&2
    exit 1
fi
start=$(date +%s)
# -b: binary only; -us -uc: unsigned (a local build); -tc: `debian/rules clean` afterwards,
# so obj-*/ and debian/'s build files are gone and the tree is as before; -j: all cores
dpkg-buildpackage -us -uc -b -tc -j"$(nproc)"
for f in "../$deb" "../visnyk-dbgsym_${version}_${arch}.deb" \
         "../visnyk_${version}_${arch}.buildinfo" "../visnyk_${version}_${arch}.changes"; do
    if [ -e "$f" ]; then mv -f "$f" "$out/"; fi
done
echo "package: $out/$deb built in $(( $(date +%s) - start )) s"
# --fail-on error,warning: a warning fails the build too; overrides (debian/
# visnyk.lintian-overrides) say why each one is accepted
lintian --fail-on error,warning --info --display-info "$out/$deb"
echo "lintian: $out/$deb is clean"
