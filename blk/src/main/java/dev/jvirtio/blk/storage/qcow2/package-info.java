/**
 * QEMU's qcow2 image format (QEMU {@code docs/interop/qcow2.txt}) as a virtio-blk storage: {@link
 * dev.jvirtio.blk.storage.qcow2.Qcow2Storage} reads and writes images of versions 2 and 3 with
 * their backing chains, {@link dev.jvirtio.blk.storage.qcow2.Qcow2Creator} makes new ones, {@link
 * dev.jvirtio.blk.storage.qcow2.Qcow2Check} checks their metadata as {@code qemu-img check} does,
 * and {@link dev.jvirtio.blk.storage.qcow2.Qcow2Header} describes them.
 *
 * <p>The on-disk layout lives in one descriptor class, {@code Qcow2Layout}; every size and offset
 * read from a file is bounded before use, so a hostile image can only produce a {@link
 * dev.jvirtio.blk.storage.StorageException} that names it.
 */
package dev.jvirtio.blk.storage.qcow2;
