package dev.parapet.stack;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.time.Duration;

/** Loopback ports: finding free ones, and waiting for a server to listen on one. */
public final class Ports {

    private Ports() {
    }

    public static InetAddress loopback() {
        return InetAddress.getLoopbackAddress();
    }

    public static int free() {
        try (ServerSocket socket = new ServerSocket(0, 1, loopback())) {
            socket.setReuseAddress(true);
            return socket.getLocalPort();
        } catch (IOException e) {
            throw new IllegalStateException("No free loopback port", e);
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
