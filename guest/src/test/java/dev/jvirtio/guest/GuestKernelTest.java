package dev.jvirtio.guest;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.StringLength;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Finding the guest kernel cache, and refusing a broken or hostile one with a clear sentence. */
class GuestKernelTest {
    @TempDir
    Path temporary;

    @Test
    void aCompleteCacheGivesTheKernelAndItsModulesInLoadOrder() throws IOException {
        Path dir = new KernelCacheFolder(temporary.resolve("guest")).version("6.1.0-7-amd64")
                .module("virtio_ring", "a").module("virtio", "b").module("virtio_blk", "c").write();

        GuestKernel kernel = GuestKernel.at(dir);

        assertThat(kernel.version()).isEqualTo("6.1.0-7-amd64");
        assertThat(kernel.packageName()).isEqualTo("linux-image-6.1.0-7-amd64");
        assertThat(kernel.vmlinuz()).isEqualTo(dir.resolve("vmlinuz"));
        assertThat(kernel.moduleNames()).containsExactly("virtio_ring", "virtio", "virtio_blk");
        assertThat(kernel.modules()).containsExactly(dir.resolve("modules/virtio_ring.ko"),
                dir.resolve("modules/virtio.ko"), dir.resolve("modules/virtio_blk.ko"));
    }

    @Test
    void aMissingCacheTellsTheUserToRunTheFetchScript() {
        Path dir = temporary.resolve("nowhere");

        assertThatThrownBy(() -> GuestKernel.at(dir))
                .isInstanceOf(MissingGuestKernelException.class)
                .hasMessageContaining(dir.toString())
                .hasMessageContaining("scripts/guest-kernel")
                .hasMessageContaining("scripts/setup")
                .satisfies(e -> assertThat(((MissingGuestKernelException) e).directory()).isEqualTo(dir));
    }

    @Test
    void aFolderWithoutManifestIsMissing() throws IOException {
        Files.createDirectories(temporary.resolve("guest"));

        assertThatThrownBy(() -> GuestKernel.at(temporary.resolve("guest")))
                .isInstanceOf(MissingGuestKernelException.class).hasMessageContaining("no manifest");
    }

    @Test
    void aModuleFileMissingFromTheCacheIsNamed() throws IOException {
        Path dir = new KernelCacheFolder(temporary.resolve("guest")).module("virtio", "b").module("virtio_net", "c")
                .write();
        Files.delete(dir.resolve("modules/virtio_net.ko"));

        assertThatThrownBy(() -> GuestKernel.at(dir))
                .isInstanceOf(MissingGuestKernelException.class).hasMessageContaining("modules/virtio_net.ko");
    }

    @Test
    void aMissingKernelImageIsNamed() throws IOException {
        Path dir = new KernelCacheFolder(temporary.resolve("guest")).module("virtio", "b").write();
        Files.delete(dir.resolve("vmlinuz"));

        assertThatThrownBy(() -> GuestKernel.at(dir))
                .isInstanceOf(MissingGuestKernelException.class).hasMessageContaining("vmlinuz");
    }

    @Test
    void manifestEntriesThatEscapeTheFolderAreRefused() throws IOException {
        KernelCacheFolder folder = new KernelCacheFolder(temporary.resolve("guest")).module("virtio", "b");
        Path dir = folder.write();
        Files.writeString(temporary.resolve("secret.ko"), "not a module");

        for (String manifest : List.of(
                "kernel=6.1\nvmlinuz=../secret.ko\nmodules=virtio\n",
                "kernel=6.1\nvmlinuz=vmlinuz\nmodules=virtio ../../secret\n",
                "kernel=6.1\nvmlinuz=/etc/passwd\nmodules=virtio\n",
                "kernel=6.1;reboot\nvmlinuz=vmlinuz\nmodules=virtio\n",
                "kernel=6.1\nvmlinuz=vmlinuz\nmodules=virtio virtio\n",
                "kernel=6.1\nvmlinuz=vmlinuz\nmodules=$(reboot)\n",
                "kernel=6.1\nvmlinuz=vmlinuz\n",
                "garbage without equals\n")) {
            folder.writeManifest(manifest);
            assertThatThrownBy(() -> GuestKernel.at(dir)).as(manifest)
                    .isInstanceOf(MissingGuestKernelException.class)
                    .hasMessageContaining(dir.toString());
        }
    }

    @Test
    void anOversizedManifestIsRefusedUnread() throws IOException {
        KernelCacheFolder folder = new KernelCacheFolder(temporary.resolve("guest")).module("virtio", "b");
        Path dir = folder.write();
        folder.writeManifest("#".repeat(1 << 20));

        assertThatThrownBy(() -> GuestKernel.at(dir))
                .isInstanceOf(MissingGuestKernelException.class).hasMessageContaining("larger than");
    }

    @Property(tries = 200)
    void anyManifestTextYieldsAKernelOrTheOneClearException(@ForAll @StringLength(max = 300) String manifest)
            throws IOException {
        KernelCacheFolder folder = new KernelCacheFolder(PROPERTY_FOLDER).module("virtio", "b");
        if (!Files.exists(PROPERTY_FOLDER.resolve("modules/virtio.ko"))) {
            folder.write();
        }
        folder.writeManifest(manifest);
        try {
            GuestKernel kernel = GuestKernel.at(PROPERTY_FOLDER);
            assertThat(kernel.modules()).allSatisfy(module -> assertThat(module).startsWith(PROPERTY_FOLDER));
        } catch (MissingGuestKernelException e) {
            assertThat(e).hasMessageContaining("scripts/guest-kernel");
        }
    }

    @Property(tries = 200)
    void anyValuesInAWellFormedManifestStayInsideTheFolder(@ForAll @StringLength(max = 40) String version,
            @ForAll @StringLength(max = 40) String image, @ForAll @StringLength(max = 80) String modules)
            throws IOException {
        String manifest = "kernel=" + version + "\nvmlinuz=" + image + "\nmodules=virtio " + modules + "\n";
        anyManifestTextYieldsAKernelOrTheOneClearException(manifest);
        try {
            GuestKernel kernel = GuestKernel.at(PROPERTY_FOLDER);
            assertThat(kernel.vmlinuz().getParent()).isEqualTo(PROPERTY_FOLDER);
        } catch (MissingGuestKernelException e) {
            assertThat(e.directory()).isEqualTo(PROPERTY_FOLDER);
        }
    }

    private static final Path PROPERTY_FOLDER = Path.of("target", "guest-kernel-property").toAbsolutePath();
}
