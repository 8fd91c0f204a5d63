package dev.jvirtio.vhost.backend;

import dev.jvirtio.core.device.QueueDrain;
import dev.jvirtio.core.device.QueueHandler;
import dev.jvirtio.core.device.RequestProcessor;
import dev.jvirtio.core.virtqueue.DeviceQueue;

/**
 * A vring being served: its device queue, the device's processor for it, and the batch loop; or,
 * when {@code handler} is not null, the device's own handler, which serves the queue itself.
 */
record RunningQueue(Vring vring, DeviceQueue queue, RequestProcessor processor, QueueDrain drain, QueueHandler handler) {
}
