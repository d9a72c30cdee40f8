#!/usr/bin/env bash
# Builds the root file system of the worker image (the "image" profile of tasks-cli runs it before Jib):
#   ROOT/opt/java      a jlink runtime of JAVA_HOME with the modules the command line needs (found with jdeps
#                      over CLASSPATH_FILE) plus jdk.crypto.ec (TLS), jdk.httpserver (metrics, health and
#                      dashboard server), jdk.unsupported (signals), java.net.http, jdk.zipfs and jdk.jfr
#                      (for the user's own tasks and diagnostics);
#   ROOT/lib*, usr/... the shared libraries that runtime loads (ldd of bin/java and of every lib/*.so) and
#                      the dynamic loader, copied from this machine: the image needs no base image;
#   ROOT/opt/java/lib/security/cacerts  the CA bundle as a real file;
#   ROOT/etc/passwd and ROOT/etc/group from src/image/root, the distribution's logback.xml as
#                      ROOT/app/conf/logback.xml, and the empty ROOT/tmp and ROOT/app/ext (the user's jars).
# Usage: build-root.sh JAVA_HOME CLASSPATH_FILE CLASSES ROOT  (CLASSES: tasks-cli's own classes)
set -euo pipefail
java_home=$1 classpath_file=$2 classes=$3 root=$4
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
[ -d "$java_home/jmods" ] || { echo "build-root: $java_home has no jmods (install the full JDK)" >&2; exit 1; }

rm -rf "$root"
mkdir -p "$root"
cp -a "$here/root/." "$root/"
mkdir -p "$root/tmp" "$root/app/ext" "$root/app/conf"
cp "$here/../dist/conf/logback.xml" "$root/app/conf/logback.xml"

classpath=$(cat "$classpath_file")
found=$("$java_home/bin/jdeps" --print-module-deps --ignore-missing-deps --multi-release 17 -q \
  --class-path "$classpath" "$classes" ${classpath//:/ })
modules=$(echo "$found,jdk.crypto.ec,jdk.httpserver,jdk.unsupported,java.net.http,jdk.zipfs,jdk.jfr" \
  | tr , '\n' | sort -u | paste -sd, -)
echo "build-root: modules $modules"
"$java_home/bin/jlink" --add-modules "$modules" --strip-debug --no-man-pages --no-header-files \
  --compress=2 --output "$root/opt/java"

# cacerts: the JDK's is often a link to the distribution's store; the image gets the content.
cacerts="$java_home/lib/security/cacerts"
rm -f "$root/opt/java/lib/security/cacerts"
cp -L "$cacerts" "$root/opt/java/lib/security/cacerts"

# Headless: the window system, sound and splash screen libraries go, with the X11 and ALSA libraries they
# would load (AWT falls back to headless; java.desktop stays for java.beans, which libraries use).
rm -f "$root"/opt/java/lib/{libawt_xawt,libjsound,libsplashscreen}.so

# Shared libraries, at the paths the loader resolved here (the loader's built-in search path on the same
# distribution), plus the loader itself at the path written into bin/java.
libs=$( { ldd "$root/opt/java/bin/java"; find "$root/opt/java/lib" -name '*.so' -exec ldd {} \; ; } 2>/dev/null \
  | awk '/=> \// { print $3 } /^\s*\/[^ ]+ \(0x/ { print $1 }' | sort -u)
for lib in $libs; do
  mkdir -p "$root$(dirname "$lib")"
  cp -L "$lib" "$root$lib"
done
echo "build-root: $(echo "$libs" | wc -w) shared libraries"
