package dev.jvirtio.blk.driver;

import java.io.IOException;

/** Receives the requests a {@link BlkDriverQueue} reaped, one call per request. */
@FunctionalInterface
public interface CompletionHandler {

    /**
     * Request slot {@code slot} completed; its slot is free again.
     *
     * @param status the status byte the device wrote ({@code BlkRequestType.S_OK}, {@code S_IOERR},
     *     {@code S_UNSUPP}), or {@link BlkDriverQueue#NO_STATUS} if the device left it unwritten
     */
    void completed(int slot, int status) throws IOException;
}
