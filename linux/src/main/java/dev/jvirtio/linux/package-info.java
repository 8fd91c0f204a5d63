/**
 * Linux system calls through the Foreign Function and Memory API: memfd and mmap, eventfd,
 * AF_UNIX sockets with SCM_RIGHTS, epoll, O_DIRECT files and block devices, and CPU affinity.
 *
 * <p>Every wrapper is a {@link java.lang.foreign.Linker} downcall into the C library that captures
 * {@code errno}; a failing call throws {@link dev.jvirtio.linux.LinuxException}, a checked
 * {@link java.io.IOException} whose message names the call, its key arguments and the errno text.
 * Interrupted calls ({@code EINTR}) are retried unless a method says otherwise.
 *
 * <p>Memory passed to the kernel must be native: heap segments are rejected with
 * {@link java.lang.IllegalArgumentException}. The code needs native access
 * ({@code --enable-native-access}) and supports x86-64 and AArch64 Linux.
 */
package dev.jvirtio.linux;
