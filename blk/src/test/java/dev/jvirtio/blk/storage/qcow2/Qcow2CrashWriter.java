package dev.jvirtio.blk.storage.qcow2;

import dev.jvirtio.blk.storage.CacheMode;
import dev.jvirtio.blk.storage.Storage;
import java.nio.file.Path;
import java.util.Random;

/**
 * A back-end stand-in for the crash test, run as its own JVM: opens a qcow2 image and writes,
 * zeroes and discards at random until it is killed, printing one line after each request.
 *
 * <p>Arguments: IMAGE SEED CACHE-MODE.
 */
public final class Qcow2CrashWriter {

    private Qcow2CrashWriter() {
    }

    public static void main(String[] args) {
        Path image = Path.of(args[0]);
        Random random = new Random(Long.parseLong(args[1]));
        CacheMode mode = CacheMode.parse(args[2]);
        try (Storage disk = Qcow2Storage.open(image, mode, false)) {
            long size = disk.sizeBytes();
            System.out.println("ready");
            System.out.flush();
            for (long done = 1; ; done++) {
                int length = 4096 * random.nextInt(1, 65);
                long offset = 4096L * random.nextLong((size - length) / 4096);
                switch (random.nextInt(10)) {
                    case 0 -> disk.discard(offset, length);
                    case 1 -> disk.writeZeroes(offset, length, random.nextBoolean());
                    case 2 -> disk.flush();
                    default -> Disks.writeScattered(disk, offset + 512L * random.nextInt(8), Disks.pattern(random,
                            length - 4096 + 512 * random.nextInt(1, 9)), random);
                }
                System.out.println("done " + done);
                System.out.flush();
            }
        }
    }
}
