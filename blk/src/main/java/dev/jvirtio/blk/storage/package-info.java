/**
 * Where a virtio-blk device's sectors live: a raw file or block device ({@link
 * dev.jvirtio.blk.storage.RawStorage}), memory ({@link dev.jvirtio.blk.storage.MemoryStorage}) or
 * nowhere ({@link dev.jvirtio.blk.storage.NullStorage}), behind one {@link
 * dev.jvirtio.blk.storage.Storage} interface whose failures are {@link
 * dev.jvirtio.blk.storage.StorageException}s.
 */
package dev.jvirtio.blk.storage;
