package dev.jvirtio.vhost.backend;

import dev.jvirtio.core.device.QueueDrain;
import dev.jvirtio.core.device.QueueHandler;
import dev.jvirtio.core.device.RequestProcessor;
import dev.jvirtio.core.virtqueue.DeviceQueue;
import dev.jvirtio.linux.EventFd;

/**
 * A vring being served: its device queue, the device's processor for it, the batch loop, and the
 * eventfd that wakes the I/O thread when requests completed elsewhere wait to be pushed; or, when
 * {@code handler} is not null, the device's own handler, which serves the queue itself (and
 * {@code processor}, {@code drain} and {@code completions} are null).
 */
record RunningQueue(Vring vring, DeviceQueue queue, RequestProcessor processor, QueueDrain drain, QueueHandler handler,
                    EventFd completions) {
}
