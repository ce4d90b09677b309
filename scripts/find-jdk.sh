#!/usr/bin/env bash
# Prints the home of a JDK (with javac) whose version is at least 21, or fails with a one-line
# message. Looks in this order and takes the first suitable one: $JAVA_HOME, the java on PATH,
# macOS's /usr/libexec/java_home; failing those, the newest suitable JDK in the usual folders
# (/usr/lib/jvm, /usr/java, /opt, /Library/Java/JavaVirtualMachines, SDKMAN, ~/.jdks).
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

flows4j_resolve() {
  # Follows symbolic links without GNU readlink -f (absent on older macOS); prints the target.
  local p="$1" link
  while [ -L "$p" ]; do
    link="$(readlink "$p")"
    case "$link" in
      /*) p="$link" ;;
      *) p="$(dirname "$p")/$link" ;;
    esac
  done
  echo "$p"
}

flows4j_jdk_major() {
  # $1 = candidate home; prints its major version if it is a JDK (java and javac), else nothing
  [ -n "$1" ] && [ -x "$1/bin/java" ] && [ -x "$1/bin/javac" ] || return 0
  local major
  major=$(flows4j_java_major "$1/bin/java")
  case "$major" in ''|*[!0-9]*) return 0 ;; esac
  echo "$major"
}

flows4j_find_jdk() {
  local minimum=21 candidate major best="" best_major=0 dir
  local -a preferred=()
  [ -n "${JAVA_HOME:-}" ] && preferred+=("$JAVA_HOME")
  if command -v java >/dev/null 2>&1; then
    preferred+=("$(dirname "$(dirname "$(flows4j_resolve "$(command -v java)")")")")
  fi
  if [ -x /usr/libexec/java_home ]; then
    candidate="$(/usr/libexec/java_home -v "$minimum+" 2>/dev/null || true)"
    [ -n "$candidate" ] && preferred+=("$candidate")
  fi
  # The user's own choice (JAVA_HOME, PATH) wins when it is recent enough.
  for candidate in "${preferred[@]+"${preferred[@]}"}"; do
    major=$(flows4j_jdk_major "$candidate")
    if [ -n "$major" ] && [ "$major" -ge "$minimum" ]; then
      echo "$candidate"
      return 0
    fi
  done
  # Otherwise the newest suitable JDK in the usual folders.
  for dir in /usr/lib/jvm/* /usr/java/* /opt/java/* /opt/jdk* \
      /Library/Java/JavaVirtualMachines/*/Contents/Home \
      "$HOME"/.sdkman/candidates/java/* "$HOME"/.jdks/*; do
    [ -d "$dir" ] || continue
    major=$(flows4j_jdk_major "$dir")
    if [ -n "$major" ] && [ "$major" -ge "$minimum" ] && [ "$major" -gt "$best_major" ]; then
      best="$dir"
      best_major="$major"
    fi
  done
  if [ -n "$best" ]; then
    echo "$best"
    return 0
  fi
  echo "error: flows4j needs a JDK >= $minimum (with javac); none found in JAVA_HOME, PATH or /usr/lib/jvm. Install one (e.g. apt-get install openjdk-21-jdk) or set JAVA_HOME." >&2
  return 1
}

flows4j_require_maven() {
  if ! command -v mvn >/dev/null 2>&1; then
    echo "error: flows4j builds with Maven 3.8 or newer, but 'mvn' is not on PATH. Install it (e.g. apt-get install maven)." >&2
    return 1
  fi
}

if [ "${BASH_SOURCE[0]}" = "$0" ]; then
  flows4j_find_jdk
fi
