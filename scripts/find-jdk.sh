#!/usr/bin/env bash
# Prints the home of a JDK whose version is at least 21, or fails with a one-line message.
# Looks in this order: $JAVA_HOME, the java on PATH, then the usual JDK folders.
# Meant to be sourced or run; prints nothing but the path on standard output.
set -u

flows4j_java_major() {
  # $1 = path to a java executable; prints its major version (8, 17, 21, 25, ...) or nothing
  local v
  v=$("$1" -XshowSettings:properties -version 2>&1 | sed -n 's/^ *java\.specification\.version = //p' | head -n 1)
  case "$v" in
    1.*) echo "${v#1.}" ;;
    *) echo "$v" ;;
  esac
}

flows4j_find_jdk() {
  local minimum=21 candidate major
  local -a candidates=()
  [ -n "${JAVA_HOME:-}" ] && candidates+=("$JAVA_HOME")
  if command -v java >/dev/null 2>&1; then
    candidates+=("$(dirname "$(dirname "$(readlink -f "$(command -v java)")")")")
  fi
  local dir
  for dir in /usr/lib/jvm/* /usr/java/* /opt/java/* /opt/jdk* /Library/Java/JavaVirtualMachines/*/Contents/Home "$HOME"/.sdkman/candidates/java/* "$HOME"/.jdks/*; do
    [ -d "$dir" ] && candidates+=("$dir")
  done
  # Prefer the newest suitable JDK among the folders, but honour JAVA_HOME/PATH first.
  for candidate in "${candidates[@]}"; do
    [ -x "$candidate/bin/java" ] && [ -x "$candidate/bin/javac" ] || continue
    major=$(flows4j_java_major "$candidate/bin/java")
    case "$major" in ''|*[!0-9]*) continue ;; esac
    if [ "$major" -ge "$minimum" ]; then
      echo "$candidate"
      return 0
    fi
  done
  echo "error: flows4j needs a JDK >= $minimum (with javac); none found in JAVA_HOME, PATH or /usr/lib/jvm. Install one (e.g. apt-get install openjdk-21-jdk) or set JAVA_HOME." >&2
  return 1
}

if [ "${BASH_SOURCE[0]}" = "$0" ]; then
  flows4j_find_jdk
fi
