#!/usr/bin/env bash
# Runs before `npm test`: the suite needs terraform >= 1.11 (offline validate and plan) and shellcheck
# (the instance scripts are linted as part of their tests). On a Debian machine where we are root,
# a missing shellcheck is installed from Debian's packages, as CI does; anywhere else we say what is
# missing and stop, instead of letting dozens of tests fail for one reason.
set -euo pipefail

problems=()

if ! command -v terraform >/dev/null 2>&1; then
  problems+=("terraform is not on PATH; install Terraform 1.11 or newer")
else
  version=$(terraform version -json 2>/dev/null | sed -n 's/.*"terraform_version": *"\([0-9.]*\)".*/\1/p')
  major=${version%%.*}
  minor=${version#*.}
  minor=${minor%%.*}
  if [[ -z $version ]] || ((major < 1 || (major == 1 && minor < 11))); then
    problems+=("terraform ${version:-of unknown version} is too old; the stacks require >= 1.11 (S3-native state locking)")
  fi
fi

if ! command -v shellcheck >/dev/null 2>&1; then
  if [[ $(id -u) == 0 ]] && command -v apt-get >/dev/null 2>&1; then
    echo "check-test-tools: installing shellcheck from Debian's packages" >&2
    apt-get update -qq >/dev/null
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq shellcheck >/dev/null
  else
    problems+=("shellcheck is not on PATH; install it (Debian/Ubuntu: sudo apt-get install shellcheck)")
  fi
fi

if ((${#problems[@]} > 0)); then
  printf 'check-test-tools: %s\n' "${problems[@]}" >&2
  exit 1
fi
