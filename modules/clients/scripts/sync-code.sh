#!/usr/bin/env bash
# Pulls the web application's code from S3 onto this machine and switches to it atomically.
# Installed by the user data of modules/clients as /usr/local/sbin/sync-code, with its settings in
# /etc/sync-code.env; run at first boot and, on demand, on every machine of the fleet by the SSM
# document "<namePrefix>-sync-code" (Run Command, no SSH):
#   sudo bash -ac '. /etc/sync-code.env; /usr/local/sbin/sync-code'
#
# What the case study's bastion script (SSH with a PEM key, one instance after another) got wrong,
# and what this one does instead:
#   - syncs stacked on top of each other: a sync holds a non-blocking lock, so a second one exits
#     at once (exit 75) and never touches the code;
#   - syncs did not finish on time: the copy is bounded by SYNC_TIMEOUT_SECONDS;
#   - a half-finished sync was served: the copy goes into a staging directory, which becomes a
#     release only once complete; TARGET_PATH is a symlink to the live release, replaced by one
#     rename(2), so a reader sees the old tree or the new one, never a mix.
# Kept from the case study: `--no-follow-symlinks` and `--exclude 'media/*' --exclude 'var/*'`:
# media lives on EFS and var/ is local state; neither is ever copied, replaced or deleted.
#
# Layout:
#   TARGET_PATH                  symlink -> RELEASES_DIR/<release>   (what the web server serves)
#   RELEASES_DIR/<release>       the live release and up to KEEP_RELEASES previous ones
#   RELEASES_DIR/.staging-<id>   a sync in progress; removed on failure, or by the next sync
#
# Settings (environment):
#   SOURCE_BUCKET         the S3 bucket holding the code                      required
#   SOURCE_PREFIX         key prefix of the code in the bucket, no leading or trailing "/"
#                                                                             default: the whole bucket
#   TARGET_PATH           where the web server reads the code                 default /var/www/html
#   RELEASES_DIR          where releases are kept                             default TARGET_PATH.releases
#   KEEP_RELEASES         previous releases kept for a rollback, 0 to 20      default 3
#   SYNC_TIMEOUT_SECONDS  bound on the copy from S3                           default 600
#   LOCK_FILE             the lock that keeps syncs from stacking             default /run/sync-code.lock
#   AWS_REGION            passed to the AWS CLI                               default: the CLI's own
#   ROOT_DIR              prefix of every local path, so tests can run the script in a temporary
#                         directory                                           default empty
#
# Exit codes: 0 synced and switched; 1 the sync failed (S3 error, timeout, interrupted) and the
# live code is unchanged; 2 bad settings; 75 another sync is running (EX_TEMPFAIL: try again later).
set -euo pipefail

readonly EXIT_FAILED=1
readonly EXIT_BAD_SETTINGS=2
readonly EXIT_BUSY=75
readonly STAGING_PREFIX=.staging-
# After the timeout's TERM, the AWS CLI gets this long to stop before it is killed.
readonly KILL_AFTER_SECONDS=30

STAGING=""
SYNC_PID=""

log() {
  printf 'sync-code: %s\n' "$*"
}

fail() {
  local code=$1
  shift
  printf 'sync-code: ERROR: %s\n' "$*" >&2
  exit "$code"
}

read_settings() {
  SOURCE_BUCKET=${SOURCE_BUCKET:-}
  SOURCE_PREFIX=${SOURCE_PREFIX:-}
  TARGET_PATH=${TARGET_PATH:-/var/www/html}
  RELEASES_DIR=${RELEASES_DIR:-$TARGET_PATH.releases}
  KEEP_RELEASES=${KEEP_RELEASES:-3}
  SYNC_TIMEOUT_SECONDS=${SYNC_TIMEOUT_SECONDS:-600}
  LOCK_FILE=${LOCK_FILE:-/run/sync-code.lock}
  ROOT_DIR=${ROOT_DIR:-}

  local problems=()
  [[ $SOURCE_BUCKET =~ ^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$ ]] ||
    problems+=("SOURCE_BUCKET '$SOURCE_BUCKET' is not an S3 bucket name")
  [[ -z $SOURCE_PREFIX || $SOURCE_PREFIX =~ ^[^/]([^/]|/[^/])*$ ]] ||
    problems+=("SOURCE_PREFIX '$SOURCE_PREFIX' must not start or end with '/' nor hold '//'")
  local path
  for path in "$TARGET_PATH" "$RELEASES_DIR" "$LOCK_FILE"; do
    [[ $path =~ ^(/[A-Za-z0-9_][A-Za-z0-9._-]*)+$ ]] ||
      problems+=("'$path' is not an absolute path of letters, digits, '.', '_' and '-'")
  done
  [[ $KEEP_RELEASES =~ ^[0-9]+$ ]] && ((KEEP_RELEASES <= 20)) ||
    problems+=("KEEP_RELEASES '$KEEP_RELEASES' is not a whole number from 0 to 20")
  [[ $SYNC_TIMEOUT_SECONDS =~ ^[1-9][0-9]{0,4}$ ]] ||
    problems+=("SYNC_TIMEOUT_SECONDS '$SYNC_TIMEOUT_SECONDS' is not a whole number of seconds from 1 to 99999")
  if ((${#problems[@]} > 0)); then
    fail "$EXIT_BAD_SETTINGS" "bad settings: $(printf '%s; ' "${problems[@]}")nothing was changed"
  fi

  LIVE="$ROOT_DIR$TARGET_PATH"
  RELEASES="$ROOT_DIR$RELEASES_DIR"
  LOCK="$ROOT_DIR$LOCK_FILE"
  SOURCE="s3://$SOURCE_BUCKET/${SOURCE_PREFIX:+$SOURCE_PREFIX/}"
}

# One sync at a time. `flock -n` never queues: the case study's syncs piled up because each new one
# waited behind (or ran beside) the last. The descriptor is inherited by the AWS CLI, so even a
# killed script keeps the lock until its copy has stopped writing into staging.
take_lock() {
  mkdir -p "${LOCK%/*}"
  exec 9>>"$LOCK"
  if ! flock -n 9; then
    fail "$EXIT_BUSY" "another sync is already running (lock $LOCK_FILE is held); this one exits without touching $TARGET_PATH. Run it again when that one has finished."
  fi
}

live_release() {
  if [[ -L $LIVE ]]; then readlink "$LIVE"; fi
}

describe_live() {
  local release
  release=$(live_release)
  if [[ -n $release ]]; then printf '%s' "${release##*/}"; else printf 'what it served before'; fi
}

remove_staging() {
  if [[ -n $STAGING && -e $STAGING ]]; then rm -rf -- "$STAGING"; fi
  STAGING=""
}

stop_copy() {
  if [[ -n $SYNC_PID ]]; then
    kill -TERM "$SYNC_PID" 2>/dev/null || true
    wait "$SYNC_PID" 2>/dev/null || true
    SYNC_PID=""
  fi
}

on_signal() {
  trap - TERM INT HUP
  stop_copy
  remove_staging
  fail "$EXIT_FAILED" "interrupted; $TARGET_PATH still serves $(describe_live)"
}

# Staging directories of a killed sync: ours to remove, since we hold the lock.
remove_stale_staging() {
  local stale
  for stale in "$RELEASES/$STAGING_PREFIX"*; do
    if [[ -e $stale ]]; then
      log "removing $stale, left by an interrupted sync"
      rm -rf -- "$stale"
    fi
  done
}

# The copy starts from the live release, so only what changed in S3 is downloaded; `--delete` then
# removes what was deleted in S3, except under the excluded media/ and var/.
copy_from_s3() {
  local release_id=$1 live
  live=$(live_release)
  STAGING="$RELEASES/$STAGING_PREFIX$release_id"
  if [[ -n $live && -d $live ]]; then
    cp -a -- "$live" "$STAGING"
  elif [[ -d $LIVE && ! -L $LIVE ]]; then
    cp -a -- "$LIVE" "$STAGING"
  else
    mkdir -- "$STAGING"
  fi
  log "syncing $SOURCE into $STAGING (at most ${SYNC_TIMEOUT_SECONDS}s)"
  # In the background, so that a TERM reaches on_signal at once instead of after the copy.
  timeout --kill-after="$KILL_AFTER_SECONDS" "$SYNC_TIMEOUT_SECONDS" \
    aws s3 sync "$SOURCE" "$STAGING" \
    --delete --no-follow-symlinks --exclude 'media/*' --exclude 'var/*' --only-show-errors &
  SYNC_PID=$!
  local status=0
  wait "$SYNC_PID" || status=$?
  SYNC_PID=""
  if ((status == 124 || status == 137)); then
    fail "$EXIT_FAILED" "the copy from $SOURCE did not finish within ${SYNC_TIMEOUT_SECONDS}s; $TARGET_PATH still serves $(describe_live)"
  elif ((status != 0)); then
    fail "$EXIT_FAILED" "aws s3 sync from $SOURCE failed (exit $status, its message is above); $TARGET_PATH still serves $(describe_live)"
  fi
}

# rename(2) of a new symlink over the old one: the switch is atomic. `ln -sfn` alone is not (it
# unlinks, then creates), hence the temporary link.
switch_to() {
  local release_id=$1
  local release="$RELEASES/$release_id"
  mv -T -- "$STAGING" "$release"
  STAGING=""
  local next_link="$LIVE.sync-code-next"
  ln -sfn -- "$release" "$next_link"
  if [[ -d $LIVE && ! -L $LIVE ]]; then
    # First sync on a machine whose TARGET_PATH is a plain directory: keep it as a release. The
    # path is missing between these two renames, once in the machine's life.
    log "keeping the original directory $TARGET_PATH as release ${release_id}-original"
    mv -T -- "$LIVE" "$RELEASES/${release_id}-original"
  fi
  mv -T -- "$next_link" "$LIVE"
  log "switched $TARGET_PATH to release $release_id"
}

prune_releases() {
  local live releases=() name
  live=$(live_release)
  for name in "$RELEASES"/*; do
    [[ -d $name && $name != "$live" ]] && releases+=("$name")
  done
  local excess=$((${#releases[@]} - KEEP_RELEASES))
  # Release ids start with a UTC timestamp, so the glob's order is their age.
  local i
  for ((i = 0; i < excess; i++)); do
    log "removing old release ${releases[i]##*/}"
    rm -rf -- "${releases[i]}"
  done
}

main() {
  read_settings
  take_lock
  mkdir -p "$RELEASES" "${LIVE%/*}"
  trap on_signal TERM INT HUP
  trap 'stop_copy; remove_staging' EXIT
  remove_stale_staging
  local release_id
  release_id="$(date -u +%Y%m%dT%H%M%S.%NZ)"
  copy_from_s3 "$release_id"
  switch_to "$release_id"
  prune_releases
}

main "$@"
