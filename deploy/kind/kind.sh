#!/usr/bin/env bash
# Run the to-do assistant in a local kind cluster, or delete that cluster.
#
#   deploy/kind/kind.sh up     create the cluster, build and load the images,
#                              install ingress-nginx and the umbrella chart,
#                              wait for the rollout, run the e2e suite
#   deploy/kind/kind.sh down   delete the cluster
#
# Needs Docker, kubectl and Python 3.11 with uv; kind v0.30.0 and helm are
# installed into .run/bin when missing. The e2e suite's fixtures also need
# PostgreSQL and Redis on 127.0.0.1 (as for `task test`), even though the
# system under test is the cluster.
#
# Environment:
#   KIND_MODEL   scripted (default): the workers use the test suite's scripted
#                model, so the e2e suite can check exact replies.
#                local: the bundled model (local-llm) replies, for trying the
#                UI, and the e2e suite is not run.
#   SKIP_BUILD   1 loads the images already built instead of building them
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
cd "$ROOT"

CLUSTER=todo-assistant
NAMESPACE=todo-assistant
RELEASE=todo
KIND_VERSION=v0.30.0
# ingress-nginx's manifest for kind, pinned to a controller release tag.
INGRESS_NGINX_MANIFEST=https://raw.githubusercontent.com/kubernetes/ingress-nginx/controller-v1.13.3/deploy/static/provider/kind/deploy.yaml
KIND_MODEL="${KIND_MODEL:-scripted}"
BIN="$ROOT/.run/bin"
export PATH="$BIN:$PATH"

step() { printf '\n==> %s\n' "$*"; }
fail() {
  printf 'error: %s\n' "$*" >&2
  exit 1
}

ensure_kind() {
  if command -v kind >/dev/null; then
    local installed
    installed="$(kind version | awk '{print $2}')"
    # sort -V puts the older version first; an installed kind at least as new is kept.
    if [ "$(printf '%s\n' "$KIND_VERSION" "$installed" | sort -V | head -1)" = "$KIND_VERSION" ]; then
      return
    fi
  fi
  step "Installing kind $KIND_VERSION into $BIN"
  mkdir -p "$BIN"
  local url="https://kind.sigs.k8s.io/dl/$KIND_VERSION/kind-linux-amd64"
  curl -fsSL -o "$BIN/kind.tmp" "$url"
  # The release publishes the binary's sha256 next to it.
  echo "$(curl -fsSL "$url.sha256sum" | cut -d' ' -f1)  $BIN/kind.tmp" | sha256sum -c -
  chmod +x "$BIN/kind.tmp"
  mv "$BIN/kind.tmp" "$BIN/kind"
}

ensure_tools() {
  command -v docker >/dev/null || fail "kind needs Docker; install it and retry"
  docker info >/dev/null 2>&1 || fail "the Docker engine does not answer (docker info failed)"
  command -v kubectl >/dev/null || fail "kubectl is missing; install it and retry"
  ensure_kind
  HELM="$(tools/get-helm.sh)"
}

build_chart_dependencies() {
  for chart in gateway agent-worker todo-read local-llm frontend todo-assistant; do
    "$HELM" dependency update --skip-refresh "deploy/helm/$chart" >/dev/null
  done
}

up() {
  ensure_tools
  case "$KIND_MODEL" in scripted | local) ;; *) fail "KIND_MODEL must be scripted or local, got '$KIND_MODEL'" ;; esac

  if kind get clusters 2>/dev/null | grep -qx "$CLUSTER"; then
    step "Using the existing kind cluster $CLUSTER"
  else
    step "Creating the kind cluster $CLUSTER"
    kind create cluster --name "$CLUSTER" --config deploy/kind/cluster.yaml --wait 5m
  fi
  kubectl config use-context "kind-$CLUSTER" >/dev/null

  if [ "${SKIP_BUILD:-0}" != 1 ]; then
    step "Building the images"
    CONTAINER_ENGINE=docker tools/images.sh build
  fi
  step "Loading the images into the cluster"
  for image in $(tools/images.sh names); do
    kind load docker-image --name "$CLUSTER" "$image"
  done

  step "Installing ingress-nginx"
  kubectl apply -f "$INGRESS_NGINX_MANIFEST"
  kubectl -n ingress-nginx rollout status deployment/ingress-nginx-controller --timeout=5m
  # The admission webhook starts serving a little after the controller is
  # ready, and the chart's Ingress would be rejected before that.
  kubectl -n ingress-nginx wait --for=condition=complete job --all --timeout=3m

  kubectl create namespace "$NAMESPACE" --dry-run=client -o yaml | kubectl apply -f -
  local values=(-f deploy/kind/values-kind.yaml)
  if [ "$KIND_MODEL" = scripted ]; then
    step "Starting the scripted model"
    kubectl -n "$NAMESPACE" create configmap scripted-llm \
      --from-file=scripted_llm.py=tests/support/scripted_llm.py --dry-run=client -o yaml | kubectl apply -f -
    kubectl -n "$NAMESPACE" apply -f deploy/kind/scripted-llm.yaml
    kubectl -n "$NAMESPACE" rollout status deployment/scripted-llm --timeout=3m
    values+=(-f deploy/kind/values-kind-e2e.yaml)
  fi

  step "Installing the umbrella chart (release $RELEASE)"
  build_chart_dependencies
  # No --wait: with PostgreSQL in the release the migration is a post-install
  # hook, and the pods wait for it in their wait-for-schema init containers.
  "$HELM" upgrade --install "$RELEASE" deploy/helm/todo-assistant \
    --namespace "$NAMESPACE" "${values[@]}" --timeout 15m
  for kind in statefulset deployment; do
    for name in $(kubectl -n "$NAMESPACE" get "$kind" -l "app.kubernetes.io/instance=$RELEASE" -o name); do
      kubectl -n "$NAMESPACE" rollout status "$name" --timeout=10m
    done
  done

  local url=http://127.0.0.1
  step "Waiting for the ingress at $url"
  local deadline=$((SECONDS + 180))
  until curl -fsS -o /dev/null "$url/auth/config"; do
    [ $SECONDS -lt $deadline ] || fail "the ingress did not answer $url/auth/config within 180 s"
    sleep 2
  done

  if [ "$KIND_MODEL" = scripted ]; then
    step "Running the e2e suite against $url"
    E2E_GATEWAY_URL="$url" E2E_TODO_READ_URL="$url" uv run --frozen pytest -m e2e tests/e2e
  fi
  printf '\nThe UI is at %s/ (sign in with any name). `task kind:down` deletes the cluster.\n' "$url"
}

down() {
  ensure_kind
  if kind get clusters 2>/dev/null | grep -qx "$CLUSTER"; then
    kind delete cluster --name "$CLUSTER"
  else
    echo "No kind cluster named $CLUSTER."
  fi
}

case "${1:-}" in
  up) up ;;
  down) down ;;
  *) fail "usage: $0 up|down" ;;
esac
