package dev.jvirtio.guest;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Choosing KVM only where the host can really run guests with it. */
class AcceleratorTest {
    @TempDir
    Path temporary;

    @Test
    void kvmNeedsTheDeviceAndVirtualisationFlagsOnTheCpu() throws IOException {
        Path device = Files.writeString(temporary.resolve("kvm"), "");
        Path intel = Files.writeString(temporary.resolve("intel"), "processor\t: 0\nflags\t\t: fpu vme vmx sse\n");
        Path amd = Files.writeString(temporary.resolve("amd"), "processor\t: 0\nflags\t\t: fpu svm\n");
        Path neither = Files.writeString(temporary.resolve("none"),
                "processor\t: 0\nflags\t\t: fpu vmxnot sse\nmodel name\t: vmx svm\n");

        assertThat(Accelerator.detect(device, intel)).isEqualTo(Accelerator.KVM);
        assertThat(Accelerator.detect(device, amd)).isEqualTo(Accelerator.KVM);
        assertThat(Accelerator.detect(device, neither)).isEqualTo(Accelerator.TCG);
        assertThat(Accelerator.detect(temporary.resolve("absent"), intel)).isEqualTo(Accelerator.TCG);
        assertThat(Accelerator.detect(device, temporary.resolve("no-cpuinfo"))).isEqualTo(Accelerator.TCG);
    }

    @Test
    void acceleratorsAreNamedAsQemuNamesThem() {
        assertThat(Accelerator.named("KVM")).isEqualTo(Accelerator.KVM);
        assertThat(Accelerator.named("tcg")).isEqualTo(Accelerator.TCG);
        assertThatThrownBy(() -> Accelerator.named("xen")).hasMessageContaining("xen");
    }
}
