#!/usr/bin/env bash
# Fetch CPython 3.14 and 3.13 from Debian unstable (sid) into a private cache,
# so pytop can be tested against interpreters newer than the machine's own.
#
#   usage: test/fetch-unstable.sh [CACHE_DIR]
#   CACHE_DIR defaults to $PYTOP_PY_CACHE, else ${XDG_CACHE_HOME:-~/.cache}/pytop-pythons
#
# Results (only for what works):
#   CACHE/interpreters.txt   lines "<label> <absolute path>", labels debian-sid-3.14 / -3.13
#   CACHE/include-3.X        symlink to .../usr/include/python3.X (has Python.h and
#                            internal/). Its pyconfig.h includes
#                            <x86_64-linux-gnu/python3.X/pyconfig.h>, so compile with
#                            -I CACHE/include-3.X -I CACHE/root/usr/include.
#
# The system's apt state is never touched: apt-get runs with its own sources
# list, lists dir and cache dir, and packages are only unpacked with `dpkg -x`.
# Network/mirror failures are reported on stderr but exit 0, so that tests
# just skip the missing interpreters.
set -euo pipefail

VERSIONS=(3.14 3.13)
# Runtime packages: the interpreters (the Debian binaries link libpython
# statically), their stdlib, and the shared libraries they and the extension
# modules need. sid's libc is newer than the host's, so it comes along too;
# libffi8 is for ctypes.
RUNTIME_PKGS=(libc6 libexpat1 zlib1g libzstd1 libffi8)
for v in "${VERSIONS[@]}"; do
    RUNTIME_PKGS+=("python$v-minimal" "libpython$v-minimal" "libpython$v-stdlib")
done
# Headers (incl. include/python3.X/internal/) for the layout generator; optional.
DEV_PKGS=()
for v in "${VERSIONS[@]}"; do DEV_PKGS+=("libpython$v-dev"); done

usage() { echo "usage: $0 [CACHE_DIR]" >&2; exit 2; }
case "${1:-}" in -h|--help) echo "usage: $0 [CACHE_DIR]"; exit 0 ;; -*) usage ;; esac
[[ $# -le 1 ]] || usage

CACHE=${1:-${PYTOP_PY_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/pytop-pythons}}
mkdir -p "$CACHE"
CACHE=$(cd "$CACHE" && pwd -P)  # absolute: it ends up in ELF headers
ROOT=$CACHE/root

warn() { echo "fetch-unstable: $*" >&2; }

# The copy lives next to the original in usr/bin so that CPython derives its
# prefix (and so finds usr/lib/python3.X) from its own location: running the
# path directly works without PYTHONHOME. The original stays unpatched.
interp() { echo "$ROOT/usr/bin/python$1-pytop"; }
works() {
    [[ -x $1 ]] && "$1" -c 'import threading
t = threading.Thread(target=lambda: None); t.start(); t.join()' >/dev/null 2>&1
}

# Record what works (atomically) and print a one-line summary; always exit 0.
finish() {
    local v p have=() hdrs=() miss=() tmp=$CACHE/interpreters.txt.tmp
    : >"$tmp"
    for v in "${VERSIONS[@]}"; do
        p=$(interp "$v")
        if works "$p"; then
            echo "debian-sid-$v $p" >>"$tmp"
            have+=("debian-sid-$v")
        else
            miss+=("debian-sid-$v")
        fi
        if [[ -f $ROOT/usr/include/python$v/Python.h ]]; then
            ln -sfn "$ROOT/usr/include/python$v" "$CACHE/include-$v"
            hdrs+=("$v")
        else
            rm -f "$CACHE/include-$v"
        fi
    done
    mv "$tmp" "$CACHE/interpreters.txt"
    echo "fetch-unstable: available: ${have[*]:-none}; headers: ${hdrs[*]:-none};" \
         "missing: ${miss[*]:-none} ($CACHE/interpreters.txt)"
    exit 0
}

# Fast path: everything already there and working -> nothing to do.
ok=1
for v in "${VERSIONS[@]}"; do
    works "$(interp "$v")" && [[ -f $ROOT/usr/include/python$v/Python.h ]] || ok=0
done
[[ $ok == 1 ]] && finish

if ! command -v patchelf >/dev/null; then
    # The only system-wide change we allow ourselves.
    if [[ $EUID == 0 ]]; then
        apt-get install -y -q patchelf >/dev/null ||
            { apt-get update -q >/dev/null && apt-get install -y -q patchelf >/dev/null; } ||
            warn "could not install patchelf"
    fi
    command -v patchelf >/dev/null || { warn "patchelf is missing (apt-get install patchelf)"; finish; }
fi

# Same mirror as the machine's apt (deb822 or one-line format), suite sid.
MIRROR=${PYTOP_DEBIAN_MIRROR:-$(
    { awk '/^URIs:/ { for (i = 2; i <= NF; i++) print $i }' /etc/apt/sources.list.d/*.sources
      awk '/^deb / { for (i = 2; i <= NF; i++) if ($i ~ /^[a-z]+:\/\//) print $i }' /etc/apt/sources.list
    } 2>/dev/null | grep -E '/debian/?$' | head -n1 || true)}
MIRROR=${MIRROR:-http://deb.debian.org/debian}
KEYRING=/usr/share/keyrings/debian-archive-keyring.gpg

mkdir -p "$CACHE/lists/partial" "$CACHE/apt-cache/archives/partial"
APT=(apt-get -q
     -o "Dir::Etc::SourceList=$CACHE/sources.list" -o Dir::Etc::SourceParts=/dev/null
     -o Dir::Etc::Preferences=/dev/null -o Dir::Etc::PreferencesParts=/dev/null
     -o "Dir::State::Lists=$CACHE/lists" -o "Dir::Cache=$CACHE/apt-cache"
     # apt drops to user _apt, which can't write into e.g. /root/.cache.
     -o "APT::Sandbox::User=$(id -un)")

update_failed() {
    warn "apt-get update of $MIRROR sid failed: $(grep -m1 '^E:' "$CACHE/update.log" || true)"
    finish
}
update() {
    echo "deb [$1] $MIRROR sid main" >"$CACHE/sources.list"
    "${APT[@]}" --error-on=any update >"$CACHE/update.log" 2>&1
}
if ! update "signed-by=$KEYRING"; then
    if grep -qE 'NO_PUBKEY|EXPKEYSIG|not signed|signatures were invalid' "$CACHE/update.log"; then
        # The host's keyring may predate sid's current key: accept unsigned.
        warn "sid's signing key is not in $KEYRING; fetching without verification"
        update "trusted=yes" || update_failed
    else
        update_failed
    fi
fi

# Fresh download dir, so that a version bump in sid never mixes two versions.
rm -rf "$CACHE/debs" && mkdir "$CACHE/debs"
got=0 missing=()
for pkg in "${RUNTIME_PKGS[@]}" "${DEV_PKGS[@]}"; do
    # One at a time: apt-get download gives up on the whole list if one fails.
    if (cd "$CACHE/debs" && "${APT[@]}" download "$pkg" >/dev/null 2>>"$CACHE/update.log"); then
        got=$((got + 1))
    else
        missing+=("$pkg")
    fi
done
[[ ${#missing[@]} == 0 ]] || warn "could not download from $MIRROR sid: ${missing[*]}"
[[ $got -gt 0 ]] || finish  # keep whatever an earlier run left

# Unpack into a fresh tree and swap it in.
rm -rf "$ROOT.new" && mkdir "$ROOT.new"
for deb in "$CACHE"/debs/*.deb; do dpkg -x "$deb" "$ROOT.new"; done
rm -rf "$ROOT" && mv "$ROOT.new" "$ROOT"

# Point the copies at sid's dynamic loader and libraries. RPATH (not RUNPATH)
# so that it also applies to libraries of dlopen'ed extension modules.
LIBDIR=$ROOT/usr/lib/x86_64-linux-gnu
for v in "${VERSIONS[@]}"; do
    [[ -x $ROOT/usr/bin/python$v ]] || continue
    cp "$ROOT/usr/bin/python$v" "$(interp "$v")"
    patchelf --set-interpreter "$LIBDIR/ld-linux-x86-64.so.2" \
        --set-rpath "$LIBDIR" --force-rpath "$(interp "$v")"
done
finish
