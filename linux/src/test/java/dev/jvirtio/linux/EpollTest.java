package dev.jvirtio.linux;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.lang.foreign.Arena;
import org.junit.jupiter.api.Test;

class EpollTest {

    private static final int WAIT_MILLIS = 10_000;

    @Test
    void aSignalledEventFdIsReportedWithItsDataUntilDrained() throws Exception {
        try (Epoll epoll = Epoll.create();
             EventFd kick = EventFd.create()) {
            EpollEvents events = new EpollEvents(4);
            long token = 0x5eed_0000_0000_0007L;
            epoll.add(kick.fd(), Epoll.IN, token);
            assertThat(epoll.wait(events, 0)).isZero();

            kick.signal();
            assertThat(epoll.wait(events, WAIT_MILLIS)).isEqualTo(1);
            assertThat(events.data(0)).isEqualTo(token);
            assertThat(events.events(0) & Epoll.IN).isEqualTo(Epoll.IN);

            kick.drain();
            assertThat(epoll.wait(events, 0)).isZero();
        }
    }

    @Test
    void modifyChangesTheDataAndRemoveStopsTheReports() throws Exception {
        try (Epoll epoll = Epoll.create();
             EventFd kick = EventFd.create()) {
            EpollEvents events = new EpollEvents(1);
            epoll.add(kick.fd(), Epoll.IN, 1);
            epoll.modify(kick.fd(), Epoll.IN, 2);
            kick.signal();
            assertThat(epoll.wait(events, WAIT_MILLIS)).isEqualTo(1);
            assertThat(events.data(0)).isEqualTo(2);

            epoll.remove(kick.fd());
            assertThat(epoll.wait(events, 0)).isZero();
        }
    }

    @Test
    void readyDescriptorsBeyondTheArrayWaitForTheNextCall() throws Exception {
        try (Epoll epoll = Epoll.create();
             EventFd first = EventFd.create();
             EventFd second = EventFd.create();
             EventFd third = EventFd.create()) {
            EventFd[] all = {first, second, third};
            for (int i = 0; i < all.length; i++) {
                epoll.add(all[i].fd(), Epoll.IN, i);
                all[i].signal();
            }
            EpollEvents events = new EpollEvents(2);
            int reported = epoll.wait(events, WAIT_MILLIS);
            assertThat(reported).isEqualTo(2);
            for (int i = 0; i < reported; i++) {
                all[(int) events.data(i)].drain();
            }
            assertThat(epoll.wait(events, WAIT_MILLIS)).isEqualTo(1);
        }
    }

    @Test
    void aPeerHangingUpIsReported() throws Exception {
        UnixSocket[] ends = UnixSocket.pair();
        try (Epoll epoll = Epoll.create(); UnixSocket mine = ends[0]) {
            epoll.add(mine.fd(), Epoll.IN | Epoll.RDHUP, 9);
            ends[1].close();
            EpollEvents events = new EpollEvents(1);
            assertThat(epoll.wait(events, WAIT_MILLIS)).isEqualTo(1);
            assertThat(events.events(0) & Epoll.RDHUP).isEqualTo(Epoll.RDHUP);
            try (Arena arena = Arena.ofConfined()) {
                assertThat(mine.recv(arena.allocate(8), 0).eof()).isTrue();
            }
        }
    }

    @Test
    void addingTheSameDescriptorTwiceIsReportedByName() throws Exception {
        try (Epoll epoll = Epoll.create();
             EventFd kick = EventFd.create()) {
            epoll.add(kick.fd(), Epoll.IN, 1);
            assertThatThrownBy(() -> epoll.add(kick.fd(), Epoll.IN, 1))
                    .isInstanceOfSatisfying(LinuxException.class,
                            e -> assertThat(e.errno()).isEqualTo(Errno.EEXIST))
                    .hasMessageStartingWith("epoll_ctl(epfd=" + epoll.fd().value() + ", EPOLL_CTL_ADD, fd="
                            + kick.fd().value());
        }
    }

    @Test
    void eventIndexesOutsideTheArrayAreRefused() {
        EpollEvents events = new EpollEvents(2);
        assertThatThrownBy(() -> events.data(2)).isInstanceOf(IndexOutOfBoundsException.class);
        assertThatThrownBy(() -> new EpollEvents(0)).isInstanceOf(IllegalArgumentException.class);
    }
}
