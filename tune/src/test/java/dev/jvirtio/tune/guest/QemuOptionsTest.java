package dev.jvirtio.tune.guest;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

class QemuOptionsTest {

    @Test
    void doubledCommaIsALiteralCommaInAValue() {
        QemuOptions o = QemuOptions.parse("file=/images/a,,b.img,if=virtio", null);
        assertThat(o.get("file")).isEqualTo("/images/a,b.img");
        assertThat(o.get("if")).isEqualTo("virtio");
    }

    @Test
    void aLeadingBareElementIsTheImpliedKey() {
        QemuOptions o = QemuOptions.parse("tap,id=n0,vhost=on", "type");
        assertThat(o.get("type")).isEqualTo("tap");
        assertThat(o.flag("vhost", false)).isTrue();
    }

    @Test
    void aLaterBareElementIsAFlagSetOn() {
        QemuOptions o = QemuOptions.parse("virtio-net-pci,netdev=n0,mq", "driver");
        assertThat(o.flag("mq", false)).isTrue();
        assertThat(o.flag("missing", true)).isTrue();
        assertThat(o.flag("netdev", true)).isFalse();
    }

    @Test
    void jsonNestedObjectsBecomeDottedKeysAndScalarsText() {
        QemuOptions o = QemuOptions.parse(
                "{\"driver\":\"qcow2\",\"file\":{\"driver\":\"file\",\"filename\":\"/a.qcow2\"},\"cache\":{\"direct\":true},"
                        + "\"num\":4,\"nodes\":[0,1]}", "driver");
        assertThat(o.get("file.driver")).isEqualTo("file");
        assertThat(o.get("file.filename")).isEqualTo("/a.qcow2");
        assertThat(o.flag("cache.direct", false)).isTrue();
        assertThat(o.get("num")).isEqualTo("4");
        assertThat(o.get("nodes")).isEqualTo("0,1");
        assertThat(o.child("file").get("filename")).isEqualTo("/a.qcow2");
    }

    @Test
    void malformedJsonIsRejectedWithAMessage() {
        assertThatThrownBy(() -> QemuOptions.parse("{\"driver\":", "driver"))
                .isInstanceOf(IllegalArgumentException.class).hasMessageStartingWith("malformed JSON");
        assertThatThrownBy(() -> QemuOptions.parse("{}}", null)).isInstanceOf(IllegalArgumentException.class);
    }
}
