#!/usr/bin/env bash
# Installs packages with dnf, retrying with exponential backoff. At first boot the repositories
# are often not reachable yet (routes, NAT or VPC endpoints still settling, a mirror timing out),
# and one failed `dnf install` used to leave the backup host without rsync for good.
#
# Usage: install-packages.sh PACKAGE...
# Environment:
#   INSTALL_ATTEMPTS             attempts in all                           (default 5)
#   INSTALL_BACKOFF_SECONDS      pause after the first failure; doubles    (default 5)
#   INSTALL_BACKOFF_MAX_SECONDS  longest pause                             (default 60)
# Exit status: 0 installed; 1 every attempt failed; 64 bad usage.
set -euo pipefail

readonly LOG_TAG="backup-shared-home-install"
readonly EXIT_USAGE=64

log() {
  local level="$1"
  shift
  logger -t "$LOG_TAG" -p "user.$level" -- "$*" || true
  echo "$LOG_TAG: $level: $*" >&2
}

ATTEMPTS="${INSTALL_ATTEMPTS:-5}"
PAUSE="${INSTALL_BACKOFF_SECONDS:-5}"
MAX_PAUSE="${INSTALL_BACKOFF_MAX_SECONDS:-60}"

if [ "$#" -eq 0 ]; then
  log err "usage: install-packages.sh PACKAGE..."
  exit "$EXIT_USAGE"
fi
for setting in ATTEMPTS PAUSE MAX_PAUSE; do
  if [[ ! "${!setting}" =~ ^[1-9][0-9]{0,3}$ ]]; then
    log err "$setting \"${!setting}\" must be a whole number from 1 to 9999"
    exit "$EXIT_USAGE"
  fi
done

attempt=1
while :; do
  if dnf install -y "$@"; then
    log info "installed $* (attempt $attempt of $ATTEMPTS)"
    exit 0
  fi
  if [ "$attempt" -ge "$ATTEMPTS" ]; then
    log err "could not install $* after $ATTEMPTS attempts"
    exit 1
  fi
  log warning "dnf install $* failed (attempt $attempt of $ATTEMPTS); retrying in ${PAUSE}s"
  sleep "$PAUSE"
  attempt=$((attempt + 1))
  PAUSE=$((PAUSE * 2 > MAX_PAUSE ? MAX_PAUSE : PAUSE * 2))
done
