package dev.jvirtio.tune.guest;

import java.util.Objects;

/**
 * A guest's memory balloon device.
 *
 * @param model               {@code virtio}, {@code virtio-transitional} or {@code none}
 *                            (explicitly disabled)
 * @param freePageReporting   true when free page reporting is on
 * @param statsPeriodSeconds  the statistics polling period, 0 when off
 * @param deflateOnOom        true when the balloon deflates when the guest runs out of memory
 */
public record Balloon(String model, boolean freePageReporting, int statsPeriodSeconds, boolean deflateOnOom) {
    public Balloon {
        Objects.requireNonNull(model, "model");
    }

    /** A balloon of the given model with no optional features. */
    public static Balloon of(String model) {
        return new Balloon(model, false, 0, false);
    }

    /** True unless the model is {@code none}. */
    public boolean present() {
        return !model.equals("none");
    }
}
