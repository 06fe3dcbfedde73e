#!/usr/bin/env bash
# `terraform` as `npm run bench` puts it first on PATH (see bench/suite.ts): runs the real terraform
# named by EFS_BENCH_TERRAFORM and appends one tab-separated line per command to
# EFS_BENCH_TERRAFORM_LOG: the subcommand, its exit code, wall, user and system seconds (terraform and
# its provider processes), and the directory. Terraform's stdout and stderr pass through unchanged.
set -u
exec 5>&1 6>&2
TIMEFORMAT=$'%3R\t%3U\t%3S'
timing=$({ time "$EFS_BENCH_TERRAFORM" "$@" 1>&5 2>&6; } 2>&1)
code=$?
printf '%s\t%s\t%s\t%s\n' "${1:-}" "$code" "$timing" "$PWD" >>"$EFS_BENCH_TERRAFORM_LOG"
exit "$code"
