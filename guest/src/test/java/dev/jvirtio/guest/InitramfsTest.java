package dev.jvirtio.guest;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.apache.commons.compress.archivers.cpio.CpioArchiveEntry;
import org.apache.commons.compress.archivers.cpio.CpioArchiveInputStream;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The initramfs image: what it holds, how /init uses it, and its content-keyed cache. */
class InitramfsTest {
    @TempDir
    Path temporary;

    private GuestKernel kernel;
    private Path out;

    @BeforeEach
    void aKernelCache() throws IOException {
        kernel = GuestKernel.at(new KernelCacheFolder(temporary.resolve("guest"))
                .module("virtio_ring", "ring module").module("virtio", "virtio module")
                .module("virtio_blk", "blk module").write());
        out = temporary.resolve("images");
    }

    @Test
    void theImageHoldsBusyboxTheModulesInitTheScriptAndExtraFiles() throws IOException {
        String script = "mark hello world\n";
        byte[] data = {1, 2, 3, 0, (byte) 0xff};

        Path image = Initramfs.build(kernel, script,
                List.of(new GuestFile("/data/deep/blob.bin", data, 0600)), out);

        Map<String, Archived> entries = read(image);
        Path busybox = Busybox.find().file();
        assertThat(entries.get("bin/busybox").content()).isEqualTo(Files.readAllBytes(busybox));
        assertThat(entries.get("bin/busybox").mode() & 0777).isEqualTo(0755);
        assertThat(entries.get("bin/sh").isSymlink()).isTrue();
        assertThat(entries.get("bin/sh").text()).isEqualTo("/bin/busybox");
        assertThat(entries.get("sbin/insmod").text()).isEqualTo("/bin/busybox");
        for (String module : kernel.moduleNames()) {
            assertThat(entries.get("lib/modules/" + module + ".ko").content())
                    .isEqualTo(Files.readAllBytes(kernel.module(module)));
        }
        assertThat(entries.get("init").text()).isEqualTo(Initramfs.initScript(kernel));
        assertThat(entries.get("init").mode() & 0777).isEqualTo(0755);
        assertThat(entries.get(Initramfs.SCRIPT_PATH.substring(1)).text()).isEqualTo(script);
        assertThat(entries.get("data/deep/blob.bin").content()).isEqualTo(data);
        assertThat(entries.get("data/deep/blob.bin").mode() & 07777).isEqualTo(0600);
        Archived console = entries.get("dev/console");
        assertThat(console.isCharacterDevice()).isTrue();
        assertThat(List.of(console.major(), console.minor())).containsExactly(5L, 1L);
        assertThat(Files.getPosixFilePermissions(image)).extracting(Object::toString)
                .contains("OTHERS_READ");
    }

    @Test
    void everyEntryComesAfterTheFolderHoldingIt() throws IOException {
        Path image = Initramfs.build(kernel, "true\n", List.of(GuestFile.of("/a/b/c/d", new byte[1])), out);

        List<String> seen = new ArrayList<>();
        for (String name : read(image).keySet()) {
            int slash = name.lastIndexOf('/');
            if (slash > 0) {
                assertThat(seen).as(name).contains(name.substring(0, slash));
            }
            seen.add(name);
        }
    }

    @Test
    void gnuCpioReadsTheSameEntries() throws Exception {
        GuestPrerequisites.program("cpio", "cpio");
        Path image = Initramfs.build(kernel, "true\n", out);

        Process cpio = new ProcessBuilder("cpio", "--list", "--quiet", "--file=" + image)
                .redirectErrorStream(true).start();
        String listing = new String(cpio.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(cpio.waitFor(30, TimeUnit.SECONDS)).isTrue();

        assertThat(cpio.exitValue()).as(listing).isZero();
        assertThat(listing.lines().toList()).containsExactlyElementsOf(read(image).keySet());
    }

    @Test
    void initLoadsTheModulesInTheManifestsOrderThenRunsTheScriptAndPowersOff() {
        List<String> lines = Initramfs.initScript(kernel).lines().toList();

        assertThat(lines.getFirst()).isEqualTo("#!/bin/busybox sh");
        int loop = lines.indexOf("for module in " + String.join(" ", kernel.moduleNames()) + "; do");
        int script = lines.indexOf("( . " + Initramfs.SCRIPT_PATH + " )");
        int done = lines.indexOf("mark done $?");
        int poweroff = lines.indexOf("poweroff -f");
        assertThat(loop).isPositive();
        assertThat(script).isGreaterThan(loop);
        assertThat(done).isGreaterThan(script);
        assertThat(poweroff).isGreaterThan(done);
    }

    @Test
    void theMarkFunctionPrintsOneMarkerLinePerCall() throws Exception {
        GuestPrerequisites.program("busybox", "busybox-static");
        String init = Initramfs.initScript(kernel);
        String function = init.substring(init.indexOf("mark() {"), init.indexOf("}\n", init.indexOf("mark() {")) + 2)
                .replace(">/dev/console", "");

        Process shell = new ProcessBuilder(Busybox.find().file().toString(), "sh", "-c",
                function + "mark md5 abc def\nmark multi \"$(printf 'one\\ntwo')\"\nmark empty\n")
                .redirectErrorStream(true).start();
        byte[] output = shell.getInputStream().readAllBytes();
        assertThat(shell.waitFor(30, TimeUnit.SECONDS)).isTrue();

        ConsoleRecorder recorder = new ConsoleRecorder(1 << 16, 10, null);
        recorder.accept(output, 0, output.length);
        recorder.finish();
        assertThat(recorder.markers()).containsExactly(new Marker("md5", "abc def"),
                new Marker("multi", "one two"), new Marker("empty", ""));
    }

    @Test
    void theSameContentIsBuiltOnceAndAnyChangeMakesANewImage() throws IOException {
        Path first = Initramfs.build(kernel, "mark a 1\n", out);
        FileTime marked = FileTime.fromMillis(0);
        Files.setLastModifiedTime(first, marked);

        Path again = Initramfs.build(kernel, "mark a 1\n", out);
        Path otherScript = Initramfs.build(kernel, "mark a 2\n", out);
        Path otherFile = Initramfs.build(kernel, "mark a 1\n", List.of(GuestFile.of("/x", new byte[] {1})), out);
        Files.writeString(kernel.module("virtio"), "a rebuilt module");
        Path otherModule = Initramfs.build(kernel, "mark a 1\n", out);

        assertThat(again).isEqualTo(first);
        assertThat(Files.getLastModifiedTime(again)).isEqualTo(marked);
        assertThat(List.of(otherScript, otherFile, otherModule)).doesNotHaveDuplicates().doesNotContain(first);
        try (var images = Files.list(out)) {
            assertThat(images.map(p -> p.getFileName().toString()).toList())
                    .hasSize(4).allMatch(name -> name.matches("initramfs-[0-9a-f]{24}\\.cpio"));
        }
    }

    @Test
    void extraFilesMayNotTakeTheImagesOwnPaths() {
        for (String path : List.of("/init", "/bin/busybox", "/bin/sh", "/lib/modules/virtio.ko",
                Initramfs.SCRIPT_PATH, "/bin", "/init/under", "/dev/console")) {
            assertThatThrownBy(() -> Initramfs.build(kernel, "true\n", List.of(GuestFile.of(path, new byte[0])), out))
                    .as(path).isInstanceOf(IllegalArgumentException.class).hasMessageContaining(path.split("/")[1]);
        }
        assertThatThrownBy(() -> Initramfs.build(kernel, "true\n",
                List.of(GuestFile.of("/x", new byte[0]), GuestFile.of("/x", new byte[1])), out))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("/x");
        assertThatThrownBy(() -> Initramfs.build(kernel, "true\n",
                List.of(GuestFile.of("/x", new byte[0]), GuestFile.of("/x/y", new byte[1])), out))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("/x");
    }

    @Test
    void guestPathsMustBeAbsoluteAndNormal() {
        for (String path : List.of("relative", "/", "/a/../b", "/a/./b", "/a//b", "/a/", "")) {
            assertThatThrownBy(() -> GuestFile.of(path, new byte[0])).as(path)
                    .isInstanceOf(IllegalArgumentException.class);
        }
        assertThatThrownBy(() -> new GuestFile("/a", new byte[0], 010000))
                .isInstanceOf(IllegalArgumentException.class);
    }

    private record Archived(long mode, byte[] content, long major, long minor) {
        String text() {
            return new String(content, StandardCharsets.UTF_8);
        }

        boolean isSymlink() {
            return (mode & 0170000) == 0120000;
        }

        boolean isCharacterDevice() {
            return (mode & 0170000) == 0020000;
        }
    }

    private static Map<String, Archived> read(Path image) throws IOException {
        Map<String, Archived> entries = new LinkedHashMap<>();
        try (InputStream in = Files.newInputStream(image); CpioArchiveInputStream cpio = new CpioArchiveInputStream(in)) {
            for (CpioArchiveEntry entry; (entry = cpio.getNextEntry()) != null; ) {
                assertThat(entries).as("duplicate " + entry.getName()).doesNotContainKey(entry.getName());
                entries.put(entry.getName(), new Archived(entry.getMode(), cpio.readAllBytes(),
                        entry.getRemoteDeviceMaj(), entry.getRemoteDeviceMin()));
            }
        }
        return entries;
    }
}
