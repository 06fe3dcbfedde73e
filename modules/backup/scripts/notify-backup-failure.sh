#!/usr/bin/env bash
# Publishes a failed run of a systemd unit (default backup-shared-home.service) to the alarm topic,
# so that a backup failure reaches a person and not only the journal. systemd starts it through
# `OnFailure=backup-shared-home-failed@%n.service`, with the unit's name as the only argument.
#
# Configuration comes from the environment (systemd's EnvironmentFile, shared with the backup):
#   BACKUP_ALARM_TOPIC_ARN   required; the SNS topic, arn:<partition>:sns:<region>:<account>:<name>
#   BACKUP_VOLUME_ID         named in the message
#   NOTIFY_ATTEMPTS          publish attempts                            (default 4)
#   NOTIFY_BACKOFF_SECONDS   pause before the second attempt; doubles    (default 5)
#   NOTIFY_JOURNAL_LINES     lines of the unit's journal in the message  (default 30)
# Exit status: 0 published; 1 every attempt failed; 64 bad configuration.
set -euo pipefail

readonly LOG_TAG="backup-shared-home-notify"
readonly EXIT_CONFIG=64
# SNS: a subject is at most 100 ASCII characters, without line breaks.
readonly SUBJECT_MAX=100

UNIT="${1:-backup-shared-home.service}"
TOPIC_ARN="${BACKUP_ALARM_TOPIC_ARN:-}"
VOLUME_ID="${BACKUP_VOLUME_ID:-unknown}"
ATTEMPTS="${NOTIFY_ATTEMPTS:-4}"
BACKOFF="${NOTIFY_BACKOFF_SECONDS:-5}"
JOURNAL_LINES="${NOTIFY_JOURNAL_LINES:-30}"

log() {
  local level="$1"
  shift
  logger -t "$LOG_TAG" -p "user.$level" -- "$*"
}

# The topic's own Region, from its ARN: the publish goes where the topic is, whatever the CLI's
# default Region (the backup stack puts the host and the topic in one Region).
if [[ ! "$TOPIC_ARN" =~ ^arn:aws[a-z-]*:sns:([a-z]{2}(-[a-z]+)+-[0-9]):[0-9]{12}:[A-Za-z0-9_-]{1,256}$ ]]; then
  log err "BACKUP_ALARM_TOPIC_ARN \"$TOPIC_ARN\" is not an SNS topic ARN; cannot report the failure of $UNIT"
  exit "$EXIT_CONFIG"
fi
REGION="${BASH_REMATCH[1]}"
for setting in ATTEMPTS BACKOFF JOURNAL_LINES; do
  if [[ ! "${!setting}" =~ ^[1-9][0-9]{0,3}$ ]]; then
    log err "$setting \"${!setting}\" must be a whole number from 1 to 9999"
    exit "$EXIT_CONFIG"
  fi
done

host="$(uname -n)"
result="$(systemctl show --property=Result --value -- "$UNIT" 2>/dev/null)" || result="unknown"
status="$(systemctl show --property=ExecMainStatus --value -- "$UNIT" 2>/dev/null)" || status="unknown"
journal="$(journalctl --unit "$UNIT" --lines "$JOURNAL_LINES" --no-pager --output short-iso 2>&1)" ||
  journal="(the journal could not be read: $journal)"

subject="FAILED: $UNIT on $host"
subject="$(printf '%s' "$subject" | LC_ALL=C tr -c '[:print:]' '?')"
subject="${subject:0:$SUBJECT_MAX}"
message="The backup of the shared home failed on $host.

Unit:          $UNIT
Result:        ${result:-unknown} (exit status ${status:-unknown})
Backup volume: $VOLUME_ID

No snapshot was taken by this run, or its retention failed. The timer tries again at its next
interval; the alarm on the BackupSucceeded metric fires if no run succeeds for two intervals.
On the host (SSM Session Manager):  journalctl -u $UNIT

Last $JOURNAL_LINES lines of the unit's journal:
$journal"

attempt=1
pause="$BACKOFF"
while :; do
  # This loop is the only retry: the CLI's own (up to 5 attempts in the CLI v1's legacy mode, each
  # up to both timeouts) would multiply the time the unit's TimeoutStartSec has to cover.
  if AWS_MAX_ATTEMPTS=1 aws sns publish --region "$REGION" --cli-connect-timeout 10 --cli-read-timeout 30 \
    --topic-arn "$TOPIC_ARN" --subject "$subject" --message "$message" --output text >/dev/null; then
    log notice "reported the failure of $UNIT to $TOPIC_ARN"
    exit 0
  fi
  if [ "$attempt" -ge "$ATTEMPTS" ]; then
    log err "could not publish the failure of $UNIT to $TOPIC_ARN after $ATTEMPTS attempts"
    exit 1
  fi
  log warning "publishing to $TOPIC_ARN failed (attempt $attempt of $ATTEMPTS); retrying in ${pause}s"
  sleep "$pause"
  attempt=$((attempt + 1))
  pause=$((pause * 2))
done
