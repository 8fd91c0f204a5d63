/**
 * A small real Linux guest under QEMU, for tests and demonstrations of the virtio back-ends.
 *
 * <p>{@link dev.jvirtio.guest.GuestKernel} is Debian's kernel and the virtio modules, fetched once
 * by {@code scripts/guest-kernel} into a cache folder. {@link dev.jvirtio.guest.Initramfs} packs
 * busybox, those modules and a shell script into an initial RAM disk whose {@code /init} loads the
 * modules, runs the script and powers the guest off. {@link dev.jvirtio.guest.GuestMachine} boots
 * it with {@code qemu-system-x86_64} and the chosen virtio devices, and returns a
 * {@link dev.jvirtio.guest.GuestRun}: the serial console text and the {@link
 * dev.jvirtio.guest.Marker marker lines} the script printed.
 *
 * <p>The marker protocol: the script calls the shell function {@code mark KEY VALUE}, which prints
 * the line {@code @@JVIRTIO KEY VALUE} to the console; when the script ends, {@code /init} prints
 * {@code @@JVIRTIO done STATUS} with the script's exit status.
 */
package dev.jvirtio.guest;
