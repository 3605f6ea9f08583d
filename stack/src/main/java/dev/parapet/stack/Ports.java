package dev.parapet.stack;

import java.io.IOException;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.time.Duration;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ThreadLocalRandom;

/**
 * Loopback ports: finding free ones, and waiting for a server to listen on one.
 *
 * <p>A free port is chosen below the kernel's ephemeral range (32768-60999 on Linux), never from it:
 * a port the kernel hands out for {@code bind(0)} is also one it hands to the next outgoing connection,
 * so a port found free that way can be taken by a Kafka client's connection before the server that was
 * meant to bind it starts (a CI run failed on exactly that). The range chosen from, 20000-27999, keeps
 * clear of the ports the compose check publishes (28xxx) and the local stack's fixed ports (1xxxx).
 */
public final class Ports {

    static final int FIRST = 20_000;
    static final int LAST = 27_999;
    private static final Set<Integer> HANDED_OUT = ConcurrentHashMap.newKeySet();

    private Ports() {
    }

    public static InetAddress loopback() {
        return InetAddress.getLoopbackAddress();
    }

    /** A loopback port free just now for both TCP and UDP, outside the ephemeral range, not handed out before by this JVM. */
    public static int free() {
        ThreadLocalRandom random = ThreadLocalRandom.current();
        for (int attempt = 0; attempt < 1_000; attempt++) {
            int port = random.nextInt(FIRST, LAST + 1);
            if (HANDED_OUT.add(port)) {
                if (bindable(port)) {
                    return port;
                }
                HANDED_OUT.remove(port);
            }
        }
        throw new IllegalStateException("No free loopback port in " + FIRST + "-" + LAST);
    }

    static boolean bindable(int port) {
        try (ServerSocket tcp = new ServerSocket()) {
            tcp.bind(new InetSocketAddress(loopback(), port), 1);
            try (DatagramSocket udp = new DatagramSocket(new InetSocketAddress(loopback(), port))) {
                return true;
            }
        } catch (IOException taken) {
            return false;
        }
    }

    public static boolean isListening(int port) {
        try (Socket socket = new Socket()) {
            socket.connect(new InetSocketAddress(loopback(), port), 200);
            return true;
        } catch (IOException e) {
            return false;
        }
    }

    public static void awaitListening(ManagedProcess process, int port, Duration timeout) {
        Waits.until(process.name() + " listening on port " + port, timeout, () -> {
            process.ensureAlive();
            return isListening(port);
        });
    }
}
