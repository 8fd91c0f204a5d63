package dev.jvirtio.blk.image;

/**
 * What {@link ImageConverter#convert} did.
 *
 * @param virtualSize the disk size copied, in bytes
 * @param bytesWritten bytes written to the destination
 * @param bytesSkipped bytes left out because they read as zeroes (unallocated, zero clusters or zero data)
 */
public record ConversionResult(long virtualSize, long bytesWritten, long bytesSkipped) {
}
