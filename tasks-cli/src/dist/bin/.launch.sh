# Shared by bin/tasks, bin/worker and bin/beat: runs the tasks command line with lib/*, the jars given by
# --app-jar (taken out of the arguments; repeatable) and TASKS_CLASSPATH on the class path.
# Environment: JAVA_HOME or JAVA (the java to run), TASKS_JAVA_OPTS (JVM options, e.g. -Xmx512m),
# TASKS_CLASSPATH (more class path entries, ':'-separated), TASKS_LOG_LEVEL; conf/logback.xml configures logging.
set -euo pipefail
home="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
java="${JAVA:-${JAVA_HOME:+$JAVA_HOME/bin/java}}"
java="${java:-java}"
app=""
args=()
while [ $# -gt 0 ]; do
  case "$1" in
    --app-jar)
      if [ $# -lt 2 ]; then echo "tasks: --app-jar needs a jar file" >&2; exit 2; fi
      jar="$2"; shift 2 ;;
    --app-jar=*)
      jar="${1#--app-jar=}"; shift ;;
    *)
      args+=("$1"); shift; continue ;;
  esac
  if [ ! -f "$jar" ]; then echo "tasks: --app-jar $jar: no such file" >&2; exit 2; fi
  app="${app:+$app:}$jar"
done
cp="$home/lib/*"
if [ -n "$app" ]; then cp="$app:$cp"; fi
if [ -n "${TASKS_CLASSPATH:-}" ]; then cp="$TASKS_CLASSPATH:$cp"; fi
exec "$java" ${TASKS_JAVA_OPTS:-} -Dlogback.configurationFile="$home/conf/logback.xml" -cp "$cp" \
  dev.tasks.worker.cli.TasksCli ${command[@]+"${command[@]}"} ${args[@]+"${args[@]}"}
