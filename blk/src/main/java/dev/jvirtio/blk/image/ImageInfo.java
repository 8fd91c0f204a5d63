package dev.jvirtio.blk.image;

import dev.jvirtio.blk.storage.qcow2.Qcow2Header;
import java.nio.file.Path;
import java.util.Optional;

/**
 * What {@code image info} reports about an image file, named as {@code qemu-img info} names it.
 *
 * @param filename the path as given
 * @param format raw or qcow2
 * @param virtualSize the size of the disk the guest sees, in bytes
 * @param actualSize the bytes the file occupies on the host (less than its length when sparse)
 * @param clusterSize the qcow2 cluster size, or 0 for raw
 * @param backingFilename the backing file name as stored in the image, or null
 * @param fullBackingFilename the backing file's path, resolved against the image's directory, or null
 * @param backingFormat the backing file's format as stored in the image, or null
 * @param qcow2 the qcow2 header, or null for raw
 */
public record ImageInfo(Path filename, ImageFormat format, long virtualSize, long actualSize, int clusterSize,
                        String backingFilename, Path fullBackingFilename, String backingFormat, Qcow2Header qcow2) {

    /** The qcow2 header, if the image is qcow2. */
    public Optional<Qcow2Header> qcow2Header() {
        return Optional.ofNullable(qcow2);
    }

    /** The backing file name as stored, if the image has one. */
    public Optional<String> backing() {
        return Optional.ofNullable(backingFilename);
    }
}
