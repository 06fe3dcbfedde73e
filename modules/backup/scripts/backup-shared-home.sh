#!/usr/bin/env bash
# Copies the shared home (the EFS mount) to an EBS volume and snapshots that volume: the book's
# 15-minute cron job, made safe.
#   - one run at a time (flock); a run that finds the lock taken exits 75 without touching anything
#   - no snapshot unless rsync succeeded and the share was really mounted (an unmounted share would
#     make `rsync --delete` empty the copy, and we would then snapshot the empty copy)
#   - the volume is frozen only around the CreateSnapshot call, and a trap unfreezes it whatever
#     happens: EBS captures the point in time when the call returns, so a pending snapshot needs no freeze
#   - every snapshot is tagged; retention deletes only tagged snapshots of this volume beyond the limits
#   - a blank volume is formatted once; the mount is in fstab with `nofail`, so a lost volume never
#     blocks a boot; fstab is replaced in one rename(2) of a complete, synced copy, never rewritten
#     in place, so a crash or a full disk never leaves a half-written fstab
#   - every run that reaches the volume reports its usage (percent) to CloudWatch, and a run that
#     took its snapshot reports one successful backup: the alarms on these metrics notice a full
#     volume, and a host that stopped backing up without a word (dead, hung, timer gone)
#   - messages go to the journal through logger(1); a failed run makes systemd start the OnFailure
#     unit, which publishes to the alarm topic
#
# Configuration comes from the environment (systemd's EnvironmentFile):
#   BACKUP_VOLUME_ID         required; the EBS volume to snapshot, e.g. vol-0123456789abcdef0
#   BACKUP_KEEP_LAST         required; keep at most this many snapshots (a whole number >= 1)
#   BACKUP_KEEP_DAYS         required; delete snapshots older than this many days (a whole number >= 1)
#   BACKUP_MAX_DELETE_PERCENT  a run that would delete more than this share of the copy's entries
#                            stops and fails instead; 100 turns the check off      (default 20)
#   BACKUP_TAG_KEY           tag put on each snapshot, with the volume id as value
#   BACKUP_SOURCE            the mounted share to copy                  (default /mnt/shared-home)
#   BACKUP_MOUNT_POINT       where the backup volume is mounted         (default /mnt/backup)
#   BACKUP_DEVICE_NAME       the attachment's device name, a fallback   (default /dev/sdf)
#   BACKUP_DEVICE_BY_ID_DIR  where udev links NVMe volumes by id        (default /dev/disk/by-id)
#   BACKUP_FSTAB             (default /etc/fstab)
#   BACKUP_LOCK_FILE         (default /run/lock/backup-shared-home.lock)
#   BACKUP_METRIC_NAMESPACE  CloudWatch namespace of the two metrics; empty: no metrics
#                                                                       (default empty)
set -euo pipefail

readonly LOG_TAG="backup-shared-home"
readonly EXIT_CONFIG=64
readonly EXIT_LOCKED=75
readonly SECONDS_PER_DAY=86400

VOLUME_ID="${BACKUP_VOLUME_ID:-}"
KEEP_LAST="${BACKUP_KEEP_LAST:-}"
KEEP_DAYS="${BACKUP_KEEP_DAYS:-}"
MAX_DELETE_PERCENT="${BACKUP_MAX_DELETE_PERCENT:-20}"
TAG_KEY="${BACKUP_TAG_KEY:-backup-shared-home:volume}"
SOURCE="${BACKUP_SOURCE:-/mnt/shared-home}"
MOUNT_POINT="${BACKUP_MOUNT_POINT:-/mnt/backup}"
DEVICE_NAME="${BACKUP_DEVICE_NAME:-/dev/sdf}"
BY_ID_DIR="${BACKUP_DEVICE_BY_ID_DIR:-/dev/disk/by-id}"
FSTAB="${BACKUP_FSTAB:-/etc/fstab}"
LOCK_FILE="${BACKUP_LOCK_FILE:-/run/lock/backup-shared-home.lock}"
METRIC_NAMESPACE="${BACKUP_METRIC_NAMESPACE:-}"
readonly METRIC_SUCCESS="BackupSucceeded"
readonly METRIC_USED_PERCENT="BackupVolumeUsedPercent"

FROZEN=""
SNAPSHOT_ID=""
FSTAB_NEXT=""

log() {
  local level="$1"
  shift
  logger -t "$LOG_TAG" -p "user.$level" -- "$*"
  if [ -t 2 ]; then
    echo "$LOG_TAG: $level: $*" >&2
  fi
}

is_whole_number() {
  [[ "$1" =~ ^[1-9][0-9]*$ ]]
}

check_config() {
  local problems=()
  [[ "$VOLUME_ID" =~ ^vol-[0-9a-f]+$ ]] || problems+=("BACKUP_VOLUME_ID \"$VOLUME_ID\" is not a volume id such as vol-0123456789abcdef0")
  is_whole_number "$KEEP_LAST" || problems+=("BACKUP_KEEP_LAST \"$KEEP_LAST\" must be a whole number >= 1; retention is never unbounded")
  is_whole_number "$KEEP_DAYS" || problems+=("BACKUP_KEEP_DAYS \"$KEEP_DAYS\" must be a whole number >= 1; retention is never unbounded")
  [[ "$MAX_DELETE_PERCENT" =~ ^([1-9][0-9]?|100)$ ]] || problems+=("BACKUP_MAX_DELETE_PERCENT \"$MAX_DELETE_PERCENT\" must be a whole number from 1 to 100")
  if [ ${#problems[@]} -gt 0 ]; then
    local problem
    for problem in "${problems[@]}"; do log err "$problem"; done
    exit "$EXIT_CONFIG"
  fi
}

unfreeze() {
  if [ -z "$FROZEN" ]; then
    return 0
  fi
  if fsfreeze --unfreeze "$FROZEN"; then
    log info "unfroze $FROZEN"
    FROZEN=""
    return 0
  fi
  log crit "could not unfreeze $FROZEN; writes to it block until someone runs: fsfreeze --unfreeze $FROZEN"
  return 1
}

# A temporary fstab left by a run that stopped before its rename.
remove_fstab_next() {
  if [ -n "$FSTAB_NEXT" ]; then
    rm -f -- "$FSTAB_NEXT"
    FSTAB_NEXT=""
  fi
}

on_exit() {
  local status=$?
  remove_fstab_next
  unfreeze || status=1
  exit "$status"
}

# EXIT runs on every way out, including `exit` from the signal traps below.
trap on_exit EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

take_lock() {
  exec 9>>"$LOCK_FILE"
  if ! flock --nonblock 9; then
    log notice "another run holds $LOCK_FILE; skipping this one"
    exit "$EXIT_LOCKED"
  fi
}

# Nitro instances show EBS volumes as NVMe devices named by volume id; Xen ones use the attachment's
# device name, /dev/sdX or its /dev/xvdX alias.
find_device() {
  local candidate
  for candidate in \
    "$BY_ID_DIR/nvme-Amazon_Elastic_Block_Store_${VOLUME_ID/-/}" \
    "$DEVICE_NAME" \
    "${DEVICE_NAME/#\/dev\/sd/\/dev\/xvd}"; do
    if [ -e "$candidate" ]; then
      readlink -f "$candidate"
      return 0
    fi
  done
  return 1
}

# Leaves exactly one fstab line for our mount point, `$1`: a replaced volume must not leave a stale
# line behind. The new fstab is written next to the old one (same file system, so the rename is
# atomic), synced to disk, and renamed over it: readers and a crash see the old or the new file,
# never a half-written one.
replace_fstab_entry() {
  local line="$1"
  FSTAB_NEXT="$(mktemp "$FSTAB.backup-shared-home.XXXXXX")" || return 1
  if ! {
    awk -v mount_point="$MOUNT_POINT" '$2 != mount_point' "$FSTAB" &&
      printf '%s\n' "$line"
  } >"$FSTAB_NEXT"; then
    remove_fstab_next
    return 1
  fi
  # sync FILE fsyncs just that file (coreutils 8.24 and later); the rename is what must not tear.
  if ! { chmod 0644 "$FSTAB_NEXT" && sync "$FSTAB_NEXT" && mv -f -- "$FSTAB_NEXT" "$FSTAB"; }; then
    remove_fstab_next
    return 1
  fi
  FSTAB_NEXT=""
}

ensure_backup_volume_mounted() {
  if mountpoint -q "$MOUNT_POINT"; then
    return 0
  fi
  local device
  if ! device="$(find_device)"; then
    log err "volume $VOLUME_ID is not attached yet (no $BY_ID_DIR/nvme-…${VOLUME_ID/-/} or $DEVICE_NAME)"
    return 1
  fi

  # blkid exits 2 when it finds no signature at all: only then is the volume blank.
  local fs_type status=0
  fs_type="$(blkid -p -s TYPE -o value "$device")" || status=$?
  if [ "$status" -eq 2 ]; then
    log notice "formatting blank volume $VOLUME_ID ($device) as xfs"
    if ! mkfs.xfs "$device"; then
      log err "mkfs.xfs $device failed"
      return 1
    fi
    fs_type="xfs"
  elif [ "$status" -ne 0 ] || [ -z "$fs_type" ]; then
    log err "cannot tell what is on $device (blkid exit $status); refusing to format it"
    return 1
  fi

  local uuid
  uuid="$(blkid -p -s UUID -o value "$device")" || true
  if [ -z "$uuid" ]; then
    log err "no file-system UUID on $device"
    return 1
  fi
  mkdir -p "$MOUNT_POINT"
  if ! replace_fstab_entry "UUID=$uuid $MOUNT_POINT $fs_type defaults,nofail,noatime 0 0"; then
    log err "could not update $FSTAB; it is unchanged"
    return 1
  fi
  if ! mount "$MOUNT_POINT"; then
    log err "mount $MOUNT_POINT failed"
    return 1
  fi
  log info "mounted $device on $MOUNT_POINT"
}

# A share wiped or encrypted while mounted looks to `rsync --delete` like a share whose files were
# deleted: mirroring it, then pruning the older snapshots after KEEP_DAYS, would lose every good
# copy. So a dry run counts what the sync would delete first, and past MAX_DELETE_PERCENT of the
# copy's entries the run stops and fails (OnFailure= tells the alarm topic).
check_deletions() {
  local copy="$1"
  [ "$MAX_DELETE_PERCENT" -lt 100 ] || return 0
  local entries
  entries="$(find "$copy" -mindepth 1 -printf . | wc -c)"
  [ "$entries" -gt 0 ] || return 0
  local listing status=0
  listing="$(rsync -aH --numeric-ids --delete --dry-run --itemize-changes "$SOURCE/" "$copy/")" || status=$?
  if [ "$status" -ne 0 ] && [ "$status" -ne 24 ]; then
    log err "rsync --dry-run failed with exit $status; no sync, no snapshot this time"
    return 1
  fi
  local deletions
  deletions="$(printf '%s\n' "$listing" | grep -c '^\*deleting ')" || true
  if [ $((deletions * 100)) -gt $((entries * MAX_DELETE_PERCENT)) ]; then
    log crit "the sync would delete $deletions of the $entries files and directories in $copy, over BACKUP_MAX_DELETE_PERCENT=$MAX_DELETE_PERCENT%; not syncing, no snapshot. Check the share; if the deletion is meant, raise BACKUP_MAX_DELETE_PERCENT in /etc/backup-shared-home.env for one run"
    return 1
  fi
}

copy_share() {
  if ! mountpoint -q "$SOURCE"; then
    log err "$SOURCE is not mounted; not syncing, or --delete would empty the copy"
    return 1
  fi
  mkdir -p "$MOUNT_POINT/shared-home"
  check_deletions "$MOUNT_POINT/shared-home" || return 1
  local status=0
  # No -A/-X: EFS has no POSIX ACLs, and asking for them makes every run fail.
  rsync -aH --numeric-ids --delete --timeout=600 "$SOURCE/" "$MOUNT_POINT/shared-home/" || status=$?
  case "$status" in
    0) log info "synced $SOURCE to $MOUNT_POINT/shared-home" ;;
    24) log warning "synced $SOURCE, but some files vanished while rsync ran (exit 24); taking the snapshot anyway" ;;
    *)
      log err "rsync failed with exit $status; no snapshot this time"
      return 1
      ;;
  esac
}

snapshot_volume() {
  if ! fsfreeze --freeze "$MOUNT_POINT"; then
    log err "fsfreeze --freeze $MOUNT_POINT failed; no snapshot this time"
    return 1
  fi
  FROZEN="$MOUNT_POINT"
  local status=0 output
  output="$(aws ec2 create-snapshot \
    --cli-connect-timeout 10 --cli-read-timeout 60 \
    --volume-id "$VOLUME_ID" \
    --description "$LOG_TAG of $SOURCE" \
    --tag-specifications "ResourceType=snapshot,Tags=[{Key=$TAG_KEY,Value=$VOLUME_ID},{Key=Name,Value=$LOG_TAG}]" \
    --query SnapshotId --output text)" || status=$?
  unfreeze || status=1
  if [ "$status" -ne 0 ]; then
    log err "create-snapshot of $VOLUME_ID failed (exit $status)"
    return 1
  fi
  SNAPSHOT_ID="$output"
  log info "started snapshot $SNAPSHOT_ID of $VOLUME_ID"
}

# Deletes completed snapshots of this volume, tagged by this script, that are beyond the newest
# KEEP_LAST or older than KEEP_DAYS. The newest one is always kept. (A DLM policy would manage only
# snapshots DLM itself creates, so retention lives here, by tag.)
apply_retention() {
  local listing
  if ! listing="$(aws ec2 describe-snapshots \
    --owner-ids self \
    --filters "Name=volume-id,Values=$VOLUME_ID" "Name=tag:$TAG_KEY,Values=$VOLUME_ID" "Name=status,Values=completed" \
    --query 'Snapshots[].[StartTime,SnapshotId]' --output text)"; then
    log err "describe-snapshots failed; retention skipped"
    return 1
  fi
  local cutoff=$(($(date +%s) - KEEP_DAYS * SECONDS_PER_DAY))
  local rank=0 failures=0 deleted=0 start_time snapshot_id started
  # ISO 8601 UTC times sort as text: newest first.
  while read -r start_time snapshot_id; do
    [ -n "${snapshot_id:-}" ] || continue
    rank=$((rank + 1))
    [ "$rank" -gt 1 ] || continue
    if ! started="$(date -d "$start_time" +%s)"; then
      log warning "snapshot $snapshot_id has an unreadable start time \"$start_time\"; kept"
      continue
    fi
    if [ "$rank" -gt "$KEEP_LAST" ] || [ "$started" -lt "$cutoff" ]; then
      if aws ec2 delete-snapshot --snapshot-id "$snapshot_id"; then
        deleted=$((deleted + 1))
        log info "deleted snapshot $snapshot_id from $start_time"
      else
        failures=$((failures + 1))
        log err "could not delete snapshot $snapshot_id"
      fi
    fi
  done < <(printf '%s\n' "$listing" | sort -r)
  log info "retention: $rank snapshot(s) found, $deleted deleted (keep last $KEEP_LAST, at most $KEEP_DAYS days)"
  [ "$failures" -eq 0 ]
}

# Puts one data point of our namespace, dimension VolumeId. A failed put is logged, never fatal:
# the alarm on missing data is what notices a host that cannot report.
put_metric() {
  local name="$1" value="$2" unit="$3"
  [ -n "$METRIC_NAMESPACE" ] || return 0
  if ! aws cloudwatch put-metric-data \
    --cli-connect-timeout 10 --cli-read-timeout 30 \
    --namespace "$METRIC_NAMESPACE" --metric-name "$name" \
    --dimensions "VolumeId=$VOLUME_ID" --value "$value" --unit "$unit"; then
    log warning "could not put metric $METRIC_NAMESPACE/$name=$value"
    return 0
  fi
}

# How full the backup volume is, in percent: when it fills, rsync fails on every run.
report_volume_usage() {
  local used
  if ! used="$(df --output=pcent -- "$MOUNT_POINT" | awk 'NR == 2 { gsub(/[ %]/, ""); print }')" ||
    ! [[ "$used" =~ ^[0-9]+$ ]]; then
    log warning "could not read the usage of $MOUNT_POINT"
    return 0
  fi
  log info "$MOUNT_POINT is $used% full"
  put_metric "$METRIC_USED_PERCENT" "$used" Percent
}

main() {
  check_config
  take_lock
  ensure_backup_volume_mounted || exit 1
  local copied=0
  copy_share || copied=$?
  # Also, and above all, after a failed copy: a full volume is the usual reason.
  report_volume_usage
  [ "$copied" -eq 0 ] || exit 1
  snapshot_volume || exit 1
  # The backup exists once the snapshot is started; a retention failure still fails the run.
  put_metric "$METRIC_SUCCESS" 1 Count
  apply_retention || exit 1
}

main "$@"
