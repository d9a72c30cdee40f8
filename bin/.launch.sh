# Shared by the scripts in bin/: builds the example jar when it is missing or older than the sources,
# then runs one of its commands.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
jar="$root/examples/target/tasks-shop.jar"
if [ ! -f "$jar" ] || [ -n "$(find "$root" -path '*/src/main/*' -newer "$jar" -print -quit 2>/dev/null)" ]; then
  echo "building the example jar (the first build downloads dependencies and takes a few minutes)..." >&2
  (cd "$root" && ./mvnw -B -q -DskipTests -pl examples -am package) >&2
fi
exec java ${TASKS_JAVA_OPTS:-} -jar "$jar" "$@"
