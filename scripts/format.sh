#!/usr/bin/env bash
# Formats every Java source with the project's formatter (google-java-format through Spotless).
set -euo pipefail
root="$(cd "$(dirname "$(readlink -f "${BASH_SOURCE[0]}")")/.." && pwd)"
source "$root/scripts/find-jdk.sh"
java_home="$(flows4j_find_jdk)" || exit 1
cd "$root"
JAVA_HOME="$java_home" exec mvn -q -B -ntp spotless:apply "$@"
