#!/bin/busybox sh
# /init of the test kernels' initramfs (tests/kernels/fetch.sh puts it there;
# run-in-kernel.sh boots it). It runs under busybox, as PID 1:
#  - loads the kernel's own virtio, 9p and overlay modules (/lib/modules/order);
#  - mounts the host's / (9p tag "root", read-only) under a tmpfs overlay at
#    /newroot, so the command sees the host's files and may write anywhere,
#    and everything written vanishes with the guest; /tmp is the host's
#    under the same overlay (a checkout or build under /tmp is reachable),
#    /dev/shm is a fresh tmpfs;
#  - mounts proc, sysfs, devtmpfs, devpts, tracefs, debugfs, bpffs and cgroup2
#    where tools expect them, puts the kernel's config in /boot, raises
#    RLIMIT_MEMLOCK;
#  - runs /job/command (9p tag "job", the host's scratch directory) with the
#    host's /bin/sh chrooted into /newroot, stdout and stderr appended to
#    /job/stdout and /job/stderr, and writes its exit status to /job/status;
#  - powers off. Any failure powers off without a status: the host reports it
#    with the tail of the console.

/bin/busybox --install -s /bin
export PATH=/bin

fail() {
  echo "guest init: $*" >/dev/console
  sync
  poweroff -f
}

mount -t proc proc /proc
mount -t sysfs sysfs /sys
mount -t devtmpfs devtmpfs /dev

while read -r module; do
  insmod "/lib/modules/$module.ko" || fail "insmod $module failed"
done </lib/modules/order

ninep=trans=virtio,version=9p2000.L,msize=512000
mount -t 9p -o "$ninep,ro,cache=loose" root /host || fail "cannot mount the host's root (9p tag root)"
mount -t 9p -o "$ninep" job /job || fail "cannot mount the job directory (9p tag job)"
[ -f /job/command ] || fail "no /job/command"

mount -t tmpfs -o mode=0755 tmpfs /rw
mkdir /rw/upper /rw/work
mount -t overlay -o lowerdir=/host,upperdir=/rw/upper,workdir=/rw/work overlay /newroot ||
  fail "cannot mount the overlay"

r=/newroot
mount -t proc proc $r/proc || fail "cannot mount /proc"
mount -t sysfs sysfs $r/sys || fail "cannot mount /sys"
mount -t devtmpfs devtmpfs $r/dev || fail "cannot mount /dev"
mkdir -p $r/dev/pts $r/dev/shm
mount -t devpts -o newinstance,ptmxmode=0666 devpts $r/dev/pts
mount -t tmpfs -o mode=1777 tmpfs $r/dev/shm
mount -t tmpfs -o mode=0755 tmpfs $r/run
mount -t tracefs tracefs $r/sys/kernel/tracing || fail "cannot mount tracefs"
mount -t debugfs debugfs $r/sys/kernel/debug || fail "cannot mount debugfs"
mount -t bpf -o mode=0700 bpf $r/sys/fs/bpf || fail "cannot mount bpffs"
mount -t cgroup2 cgroup2 $r/sys/fs/cgroup || fail "cannot mount cgroup2"
mkdir -p $r/boot
cp /etc/kernel-config "$r/boot/config-$(uname -r)"
ip link set lo up
ulimit -l unlimited
hostname guest

env -i chroot $r /bin/sh -c "$(cat /job/command)" </dev/null >>/job/stdout 2>>/job/stderr
echo $? >/job/status.new
mv /job/status.new /job/status
sync
poweroff -f
