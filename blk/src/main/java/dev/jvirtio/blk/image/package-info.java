/**
 * Disk image files as a whole: their format ({@link dev.jvirtio.blk.image.ImageFormat}, detected or
 * given), opening, creating and describing them ({@link dev.jvirtio.blk.image.Images}), sparse
 * conversion between formats ({@link dev.jvirtio.blk.image.ImageConverter}), and the MBR or GPT
 * partition table inside them ({@link dev.jvirtio.blk.image.PartitionTable}) for STO-ALIGN.
 */
package dev.jvirtio.blk.image;
