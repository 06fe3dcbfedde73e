#!/usr/bin/env bash
# Mounts an Amazon EFS file system at MOUNT_PATH (default /home) and, once per file system, seeds it
# with this machine's local copy of that directory. Installed by the user data of modules/clients as
# /usr/local/sbin/mount-shared-home, with its settings in /etc/mount-shared-home.env; safe to run
# again by hand:  sudo bash -ac '. /etc/mount-shared-home.env; /usr/local/sbin/mount-shared-home'
#
# What the book's version got wrong, and what this one does instead:
#   - the wait for the mount target is bounded by WAIT_SECONDS, then fails loudly (exit 1);
#   - a re-run changes nothing: one fstab line for MOUNT_PATH, and no second mount on top;
#   - fstab has _netdev (wait for the network at boot) and noresvport (reconnect on a new port);
#   - seeding holds a lock on the share, never replaces a file already there, makes every file
#     appear whole, and marks the share so that no later machine seeds it again.
#
# Settings (environment):
#   EFS_FILE_SYSTEM_ID     fs-...                                    required
#   EFS_DNS_NAME           <fs-id>.efs.<region>.amazonaws.com        required
#   MOUNT_PATH             absolute path of the mount point          default /home
#   MOUNT_METHOD           efs-utils (TLS + IAM, via amazon-efs-utils) or nfs (kernel NFS client,
#                          no TLS, no IAM: only for a file system whose policy allows that)
#                                                                    default efs-utils
#   MOUNT_READ_ONLY        true|false                                default false
#   SEED_FROM_LOCAL        true|false: copy the local MOUNT_PATH onto a share never seeded
#                                                                    default true
#   WAIT_SECONDS           bound on the wait for the mount target    default 300
#   WAIT_INTERVAL_SECONDS  pause between two probes                  default 5
#   PROBE_TIMEOUT_SECONDS  bound on one name lookup or TCP probe     default 3
#   LOCK_WAIT_SECONDS      bound on the wait for the seeding lock    default 600
#   ROOT_DIR               prefix of every local path (fstab, mount point, staging directory), so
#                          tests can run the script in a temporary directory   default empty
#   CONSOLE                where failures are also written, for the EC2 console log
#                                                                    default /dev/console
set -euo pipefail

readonly NFS_PORT=2049
readonly SEED_MARKER=.mount-shared-home.seeded
readonly SEED_LOCK=.mount-shared-home.lock
readonly SEED_PARTIAL=.mount-shared-home.partial
# Options from the EFS user guide: "Mounting EFS file systems using NFS" (recommended NFS options)
# and "Automatically mounting EFS file systems" (fstab with the EFS mount helper).
readonly NFS_OPTIONS=nfsvers=4.1,rsize=1048576,wsize=1048576,hard,timeo=600,retrans=2,noresvport,_netdev
readonly EFS_UTILS_OPTIONS=_netdev,noresvport,tls,iam

# mount.efs and mount.nfs4 live in /sbin; appended, so that anything earlier on PATH still wins.
PATH="$PATH:/usr/sbin:/sbin"

log() {
  printf 'mount-shared-home: %s\n' "$*"
}

fail() {
  printf 'mount-shared-home: ERROR: %s\n' "$*" >&2
  # cloud-init output does not always reach the console; the EC2 "Get system log" view reads it.
  { printf 'mount-shared-home: ERROR: %s\n' "$*" >"$CONSOLE"; } 2>/dev/null || true
  exit 1
}

now() {
  date +%s
}

min() {
  if (($1 < $2)); then echo "$1"; else echo "$2"; fi
}

exists() {
  [[ -e $1 || -L $1 ]]
}

read_settings() {
  EFS_FILE_SYSTEM_ID=${EFS_FILE_SYSTEM_ID:-}
  EFS_DNS_NAME=${EFS_DNS_NAME:-}
  MOUNT_PATH=${MOUNT_PATH:-/home}
  MOUNT_METHOD=${MOUNT_METHOD:-efs-utils}
  MOUNT_READ_ONLY=${MOUNT_READ_ONLY:-false}
  SEED_FROM_LOCAL=${SEED_FROM_LOCAL:-true}
  WAIT_SECONDS=${WAIT_SECONDS:-300}
  WAIT_INTERVAL_SECONDS=${WAIT_INTERVAL_SECONDS:-5}
  PROBE_TIMEOUT_SECONDS=${PROBE_TIMEOUT_SECONDS:-3}
  LOCK_WAIT_SECONDS=${LOCK_WAIT_SECONDS:-600}
  ROOT_DIR=${ROOT_DIR:-}
  CONSOLE=${CONSOLE:-/dev/console}

  local problems=() name
  [[ $EFS_FILE_SYSTEM_ID =~ ^fs-[0-9a-f]{8,40}$ ]] ||
    problems+=("EFS_FILE_SYSTEM_ID '$EFS_FILE_SYSTEM_ID' is not a file system id such as fs-0123456789abcdef0")
  [[ $EFS_DNS_NAME =~ ^[A-Za-z0-9.-]+$ ]] ||
    problems+=("EFS_DNS_NAME '$EFS_DNS_NAME' is not a DNS name such as fs-0123456789abcdef0.efs.eu-west-1.amazonaws.com")
  [[ $MOUNT_PATH =~ ^(/[A-Za-z0-9_][A-Za-z0-9._-]*)+$ ]] ||
    problems+=("MOUNT_PATH '$MOUNT_PATH' must be an absolute path other than /, whose parts are letters, digits, . _ - and do not start with .")
  [[ $MOUNT_METHOD == efs-utils || $MOUNT_METHOD == nfs ]] ||
    problems+=("MOUNT_METHOD '$MOUNT_METHOD' is not allowed; use efs-utils or nfs")
  for name in MOUNT_READ_ONLY SEED_FROM_LOCAL; do
    [[ ${!name} == true || ${!name} == false ]] || problems+=("$name '${!name}' must be true or false")
  done
  for name in WAIT_SECONDS WAIT_INTERVAL_SECONDS PROBE_TIMEOUT_SECONDS LOCK_WAIT_SECONDS; do
    [[ ${!name} =~ ^[1-9][0-9]{0,5}$ ]] || problems+=("$name '${!name}' must be a whole number of seconds, 1 or more")
  done
  if [[ $MOUNT_READ_ONLY == true && $SEED_FROM_LOCAL == true ]]; then
    problems+=("SEED_FROM_LOCAL is true but MOUNT_READ_ONLY is true; a read-only share cannot be seeded")
  fi
  if ((${#problems[@]} > 0)); then
    fail "invalid settings: $(printf '%s; ' "${problems[@]}")"
  fi

  if [[ $MOUNT_METHOD == efs-utils ]]; then
    MOUNT_SOURCE="$EFS_FILE_SYSTEM_ID:/"
    MOUNT_TYPE=efs
    MOUNT_OPTIONS=$EFS_UTILS_OPTIONS
  else
    MOUNT_SOURCE="$EFS_DNS_NAME:/"
    MOUNT_TYPE=nfs4
    MOUNT_OPTIONS=$NFS_OPTIONS
  fi
  if [[ $MOUNT_READ_ONLY == true ]]; then MOUNT_OPTIONS+=,ro; fi
  MOUNT_POINT="$ROOT_DIR$MOUNT_PATH"
  FSTAB="$ROOT_DIR/etc/fstab"
  FSTAB_LINE="$MOUNT_SOURCE $MOUNT_PATH $MOUNT_TYPE $MOUNT_OPTIONS 0 0"
}

install_mount_helper() {
  local helper package attempt
  if [[ $MOUNT_METHOD == efs-utils ]]; then
    helper=mount.efs package=amazon-efs-utils
  else
    helper=mount.nfs4 package=nfs-utils
  fi
  if command -v "$helper" >/dev/null; then return 0; fi
  for attempt in 1 2 3; do
    log "installing $package (attempt $attempt of 3)"
    if dnf install -y "$package"; then return 0; fi
    sleep 10
  done
  fail "could not install $package, which provides $helper"
}

# Prints the first address of a name; fails when the name does not resolve within the bound.
resolve_address() {
  local answer
  answer=$(timeout "$1" getent ahosts "$EFS_DNS_NAME") || return 1
  answer=${answer%%[[:space:]]*}
  [[ -n $answer ]] && printf '%s\n' "$answer"
}

# Opens, and at once closes, a TCP connection to the NFS port; bash's /dev/tcp needs no extra package.
probe_nfs_port() {
  # shellcheck disable=SC2016 # $0 and $1 are expanded by the inner bash, from its arguments.
  timeout "$2" bash -c 'exec 3<>"/dev/tcp/$0/$1"' "$1" "$NFS_PORT" 2>/dev/null
}

# A mount target is usable once its DNS name resolves (EFS publishes it when the mount target is
# available) and it accepts TCP on 2049. Every step, probes included, fits inside WAIT_SECONDS.
wait_for_mount_target() {
  local deadline remaining address="" reason
  deadline=$(($(now) + WAIT_SECONDS))
  log "waiting up to ${WAIT_SECONDS}s for the mount target $EFS_DNS_NAME on TCP $NFS_PORT"
  while :; do
    remaining=$((deadline - $(now)))
    ((remaining > 0)) || break
    reason="its DNS name does not resolve"
    if address=$(resolve_address "$(min "$remaining" "$PROBE_TIMEOUT_SECONDS")"); then
      reason="$address does not answer on TCP $NFS_PORT"
      remaining=$((deadline - $(now)))
      ((remaining > 0)) || break
      if probe_nfs_port "$address" "$(min "$remaining" "$PROBE_TIMEOUT_SECONDS")"; then
        log "mount target $EFS_DNS_NAME ($address) answers on TCP $NFS_PORT"
        return 0
      fi
    fi
    remaining=$((deadline - $(now)))
    ((remaining > 0)) || break
    sleep "$(min "$remaining" "$WAIT_INTERVAL_SECONDS")"
  done
  fail "gave up after ${WAIT_SECONDS}s waiting for the mount target $EFS_DNS_NAME: $reason." \
    "Check that the file system has a mount target in this AZ and that its security group allows" \
    "NFS (TCP $NFS_PORT) from this machine's security group."
}

# True when fstab holds exactly one entry for MOUNT_PATH and it is ours (whitespace aside).
fstab_is_current() {
  [[ -f $FSTAB ]] || return 1
  awk -v path="$MOUNT_PATH" -v want="$FSTAB_LINE" '
    $1 !~ /^#/ && $2 == path { entries++; if ($1" "$2" "$3" "$4" "$5" "$6 == want) ours++ }
    END { exit !(entries == 1 && ours == 1) }' "$FSTAB"
}

# Leaves exactly one fstab entry for MOUNT_PATH: ours. Other entries are kept as they are; the file
# is replaced in one rename, so a crash never leaves a half-written fstab.
ensure_fstab_entry() {
  if fstab_is_current; then
    log "$FSTAB already mounts $MOUNT_PATH from the share"
    return 0
  fi
  local replaced="" next
  mkdir -p "${FSTAB%/*}"
  touch "$FSTAB"
  replaced=$(awk -v path="$MOUNT_PATH" '$1 !~ /^#/ && $2 == path' "$FSTAB")
  if [[ -n $replaced ]]; then
    log "replacing the fstab entries for $MOUNT_PATH: $replaced"
    exists "$FSTAB.before-mount-shared-home" || cp -p "$FSTAB" "$FSTAB.before-mount-shared-home"
  fi
  next=$(mktemp "$FSTAB.mount-shared-home.XXXXXX")
  awk -v path="$MOUNT_PATH" '$1 ~ /^#/ || $2 != path' "$FSTAB" >"$next"
  printf '%s\n' "$FSTAB_LINE" >>"$next"
  chmod 0644 "$next"
  # On disk before the rename, so a crash right after it cannot leave an empty fstab.
  sync "$next"
  mv -f "$next" "$FSTAB"
  log "added to $FSTAB: $FSTAB_LINE"
}

# Moves every entry of $1 that $2 lacks into $2, recursing into directories both have. Nothing in $2
# is ever replaced. A file appears by link(2) and a new directory by rename(2), each of a complete
# copy, so another machine never sees a half-written file.
merge_into() {
  local from=$1 to=$2 entry name dest
  local entries=()
  shopt -s nullglob dotglob
  entries=("$from"/*)
  shopt -u nullglob dotglob
  for entry in "${entries[@]}"; do
    name=${entry##*/}
    dest="$to/$name"
    if [[ -d $entry && ! -L $entry ]]; then
      if ! exists "$dest" && mv -T -- "$entry" "$dest" 2>/dev/null; then
        continue
      elif [[ -d $dest && ! -L $dest ]]; then
        merge_into "$entry" "$dest"
        continue
      fi
    elif ! exists "$dest" && ln -P -T -- "$entry" "$dest" 2>/dev/null; then
      continue
    elif ! exists "$dest"; then
      # A file system that refuses hard links (to symlinks, say) still gets the file: we hold the lock.
      cp -a -T -- "$entry" "$dest"
      continue
    fi
    log "kept $dest, which is already on the share"
  done
}

STAGING=""
release_staging() {
  if [[ -n $STAGING ]]; then
    if mountpoint -q -- "$STAGING"; then umount -- "$STAGING" || true; fi
    rmdir -- "$STAGING" 2>/dev/null || true
    STAGING=""
  fi
}

# Copies the local MOUNT_PATH onto the share, if the share has never been seeded.
#
# A machine that finds the share unseeded when it first looks belongs to the first seeding, even if
# another machine finishes before it: two machines launched together both keep their files. A
# machine that finds the marker copies nothing, so a file users deleted from the share never comes
# back from a new machine's local copy. Merges run one at a time under a lock on the share (flock
# over NFSv4 takes a lock on the server, which every client sees).
seed_share() {
  local lock_fd
  if [[ ! -d $MOUNT_POINT ]] || [[ -z $(ls -A -- "$MOUNT_POINT") ]]; then
    log "nothing to seed: the local $MOUNT_PATH is missing or empty"
    return 0
  fi
  mkdir -p "$ROOT_DIR/run"
  STAGING=$(mktemp -d "$ROOT_DIR/run/mount-shared-home.XXXXXX")
  trap release_staging EXIT
  mount -t "$MOUNT_TYPE" -o "$MOUNT_OPTIONS" "$MOUNT_SOURCE" "$STAGING"
  if exists "$STAGING/$SEED_MARKER"; then
    log "the share is already seeded ($(head -c 200 "$STAGING/$SEED_MARKER")); not copying the local $MOUNT_PATH"
    release_staging
    return 0
  fi

  exec {lock_fd}>>"$STAGING/$SEED_LOCK"
  log "waiting up to ${LOCK_WAIT_SECONDS}s for the seeding lock"
  flock -w "$LOCK_WAIT_SECONDS" "$lock_fd" ||
    fail "another machine held the seeding lock on the share for more than ${LOCK_WAIT_SECONDS}s"
  if exists "$STAGING/$SEED_MARKER"; then
    log "another machine seeded the share meanwhile; adding only what the share lacks"
  fi
  # The copy goes to a hidden directory on the share first, so the merge below can link and rename
  # within one file system. A leftover from a machine that died mid-copy is ours to remove: we
  # hold the lock.
  rm -rf -- "${STAGING:?}/$SEED_PARTIAL"
  mkdir -m 0700 -- "$STAGING/$SEED_PARTIAL"
  log "copying the local $MOUNT_PATH onto the share"
  cp -a -- "$MOUNT_POINT/." "$STAGING/$SEED_PARTIAL/"
  rm -rf -- "${STAGING:?}/$SEED_PARTIAL/lost+found"
  merge_into "$STAGING/$SEED_PARTIAL" "$STAGING"
  rm -rf -- "${STAGING:?}/$SEED_PARTIAL"
  if ! exists "$STAGING/$SEED_MARKER"; then
    printf 'seeded by %s at %s\n' "$(uname -n)" "$(date -u +%Y-%m-%dT%H:%M:%SZ)" >"$STAGING/$SEED_MARKER.tmp.$$"
    mv -f -- "$STAGING/$SEED_MARKER.tmp.$$" "$STAGING/$SEED_MARKER"
  fi
  flock -u "$lock_fd"
  exec {lock_fd}>&-
  log "seeded the share from the local $MOUNT_PATH"
  release_staging
}

main() {
  read_settings
  if mountpoint -q -- "$MOUNT_POINT"; then
    if fstab_is_current; then
      log "$MOUNT_PATH is already mounted from the share; nothing to do"
      return 0
    fi
    fail "$MOUNT_PATH is already a mount point, but not of this share; refusing to hide it." \
      "Move what is mounted there, or choose another mount path."
  fi
  install_mount_helper
  wait_for_mount_target
  if [[ $SEED_FROM_LOCAL == true ]]; then seed_share; fi
  ensure_fstab_entry
  mkdir -p -- "$MOUNT_POINT"
  mount -t "$MOUNT_TYPE" -o "$MOUNT_OPTIONS" "$MOUNT_SOURCE" "$MOUNT_POINT"
  log "mounted $MOUNT_SOURCE at $MOUNT_PATH ($MOUNT_OPTIONS)"
}

main "$@"
