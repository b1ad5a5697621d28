#!/usr/bin/env bash
# Prepares the kernels of the kernel matrix (tests/kernels/run-in-kernel.sh):
# Debian 12's own 6.1 (bookworm) and its 6.12 (bookworm-backports), next to
# the host's kernel.
#
# The guests run under qemu's TCG: /dev/kvm on our test machines is a nested
# hypervisor without VMX/SVM that cannot run a stock kernel. TCG is slow, so
# each kernel boots from its uncompressed vmlinux through the PVH entry
# (nothing is decompressed under emulation): about 2.5 s to /init.
#
# For each kernel this script downloads (never installs) the Debian package
# and leaves in $ALLOCPROF_KERNEL_CACHE (default /var/cache/allocprof/kernels):
#   <release>/vmlinux          the kernel, extracted from the package's bzImage
#   <release>/modules/         the package's own virtio, 9p and overlay modules
#                              with their dependencies, uncompressed, and the
#                              order to load them in
#   <release>/config           the kernel's configuration (the guest has it as
#                              /boot/config-<release>, where libbpf and
#                              bpftool look for it)
#   <release>/initramfs.cpio   busybox-static, those modules, the config, and
#                              guest-init.sh as /init (it mounts the host's /
#                              read-only under a tmpfs overlay and runs the
#                              command the host asked for)
#   6.1, 6.12                  symlinks to the newest <release> of each series
# Idempotent: a kernel already there is kept (its initramfs is rebuilt when
# guest-init.sh changed); a newer package replaces it.
# Needs root (apt, and the initramfs's /dev/console node).
set -euo pipefail

cache=${ALLOCPROF_KERNEL_CACHE:-/var/cache/allocprof/kernels}
here=$(cd "$(dirname "$0")" && pwd)

die() { echo "fetch.sh: $*" >&2; exit 1; }
[ "$(id -u)" -eq 0 ] || die "run as root (it installs packages and builds initramfs images with device nodes)"

# --- host packages --------------------------------------------------------
bash "$here/../../scripts/install-deps.sh" --kernel-tools

mkdir -p "$cache"
chmod 0700 "$cache"
exec 9>"$cache/.lock"
flock 9
work=$(mktemp -d "$cache/.work.XXXXXX")
trap 'rm -rf "$work"' EXIT

# --- apt ------------------------------------------------------------------
# The mirror the machine's own bookworm entry uses (one-line or deb822
# sources), so that backports comes from the same place.
debian_mirror() {
  local f
  for f in /etc/apt/sources.list /etc/apt/sources.list.d/*.list; do
    [ -f "$f" ] || continue
    awk '$1 == "deb" {
           i = 2
           if ($i ~ /^\[/) { while (i <= NF && $i !~ /\]$/) i++; i++ }
           if ($(i + 1) == "bookworm" && $i ~ /^https?:\/\//) { print $i; exit }
         }' "$f"
  done
  for f in /etc/apt/sources.list.d/*.sources; do
    [ -f "$f" ] || continue
    awk 'BEGIN { RS = "" }
         { types = ""; uris = ""; suites = ""; enabled = "yes"
           n = split($0, line, "\n")
           for (j = 1; j <= n; j++) {
             if (line[j] ~ /^#/) continue
             k = index(line[j], ":"); if (!k) continue
             key = tolower(substr(line[j], 1, k - 1)); val = " " substr(line[j], k + 1) " "
             if (key == "types") types = val
             else if (key == "uris") uris = val
             else if (key == "suites") suites = val
             else if (key == "enabled") enabled = val
           }
           if (types ~ / deb / && suites ~ / bookworm / && enabled !~ /no/) {
             split(uris, u, " ")
             if (u[1] ~ /^https?:\/\//) { print u[1]; exit }
           }
         }' "$f"
  done
}
mirror=$(debian_mirror | head -n 1)
mirror=${mirror%/}
[ -n "$mirror" ] || mirror=http://deb.debian.org/debian

# A private apt configuration for bookworm-backports: its own source list,
# package lists and cache, so the machine's apt sources stay as they are.
mkdir -p "$work/apt/lists/partial" "$work/apt/cache/archives/partial" "$work/apt/parts"
keyring=/usr/share/keyrings/debian-archive-keyring.gpg
signed=
[ -f "$keyring" ] && signed="[signed-by=$keyring] "
echo "deb ${signed}${mirror} bookworm-backports main" >"$work/apt/sources.list"
backports_apt=(
  -o Dir::Etc::SourceList="$work/apt/sources.list"
  -o Dir::Etc::SourceParts="$work/apt/parts"
  -o Dir::State::Lists="$work/apt/lists"
  -o Dir::Cache="$work/apt/cache"
  -o APT::Sandbox::User=root
)
# Offline, the lists stay empty and the kernels already there are kept.
apt-get "${backports_apt[@]}" update -qq >/dev/null ||
  echo "fetch.sh: cannot update the bookworm-backports package lists" >&2
system_updated=

# newest_package SERIES: the newest unsigned generic amd64 image of SERIES.
newest_package() {
  case "$1" in
    6.1)
      apt-cache search --names-only '^linux-image-6\.1\.0-[0-9]+-amd64-unsigned$' |
        awk '{ print $1 }' | sort -V | tail -n 1
      ;;
    6.12)
      apt-cache "${backports_apt[@]}" search --names-only \
        '^linux-image-6\.12\.[0-9]+\+(deb12|bpo)-amd64-unsigned$' |
        awk '{ print $1 }' | sort -V | tail -n 1
      ;;
  esac
}

# download SERIES PACKAGE DIR: apt-get download PACKAGE into DIR.
download() {
  local series=$1 package=$2 dir=$3
  if [ "$series" = 6.12 ]; then
    (cd "$dir" && apt-get "${backports_apt[@]}" download -qq "$package")
  else
    (cd "$dir" && apt-get -o APT::Sandbox::User=root download -qq "$package")
  fi
}

# --- vmlinux --------------------------------------------------------------
le32() { od -An -tu4 -j "$2" -N 4 "$1" | tr -d ' \n'; }
le8() { od -An -tu1 -j "$2" -N 1 "$1" | tr -d ' \n'; }

# extract_vmlinux BZIMAGE OUT: the uncompressed ELF kernel inside a bzImage.
# Like the kernel's scripts/extract-vmlinux, but it takes the payload's place
# from the boot header (payload_offset, payload_length) instead of scanning
# for magic numbers; the payload's last 4 bytes are the uncompressed size
# (the gzip trailer or the appended size of the other formats).
extract_vmlinux() {
  local img=$1 out=$2 sects start length size magic
  [ "$(dd if="$img" bs=1 skip=$((0x202)) count=4 status=none)" = HdrS ] ||
    die "$img: not a bzImage"
  sects=$(le8 "$img" $((0x1f1)))
  [ "$sects" -ne 0 ] || sects=4
  start=$(((sects + 1) * 512 + $(le32 "$img" $((0x248)))))
  length=$(le32 "$img" $((0x24c)))
  size=$(le32 "$img" $((start + length - 4)))
  magic=$(od -An -tx1 -j "$start" -N 6 "$img" | tr -d ' \n')
  local -a decompress
  case "$magic" in
    1f8b*) decompress=(gzip -dc) ;;
    fd377a585a00) decompress=(xz -dc) length=$((length - 4)) ;;
    28b52ffd*) decompress=(zstd -dcq) length=$((length - 4)) ;;
    425a68*) decompress=(bzip2 -dc) length=$((length - 4)) ;;
    5d0000*) decompress=(xz --format=lzma -dc) length=$((length - 4)) ;;
    02214c18*) decompress=(lz4 -dc) length=$((length - 4)) ;;
    *) die "$img: unknown payload compression (magic $magic)" ;;
  esac
  dd if="$img" iflag=skip_bytes,count_bytes skip="$start" count="$length" bs=1M status=none |
    "${decompress[@]}" >"$out"
  [ "$(od -An -c -N 4 "$out" | tr -d ' \n')" = '177ELF' ] || die "$img: the payload is not an ELF kernel"
  [ "$(stat -c %s "$out")" -eq "$size" ] || die "$img: the payload decompressed to a wrong size"
  if command -v readelf >/dev/null; then
    # XEN_ELFNOTE_PHYS32_ENTRY: the PVH entry qemu boots through
    readelf -n "$out" | grep 'Xen.*0x00000012' >/dev/null || die "$img: the kernel has no PVH entry (CONFIG_PVH)"
  fi
}

# --- initramfs ------------------------------------------------------------
# The modules for a 9p root over virtio-pci under an overlay; each one is a
# module of the package (loaded with its dependencies, from modules.dep) or
# built in.
wanted_modules=(virtio virtio_ring virtio_pci 9pnet 9pnet_virtio netfs 9p overlay)

# modules_in_order MODDIR: the module files to load, dependencies first.
modules_in_order() {
  local moddir=$1 line path deps name
  declare -A file_of=() deps_of=() builtin=() seen=()
  while IFS= read -r line; do
    path=${line%%:*}
    deps=${line#*:}
    name=${path##*/}
    name=${name%%.ko*}
    name=${name//-/_}
    file_of[$name]=$path
    deps_of[$path]=$deps
  done <"$moddir/modules.dep"
  if [ -f "$moddir/modules.builtin" ]; then
    while IFS= read -r path; do
      name=${path##*/}
      name=${name%%.ko*}
      builtin[${name//-/_}]=1
    done <"$moddir/modules.builtin"
  fi
  visit() {
    local p=$1 d
    [ -z "${seen[$p]:-}" ] || return 0
    seen[$p]=1
    for d in ${deps_of[$p]}; do visit "$d"; done
    echo "$p"
  }
  for name in "${wanted_modules[@]}"; do
    if [ -n "${file_of[$name]:-}" ]; then
      visit "${file_of[$name]}"
    elif [ -z "${builtin[$name]:-}" ]; then
      die "$moddir: no module $name, and it is not built in"
    fi
  done
}

# install_modules ROOT RELEASE DIR: the modules of the unpacked package ROOT
# into DIR, uncompressed (busybox's insmod takes plain .ko files), and their
# load order into DIR/order.
install_modules() {
  local root=$1 release=$2 dir=$3 moddir path name
  moddir=$(find "$root" -maxdepth 4 -type d -path "*/modules/$release" | head -n 1)
  [ -n "$moddir" ] || die "$release: no modules in the package"
  # the package has no modules.dep: its postinst has depmod make it
  depmod -b "${moddir%/lib/modules/"$release"}" "$release"
  mkdir -p "$dir"
  modules_in_order "$moddir" >"$work/modules.list"
  : >"$dir/order"
  while IFS= read -r path; do
    name=${path##*/}
    name=${name%%.ko*}
    case "$path" in
      *.ko.xz) xz -dc "$moddir/$path" ;;
      *.ko.zst) zstd -dcq "$moddir/$path" ;;
      *.ko.gz) gzip -dc "$moddir/$path" ;;
      *.ko) cat "$moddir/$path" ;;
      *) die "$path: unknown module format" ;;
    esac >"$dir/$name.ko"
    echo "$name" >>"$dir/order"
  done <"$work/modules.list"
}

# make_initramfs DIR: DIR/initramfs.cpio from DIR/modules, DIR/config,
# busybox and guest-init.sh (a copy of which is kept as DIR/init, so that a
# changed guest-init.sh is noticed).
make_initramfs() {
  local dir=$1 stage
  stage=$(mktemp -d "$work/initramfs.XXXXXX")
  mkdir -p "$stage"/{bin,dev,proc,sys,etc,lib,host,job,rw,newroot}
  cp /bin/busybox "$stage/bin/busybox"
  mknod -m 600 "$stage/dev/console" c 5 1
  cp -r "$dir/modules" "$stage/lib/modules"
  cp "$dir/config" "$stage/etc/kernel-config"
  install -m 755 "$here/guest-init.sh" "$stage/init"
  (cd "$stage" && find . -mindepth 1 | LC_ALL=C sort | busybox cpio -o -H newc -R 0:0 2>/dev/null) \
    >"$dir/initramfs.cpio.new"
  mv "$dir/initramfs.cpio.new" "$dir/initramfs.cpio"
  cp "$here/guest-init.sh" "$dir/init"
  rm -rf "$stage"
}

# --- the kernels ----------------------------------------------------------
status=0
for series in 6.1 6.12; do
  current=
  [ -L "$cache/$series" ] && current=$(readlink "$cache/$series")
  [ -n "$current" ] && [ -f "$cache/$current/vmlinux" ] && [ -f "$cache/$current/modules/order" ] &&
    [ -f "$cache/$current/config" ] || current=
  package=$(newest_package "$series")
  release=${package#linux-image-}
  release=${release%-unsigned}
  if [ -z "$package" ] && [ -n "$current" ]; then
    echo "fetch.sh: no $series package found (offline?); keeping $current" >&2
    release=$current
  elif [ -z "$package" ]; then
    echo "fetch.sh: no linux-image package for $series found" >&2
    status=1
    continue
  fi
  if [ "$release" = "$current" ]; then
    if cmp -s "$here/guest-init.sh" "$cache/$current/init" && [ -f "$cache/$current/initramfs.cpio" ]; then
      echo "$series: $release (already there)"
    else
      make_initramfs "$cache/$current"
      echo "$series: $release (initramfs rebuilt)"
    fi
    continue
  fi

  echo "$series: fetching $package"
  dir=$work/$series
  mkdir -p "$dir/deb"
  if ! download "$series" "$package" "$dir/deb"; then
    if [ "$series" != 6.1 ] || [ -n "$system_updated" ]; then
      die "cannot download $package"
    fi
    # the machine's package lists are older than the archive
    apt-get update -qq
    system_updated=1
    package=$(newest_package 6.1)
    release=${package#linux-image-}
    release=${release%-unsigned}
    download "$series" "$package" "$dir/deb" || die "cannot download $package"
  fi
  dpkg-deb -x "$dir"/deb/*.deb "$dir/root"
  new=$(mktemp -d "$work/new.XXXXXX")
  extract_vmlinux "$dir/root/boot/vmlinuz-$release" "$new/vmlinux"
  install_modules "$dir/root" "$release" "$new/modules"
  cp "$dir/root/boot/config-$release" "$new/config"
  rm -rf "$dir"
  make_initramfs "$new"
  echo "$package" >"$new/package"
  echo "$series" >"$new/series"
  rm -rf "${cache:?}/$release"
  mv "$new" "$cache/$release"
  ln -sfn "$release" "$cache/.$series.link"
  mv -T "$cache/.$series.link" "$cache/$series"
  # the series' earlier releases
  for old in "$cache"/*; do
    if [ ! -L "$old" ] && [ "$old" != "$cache/$release" ] && [ -f "$old/series" ] &&
      [ "$(cat "$old/series")" = "$series" ]; then
      rm -rf "$old"
    fi
  done
  echo "$series: $release ready in $cache/$release"
done
exit "$status"
