#!/usr/bin/env bash
# Runs every check and test of the project: formatting, vet, the Go tests with
# the race detector, the Rego policy tests with the stock OPA CLI, and the
# playbook planner's eval gate. CI (.ci/run) calls exactly this.
set -euo pipefail
cd "$(dirname "$0")/.."

export GOFLAGS="${GOFLAGS:--buildvcs=false}"
OPA_VERSION=v1.22.4

step() { printf '\n== %s\n' "$*"; }

# The console test drives headless Chromium; it skips itself without one.
step "chromium for the console test"
if [ -x /usr/bin/chromium ]; then
  echo "found /usr/bin/chromium"
elif [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
  apt-get update && apt-get install -y chromium ||
    echo "note: installing chromium failed; the console test will skip"
else
  echo "note: /usr/bin/chromium is missing and this user cannot install it;"
  echo "      the console test (api.TestConsoleEscapesUntrustedText) will skip"
fi

step "gofmt"
unformatted=$(gofmt -l $(git ls-files '*.go' 2>/dev/null || find . -name '*.go'))
if [ -n "$unformatted" ]; then
  echo "gofmt would change:"; echo "$unformatted"; exit 1
fi

step "go vet"
go vet ./...

step "go mod tidy -diff"
go mod tidy -diff

step "opa test policies/ (stock OPA CLI $OPA_VERSION)"
opa_bin="$(go env GOPATH)/bin/opa"
if ! "$opa_bin" version 2>/dev/null | grep -q "${OPA_VERSION#v}"; then
  go install "github.com/open-policy-agent/opa@$OPA_VERSION"
fi
"$opa_bin" test policies/ -v --format pretty | tail -n 5

step "conductor eval (playbook planner; fails on a forbidden action or verdict accuracy < 0.9)"
go run ./cmd/conductor eval --planner playbook --min-verdict-accuracy 0.9

step "go test -race"
go test -race -shuffle=on -count=1 -timeout 30m ./...
