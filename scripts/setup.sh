#!/usr/bin/env bash
# TinyStudio set-up on Debian 12: installs missing Debian packages, builds, then
#   run  – launches the studio on the demo model and the default emulated board and starts Build & Run;
#          with no display, the same job in the CLI (generate, build, QEMU, latency, run store)
#   test – runs the whole test suite (ctest); exits non-zero on any failure
set -euo pipefail

mode="${1:-}"
case "$mode" in
  run|test) ;;
  *) echo "usage: $0 run|test" >&2; exit 2 ;;
esac

src="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
build="${TINYSTUDIO_BUILD_DIR:-$src/build}"

packages=(
  cmake ninja-build g++ pkg-config
  qt6-base-dev qt6-base-dev-tools qt6-svg-dev libqt6sql6-sqlite libgl-dev libqcustomplot-dev
  flatbuffers-compiler libflatbuffers-dev
  libsqlite3-dev libusb-1.0-0-dev libstlink-dev stlink-tools
  gcc-arm-none-eabi libnewlib-arm-none-eabi qemu-system-arm
  xvfb xauth
)

missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ "${#missing[@]}" -gt 0 ]; then
  echo "== installing missing Debian packages: ${missing[*]}"
  sudo=""
  if [ "$(id -u)" -ne 0 ]; then
    command -v sudo >/dev/null || { echo "error: need root or sudo to install: ${missing[*]}" >&2; exit 1; }
    sudo="sudo"
  fi
  $sudo env DEBIAN_FRONTEND=noninteractive apt-get update -qq
  $sudo env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}"
fi

echo "== configuring and building in $build"
cmake -S "$src" -B "$build" -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
cmake --build "$build" -j "$(nproc)"

if [ "$mode" = test ]; then
  echo "== running the test suite"
  cd "$build"
  QT_QPA_PLATFORM=offscreen ctest --output-on-failure -j "$(nproc)"
  exit $?
fi

demo="$build/models/tinystudio_demo_mcunet.tflite"
board="qemu-mps2-an386"
if [ -n "${DISPLAY:-}" ] || [ -n "${WAYLAND_DISPLAY:-}" ]; then
  echo "== launching the studio on $demo, board $board: Build & Run (F5) starts at once on the emulated board"
  exec "$build/bin/tinystudio" "$demo" --board "$board" --run
fi
# No display: the same job in the CLI, the run kept in the same run store the studio lists.
"$build/bin/tinystudio-cli" inspect "$demo"
echo "== Build & Run without a display: generate, cross-build, flash and profile $demo on the emulated board $board"
echo "   (QEMU: instruction counts, not cycles)"
"$build/bin/tinystudio-cli" deploy "$demo" --board "$board" --probe qemu --runs 10 -o "$build/deploy-demo"
echo "== the runs of this model in the run store"
"$build/bin/tinystudio-cli" runs list --model "$demo" --board "$board"
echo "== no display: open the studio on a desktop with" >&2
echo "     $build/bin/tinystudio $demo --board $board --run" >&2
echo "   or headless under Xvfb: xvfb-run -a -s '-screen 0 1366x768x24' $build/bin/tinystudio $demo --board $board --run" >&2
