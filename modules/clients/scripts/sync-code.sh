#!/usr/bin/env bash
# Puts the web application's code from S3 onto this machine's local disk and switches to it atomically.
# Installed by the user data of modules/clients as /usr/local/sbin/sync-code, with its settings in
# /etc/sync-code.env; run at first boot and, on demand, on every machine of the fleet by the SSM
# document "<namePrefix>-sync-code" (Run Command, no SSH):
#   sudo bash -ac '. /etc/sync-code.env; /usr/local/sbin/sync-code [sync|rollback]'
#
# What it will never do (each was a finding against an earlier version, see issue #18):
#   - touch the share: TARGET_PATH and RELEASES_DIR may neither be, hold, nor lie inside
#     SHARE_MOUNT_PATH or a system directory, nothing is moved or deleted that has a mount point at or
#     below it, and copies and deletes stay on one file system;
#   - serve stale code: every release is downloaded into an empty staging directory (no "same size,
#     older mtime" skip) and each file is checked against the release's sha256 before the switch;
#   - serve a broken release: a release exists only once its manifest, uploaded after its files, is
#     named by the pointer object, uploaded last; an empty, incomplete, damaged or missing release is
#     refused and the live one stays.
#
# Release layout in S3 (what `npm run release-upload` writes; docs/web-fleet.md):
#   s3://SOURCE_BUCKET/SOURCE_PREFIX/releases/<id>/<files>       the build, uploaded first
#   s3://SOURCE_BUCKET/SOURCE_PREFIX/manifests/<id>.json         file count, sizes, sha256, uploaded second
#   s3://SOURCE_BUCKET/SOURCE_PREFIX/CURRENT                     the id of the release to serve, uploaded last
#
# Local layout:
#   TARGET_PATH                            symlink -> RELEASES_DIR/<stamp>_<id>   (what the web server serves)
#   RELEASES_DIR/<stamp>_<id>              the live release and up to KEEP_RELEASES previous ones
#   RELEASES_DIR/<stamp>_<id>.manifest.json  its manifest, to re-check it and to roll back to it
#   RELEASES_DIR/.staging-<stamp>          a download in progress; removed on failure, or by the next run
# Top-level `media` and `var` are never downloaded: the live release's own (a link to the share, local
# state) are carried into the next release, a link as a link.
#
# Settings (environment):
#   SOURCE_BUCKET         the S3 bucket holding the releases                   required
#   SOURCE_PREFIX         key prefix of the layout above, no leading or trailing "/"   default: none
#   TARGET_PATH           where the web server reads the code                  default /var/www/html
#   RELEASES_DIR          where releases are kept                              default TARGET_PATH.releases
#   SHARE_MOUNT_PATH      where the EFS share is mounted; kept apart from the two above   default: none
#   KEEP_RELEASES         previous releases kept for a rollback, 0 to 20       default 3
#   SYNC_TIMEOUT_SECONDS  bound on each call to S3                             default 600
#   LOCK_FILE             the lock that keeps runs from stacking               default /run/sync-code.lock
#   AWS_REGION            passed to the AWS CLI                                default: the CLI's own
#   ROOT_DIR              prefix of every local path, so tests can run the script in a temporary
#                         directory                                            default empty
# Argument: `sync` (default) serves the release CURRENT names; `rollback` switches back to the release
# that was live before the current one on this machine.
#
# Exit codes: 0 done (or nothing to do); 1 failed (S3 error, timeout, refused or broken release,
# interrupted) and the live code is unchanged; 2 bad or unsafe settings, nothing touched; 75 another
# run holds the lock (EX_TEMPFAIL: try again later).
set -euo pipefail

readonly EXIT_FAILED=1
readonly EXIT_BAD_SETTINGS=2
readonly EXIT_BUSY=75
readonly STAGING_PREFIX=.staging-
readonly MANIFEST_SUFFIX=.manifest.json
readonly MANIFEST_FORMAT=sync-code-release-1
# After the timeout's TERM, the AWS CLI gets this long to stop before it is killed.
readonly KILL_AFTER_SECONDS=30
readonly RELEASE_ID_PATTERN='^[A-Za-z0-9][A-Za-z0-9._-]{0,99}$'
# Entries of a release that belong to the machine, not to the build.
readonly KEPT_ENTRIES=(media var)
# The code may be neither one of these, nor inside one, nor hold one: the sync replaces its target
# with a symlink and deletes old releases.
readonly SYSTEM_TREES=(/bin /boot /dev /etc /lib /lib32 /lib64 /libx32 /proc /root /run /sbin /sys /tmp
  /usr /var/cache /var/lib /var/lock /var/log /var/run /var/spool /var/tmp)
# Directories that hold other people's data: refused themselves, their subdirectories are fine.
readonly SHARED_ROOTS=(/home /media /mnt /opt /srv /var /var/www)

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

# True when path $1 is $2 or lies below it.
is_within() {
  [[ $2 == / || $1 == "$2" || $1 == "$2"/* ]]
}

# Why `path` ($2, named by setting $1) may not hold the code, or nothing.
unsafe_path_problem() {
  local name=$1 path=$2 tree root
  for tree in "${SYSTEM_TREES[@]}"; do
    if is_within "$path" "$tree" || is_within "$tree" "$path"; then
      printf "%s '%s' is, holds or lies inside the system directory %s" "$name" "$path" "$tree"
      return
    fi
  done
  for root in "${SHARED_ROOTS[@]}"; do
    if [[ $path == "$root" ]]; then
      printf "%s '%s' is a directory other data lives in; use a directory of its own, e.g. /var/www/html" "$name" "$path"
      return
    fi
  done
  if [[ -n $SHARE_MOUNT_PATH ]] && { is_within "$path" "$SHARE_MOUNT_PATH" || is_within "$SHARE_MOUNT_PATH" "$path"; }; then
    printf "%s '%s' is, holds or lies inside the share (SHARE_MOUNT_PATH '%s'); the sync would replace or delete files of every machine" \
      "$name" "$path" "$SHARE_MOUNT_PATH"
  fi
}

read_settings() {
  SOURCE_BUCKET=${SOURCE_BUCKET:-}
  SOURCE_PREFIX=${SOURCE_PREFIX:-}
  TARGET_PATH=${TARGET_PATH:-/var/www/html}
  RELEASES_DIR=${RELEASES_DIR:-$TARGET_PATH.releases}
  SHARE_MOUNT_PATH=${SHARE_MOUNT_PATH:-}
  KEEP_RELEASES=${KEEP_RELEASES:-3}
  SYNC_TIMEOUT_SECONDS=${SYNC_TIMEOUT_SECONDS:-600}
  LOCK_FILE=${LOCK_FILE:-/run/sync-code.lock}
  ROOT_DIR=${ROOT_DIR:-}
  ACTION=${1:-sync}

  local problems=()
  [[ $ACTION == sync || $ACTION == rollback ]] ||
    problems+=("the argument '$ACTION' is neither 'sync' nor 'rollback'")
  [[ $SOURCE_BUCKET =~ ^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$ ]] ||
    problems+=("SOURCE_BUCKET '$SOURCE_BUCKET' is not an S3 bucket name")
  [[ -z $SOURCE_PREFIX || $SOURCE_PREFIX =~ ^[^/]([^/]|/[^/])*$ ]] ||
    problems+=("SOURCE_PREFIX '$SOURCE_PREFIX' must not start or end with '/' nor hold '//'")
  [[ /$SOURCE_PREFIX/ != */./* && /$SOURCE_PREFIX/ != */../* ]] ||
    problems+=("SOURCE_PREFIX '$SOURCE_PREFIX' must not hold '.' or '..' segments")
  local path
  for path in "$TARGET_PATH" "$RELEASES_DIR" "$LOCK_FILE" ${SHARE_MOUNT_PATH:+"$SHARE_MOUNT_PATH"}; do
    [[ $path =~ ^(/[A-Za-z0-9_][A-Za-z0-9._-]*)+$ ]] ||
      problems+=("'$path' is not an absolute path of letters, digits, '.', '_' and '-'")
  done
  if ((${#problems[@]} == 0)); then
    local problem
    for path in TARGET_PATH RELEASES_DIR; do
      problem=$(unsafe_path_problem "$path" "${!path}")
      [[ -z $problem ]] || problems+=("$problem")
    done
    if is_within "$RELEASES_DIR" "$TARGET_PATH" || is_within "$TARGET_PATH" "$RELEASES_DIR"; then
      problems+=("RELEASES_DIR '$RELEASES_DIR' and TARGET_PATH '$TARGET_PATH' must lie apart: the target becomes a link into the releases")
    fi
  fi
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

# Mount points of this machine, one per line, as /proc/self/mountinfo has them (field 5).
mount_points() {
  local _id _parent _device _root point _rest
  while read -r _id _parent _device _root point _rest; do
    printf '%s\n' "$point"
  done </proc/self/mountinfo
}

# The mount point at or below any of the given directories (their real paths), or nothing.
mount_at_or_below() {
  local dir real point
  for dir in "$@"; do
    real=$(realpath -m -- "$dir")
    while read -r point; do
      if is_within "$point" "$real" && [[ $real != / ]]; then
        printf '%s' "$point"
        return
      fi
    done < <(mount_points)
  done
}

# Settings can be right and the machine still wrong (the share mounted somewhere else by hand, a
# link in the path): check the real paths before touching anything.
check_no_mount_near_code() {
  local point
  point=$(mount_at_or_below "$LIVE" "$RELEASES")
  if [[ -n $point ]]; then
    fail "$EXIT_BAD_SETTINGS" "a file system is mounted at $point, at or below $TARGET_PATH or $RELEASES_DIR; the sync replaces and deletes these directories and would take the mount with them. Move the code elsewhere (link to the share from it instead of mounting inside it); nothing was changed"
  fi
  local dir share
  # A link in the path (say /var/www -> /home/www) can put the code on the share under another name.
  if [[ -n $SHARE_MOUNT_PATH ]]; then
    share=$(realpath -m -- "$ROOT_DIR$SHARE_MOUNT_PATH")
    for dir in "$LIVE" "$RELEASES"; do
      dir=$(realpath -m -- "$dir")
      if is_within "$dir" "$share" || is_within "$share" "$dir"; then
        fail "$EXIT_BAD_SETTINGS" "${dir#"$ROOT_DIR"} is, holds or lies inside the share at $SHARE_MOUNT_PATH once links are followed; nothing was changed"
      fi
    done
  fi
  for dir in "$LIVE" "$RELEASES"; do
    dir=$(realpath -m -- "$dir")
    while [[ ! -e $dir ]]; do dir=${dir%/*}; done
    case $(stat -f -c %T -- "${dir:-/}") in
      nfs | nfs4 | fuse*)
        fail "$EXIT_BAD_SETTINGS" "${dir:-/} is on a network file system; the code belongs on local disk. Nothing was changed" ;;
    esac
  done
}

# One run at a time. `flock -n` never queues: the case study's syncs piled up because each new one
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

# Deletes a directory of ours, never across a mount: refuses if one lies at or below it.
remove_tree() {
  local dir=$1 point
  point=$(mount_at_or_below "$dir")
  if [[ -n $point ]]; then
    log "WARNING: not removing $dir: a file system is mounted at $point"
    return 0
  fi
  rm -rf --one-file-system -- "$dir"
}

remove_staging() {
  if [[ -n $STAGING && -e $STAGING ]]; then remove_tree "$STAGING"; fi
  if [[ -n $STAGING ]]; then rm -f -- "$STAGING$MANIFEST_SUFFIX"; fi
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
  fail "$EXIT_FAILED" "interrupted; $TARGET_PATH serves $(describe_live)"
}

# What a killed run left: staging directories and files, and a manifest whose release never got its
# directory. Ours to remove, since we hold the lock.
remove_stale_staging() {
  local stale
  for stale in "$RELEASES/$STAGING_PREFIX"*; do
    if [[ -e $stale ]]; then
      log "removing $stale, left by an interrupted sync"
      if [[ -d $stale ]]; then remove_tree "$stale"; else rm -f -- "$stale"; fi
    fi
  done
  for stale in "$RELEASES"/*"$MANIFEST_SUFFIX"; do
    if [[ -f $stale && ! -d ${stale%"$MANIFEST_SUFFIX"} ]]; then rm -f -- "$stale"; fi
  done
}

# Runs the AWS CLI in the background, bounded, so that a TERM reaches on_signal at once.
bounded_aws() {
  local what=$1
  shift
  timeout --kill-after="$KILL_AFTER_SECONDS" "$SYNC_TIMEOUT_SECONDS" aws "$@" &
  SYNC_PID=$!
  local status=0
  wait "$SYNC_PID" || status=$?
  SYNC_PID=""
  if ((status == 124 || status == 137)); then
    fail "$EXIT_FAILED" "$what did not finish within ${SYNC_TIMEOUT_SECONDS}s; $TARGET_PATH still serves $(describe_live)"
  elif ((status != 0)); then
    fail "$EXIT_FAILED" "$what failed (aws exit $status, its message is above); $TARGET_PATH still serves $(describe_live)"
  fi
}

# Checks that directory $2 holds exactly the files manifest $1 lists for release $3, byte for byte
# (size and sha256), besides the machine's own KEPT_ENTRIES; prints each problem, exits 1 if any.
verify_tree() {
  python3 - "$1" "$2" "$3" "$MANIFEST_FORMAT" "${KEPT_ENTRIES[@]}" <<'PYTHON'
import hashlib, json, os, sys

manifest_path, tree, release, expected_format, *kept = sys.argv[1:]
problems = []
try:
    with open(manifest_path, "rb") as f:
        manifest = json.load(f)
except (OSError, ValueError) as error:
    sys.exit(f"its manifest is unreadable ({error})")
files = manifest.get("files") if isinstance(manifest, dict) else None
if (
    not isinstance(files, dict)
    or manifest.get("format") != expected_format
    or manifest.get("release") != release
    or manifest.get("fileCount") != len(files)
):
    sys.exit(f"its manifest is not a {expected_format} manifest of release {release} whose fileCount matches its files")
if not files:
    sys.exit("the manifest lists no file: an empty release is never served")
for path, entry in files.items():
    parts = path.split("/")
    if path.startswith("/") or any(p in ("", ".", "..") for p in parts) or parts[0] in kept:
        problems.append(f"the manifest lists {path!r}, which no release may hold")
found = {}
for directory, subdirectories, names in os.walk(tree):
    relative = os.path.relpath(directory, tree)
    if relative == ".":
        subdirectories[:] = [d for d in subdirectories if d not in kept]
        names = [n for n in names if n not in kept]
    for name in names:
        full = os.path.join(directory, name)
        path = os.path.normpath(os.path.join(relative, name))
        if os.path.islink(full) or not os.path.isfile(full):
            problems.append(f"{path} is not a regular file")
        else:
            found[path] = full
for path in sorted(set(files) - set(found)):
    problems.append(f"{path} is missing")
for path in sorted(set(found) - set(files)):
    problems.append(f"{path} is not in the manifest")
for path in sorted(set(files) & set(found)):
    entry = files[path]
    digest = hashlib.sha256()
    with open(found[path], "rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            digest.update(block)
    if not isinstance(entry, dict) or entry.get("sha256") != digest.hexdigest():
        problems.append(f"{path} differs from the manifest's sha256")
if problems:
    shown = "; ".join(problems[:5])
    more = f" (and {len(problems) - 5} more)" if len(problems) > 5 else ""
    sys.exit(f"{shown}{more}")
PYTHON
}

# The live release's machine-owned entries (a link to the share, local state) go into the new one.
carry_kept_entries() {
  local from=$1 to=$2 entry
  [[ -n $from && -d $from ]] || return 0
  for entry in "${KEPT_ENTRIES[@]}"; do
    if [[ -L $from/$entry ]]; then
      ln -s -- "$(readlink "$from/$entry")" "$to/$entry"
    elif [[ -d $from/$entry ]]; then
      cp -a --one-file-system -- "$from/$entry" "$to/$entry"
    fi
  done
}

# Swaps two paths in one renameat2(RENAME_EXCHANGE): the only atomic way to put a symlink where a
# directory was (coreutils 8.32 on Amazon Linux 2023 has no `mv --exchange`).
exchange() {
  python3 -c '
import ctypes, os, sys
libc = ctypes.CDLL(None, use_errno=True)
AT_FDCWD, RENAME_EXCHANGE = -100, 2
if libc.renameat2(AT_FDCWD, os.fsencode(sys.argv[2]), AT_FDCWD, os.fsencode(sys.argv[3]), RENAME_EXCHANGE) != 0:
    sys.exit("renameat2: " + os.strerror(ctypes.get_errno()))
' exchange "$1" "$2"
}

# rename(2) of a new symlink over the old one: the switch is atomic. `ln -sfn` alone is not (it
# unlinks, then creates), hence the temporary link.
switch_to() {
  local release=$1 original_name=$2
  local next_link="$LIVE.sync-code-next"
  if [[ -d $next_link && ! -L $next_link ]]; then
    # A run killed right after its exchange left the original directory here.
    log "keeping the original directory left at $next_link as release ${original_name:-original}"
    mv -T -- "$next_link" "$RELEASES/${original_name:-$(utc_stamp)_original}"
  fi
  rm -f -- "$next_link"
  ln -s -- "$release" "$next_link"
  if [[ -L $LIVE || ! -e $LIVE ]]; then
    mv -T -- "$next_link" "$LIVE"
  elif [[ -d $LIVE ]]; then
    # First sync on a machine whose TARGET_PATH is a plain directory: the exchange puts the link in
    # its place, and the directory is kept as a release, so it is never missing.
    exchange "$next_link" "$LIVE" ||
      fail "$EXIT_FAILED" "could not swap the directory $TARGET_PATH for a link; it still serves what it served before"
    log "keeping the original directory $TARGET_PATH as release $original_name"
    mv -T -- "$next_link" "$RELEASES/$original_name"
  else
    rm -f -- "$next_link"
    fail "$EXIT_FAILED" "$TARGET_PATH is neither a directory nor a link; nothing was changed"
  fi
}

# Release directories of this machine, oldest first: names start with a UTC timestamp.
local_releases() {
  local name
  for name in "$RELEASES"/*; do
    if [[ -d $name && ! -L $name ]]; then printf '%s\n' "$name"; fi
  done
}

prune_releases() {
  local live name others=()
  live=$(live_release)
  while read -r name; do
    [[ $name != "$live" ]] && others+=("$name")
  done < <(local_releases)
  local excess=$((${#others[@]} - KEEP_RELEASES)) i
  for ((i = 0; i < excess; i++)); do
    log "removing old release ${others[i]##*/}"
    remove_tree "${others[i]}"
    rm -f -- "${others[i]}$MANIFEST_SUFFIX"
  done
}

# The S3 release id of a local release directory, named <stamp>_<id>.
release_id_of() {
  local name=${1##*/}
  printf '%s' "${name#*_}"
}

utc_stamp() {
  date -u +%Y%m%dT%H%M%S.%NZ
}

sync_release() {
  local original_name
  original_name="$(utc_stamp)_original"
  remove_stale_staging
  local pointer="${SOURCE}CURRENT" release_id
  STAGING="$RELEASES/$STAGING_PREFIX$(utc_stamp)"
  bounded_aws "reading the release pointer $pointer" s3 cp --only-show-errors "$pointer" "$STAGING.pointer"
  release_id=$(head -c 200 -- "$STAGING.pointer" | tr -d '[:space:]')
  rm -f -- "$STAGING.pointer"
  [[ $release_id =~ $RELEASE_ID_PATTERN && $release_id != *..* ]] ||
    fail "$EXIT_FAILED" "$pointer does not name a release (letters, digits, '.', '_', '-'); $TARGET_PATH still serves $(describe_live)"

  local live
  live=$(live_release)
  if [[ -n $live && $(release_id_of "$live") == "$release_id" && -f $live$MANIFEST_SUFFIX ]] &&
    verify_tree "$live$MANIFEST_SUFFIX" "$live" "$release_id" 2>/dev/null; then
    STAGING=""
    log "release $release_id is already live and intact; nothing to do"
    return 0
  fi

  local manifest="$STAGING$MANIFEST_SUFFIX"
  bounded_aws "reading the manifest of release $release_id" \
    s3 cp --only-show-errors "${SOURCE}manifests/$release_id.json" "$manifest"
  mkdir -- "$STAGING"
  log "downloading release $release_id from ${SOURCE}releases/$release_id/ (each call at most ${SYNC_TIMEOUT_SECONDS}s)"
  bounded_aws "downloading release $release_id" s3 cp --only-show-errors --recursive \
    --exclude 'media/*' --exclude 'var/*' --exclude media --exclude var \
    "${SOURCE}releases/$release_id/" "$STAGING/"
  local problems
  if ! problems=$(verify_tree "$manifest" "$STAGING" "$release_id" 2>&1); then
    fail "$EXIT_FAILED" "release $release_id is incomplete or damaged, refused: $problems; $TARGET_PATH still serves $(describe_live)"
  fi
  carry_kept_entries "$live" "$STAGING"

  local release
  release="$RELEASES/$(utc_stamp)_$release_id"
  mv -T -- "$manifest" "$release$MANIFEST_SUFFIX"
  mv -T -- "$STAGING" "$release"
  STAGING=""
  switch_to "$release" "$original_name"
  log "switched $TARGET_PATH to release $release_id (${release##*/})"
  prune_releases
}

rollback_release() {
  local live previous="" name
  live=$(live_release)
  [[ -n $live && $live == "$RELEASES"/* ]] ||
    fail "$EXIT_FAILED" "$TARGET_PATH is not a link to a release in $RELEASES_DIR; there is nothing to roll back from"
  # A later sync of the same release id is another copy of the live code, not a way back.
  local live_id
  live_id=$(release_id_of "$live")
  while read -r name; do
    [[ $name < $live && $(release_id_of "$name") != "$live_id" ]] && previous=$name
  done < <(local_releases)
  [[ -n $previous ]] ||
    fail "$EXIT_FAILED" "no release older than ${live##*/} is kept on this machine; $TARGET_PATH still serves it"
  local problems
  if [[ -f $previous$MANIFEST_SUFFIX ]]; then
    if ! problems=$(verify_tree "$previous$MANIFEST_SUFFIX" "$previous" "$(release_id_of "$previous")" 2>&1); then
      fail "$EXIT_FAILED" "the previous release ${previous##*/} is damaged, refused: $problems; $TARGET_PATH still serves ${live##*/}"
    fi
  elif [[ $previous != *_original ]]; then
    # Only the directory that was live before the first sync has no manifest; any other release
    # without one cannot be checked, so it does not go live.
    fail "$EXIT_FAILED" "the previous release ${previous##*/} has no manifest to check it against, refused; $TARGET_PATH still serves ${live##*/}"
  else
    log "the previous release ${previous##*/} is what served $TARGET_PATH before the first sync; it has no manifest and is not checked"
  fi
  switch_to "$previous" ""
  log "rolled $TARGET_PATH back from ${live##*/} to ${previous##*/}"
}

main() {
  read_settings "$@"
  check_no_mount_near_code
  take_lock
  mkdir -p "$RELEASES" "${LIVE%/*}"
  trap on_signal TERM INT HUP
  trap 'stop_copy; remove_staging' EXIT
  if [[ $ACTION == rollback ]]; then rollback_release; else sync_release; fi
}

main "$@"
