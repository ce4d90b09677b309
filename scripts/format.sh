#!/usr/bin/env bash
# Formats every Java source with the project's formatter (google-java-format through Spotless).
set -euo pipefail
self="${BASH_SOURCE[0]}"
while [ -L "$self" ]; do
  link="$(readlink "$self")"
  case "$link" in /*) self="$link" ;; *) self="$(dirname "$self")/$link" ;; esac
done
root="$(cd "$(dirname "$self")/.." && pwd)"
# shellcheck source=find-jdk.sh
source "$root/scripts/find-jdk.sh"
java_home="$(flows4j_find_jdk)" || exit 1
flows4j_require_maven || exit 1
cd "$root"
JAVA_HOME="$java_home" exec mvn -q -B -ntp spotless:apply "$@"
