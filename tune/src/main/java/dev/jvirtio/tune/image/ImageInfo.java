package dev.jvirtio.tune.image;

import java.util.List;
import java.util.Objects;

/**
 * What a disk image is and what it holds.
 *
 * @param format          {@code raw}, {@code qcow2} or {@code unknown} (another format; the notes
 *                        name it)
 * @param virtualSize     the disk size the guest sees, in bytes
 * @param actualSize      the bytes the image occupies on the host, -1 when unknown
 * @param clusterSize     the qcow2 cluster size in bytes, 0 for raw
 * @param backingFile     the qcow2 backing file name as stored, "" when none (never opened)
 * @param qcow2Version    2 or 3 for qcow2, 0 otherwise
 * @param partitions      the partitions of the guest disk's MBR or GPT
 * @param partitionScheme {@code mbr}, {@code gpt}, {@code none}, or {@code unreadable} when the
 *                        notes say why the table could not be read
 * @param notes           what could not be inspected and why, one sentence each
 */
public record ImageInfo(String format, long virtualSize, long actualSize, long clusterSize, String backingFile,
                        int qcow2Version, List<Partition> partitions, String partitionScheme, List<String> notes) {

    public ImageInfo {
        Objects.requireNonNull(format, "format");
        Objects.requireNonNull(backingFile, "backingFile");
        Objects.requireNonNull(partitionScheme, "partitionScheme");
        partitions = List.copyOf(partitions);
        notes = List.copyOf(notes);
    }

    /** True when the image occupies less space on the host than its virtual size. */
    public boolean sparse() {
        return actualSize >= 0 && actualSize < virtualSize;
    }
}
