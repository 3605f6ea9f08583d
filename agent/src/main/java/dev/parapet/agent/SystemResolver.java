package dev.parapet.agent;

import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.net.DatagramPacket;
import java.net.DatagramSocket;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Optional;

/**
 * The resolver the device had before the agent (the first nameserver of {@code /etc/resolv.conf},
 * or {@code --system-resolver}): where domain exceptions go, and everything while the agent is
 * disabled or revoked. Messages are passed as bytes, untouched; UDP from UDP clients, TCP from TCP
 * clients (a truncated UDP answer is passed on and the client retries over TCP, as it would anyway).
 */
public final class SystemResolver {

    static final int TIMEOUT_MILLIS = 2_000;
    static final int ATTEMPTS = 2;

    private final InetSocketAddress server;

    public SystemResolver(InetSocketAddress server) {
        this.server = server;
    }

    public InetSocketAddress server() {
        return server;
    }

    /** The first {@code nameserver} of a resolv.conf, port 53. */
    public static Optional<InetSocketAddress> fromResolvConf(Path resolvConf) {
        try {
            for (String line : Files.readAllLines(resolvConf, StandardCharsets.UTF_8)) {
                String[] words = line.strip().split("\\s+");
                if (words.length >= 2 && words[0].equals("nameserver")) {
                    String address = words[1];
                    int zone = address.indexOf('%');
                    return Optional.of(new InetSocketAddress(zone < 0 ? address : address.substring(0, zone), 53));
                }
            }
        } catch (IOException | RuntimeException e) {
            return Optional.empty();
        }
        return Optional.empty();
    }

    public byte[] resolve(byte[] query, boolean tcp) throws IOException {
        return tcp ? overTcp(query) : overUdp(query);
    }

    private byte[] overUdp(byte[] query) throws IOException {
        IOException last = null;
        for (int attempt = 0; attempt < ATTEMPTS; attempt++) {
            try (DatagramSocket socket = new DatagramSocket()) {
                socket.connect(server);
                socket.setSoTimeout(TIMEOUT_MILLIS);
                socket.send(new DatagramPacket(query, query.length));
                byte[] buffer = new byte[65_535];
                long deadline = System.nanoTime() + TIMEOUT_MILLIS * 1_000_000L;
                while (System.nanoTime() < deadline) {
                    DatagramPacket packet = new DatagramPacket(buffer, buffer.length);
                    socket.receive(packet);
                    // a connected socket only hears the server; an answer to another id is stale or forged
                    if (packet.getLength() >= 12 && buffer[0] == query[0] && buffer[1] == query[1]) {
                        return Arrays.copyOf(buffer, packet.getLength());
                    }
                }
                last = new SocketTimeoutException("no answer");
            } catch (SocketTimeoutException e) {
                last = e;
            }
        }
        throw new IOException("the system resolver " + server + " did not answer" + (last == null ? "" : " (" + last.getMessage() + ")"));
    }

    private byte[] overTcp(byte[] query) throws IOException {
        try (Socket socket = new Socket()) {
            socket.connect(server, TIMEOUT_MILLIS);
            socket.setSoTimeout(TIMEOUT_MILLIS);
            DataOutputStream out = new DataOutputStream(socket.getOutputStream());
            out.writeShort(query.length);
            out.write(query);
            out.flush();
            DataInputStream in = new DataInputStream(socket.getInputStream());
            int length = in.readUnsignedShort();
            byte[] answer = new byte[length];
            in.readFully(answer);
            if (length < 12) {
                throw new IOException("the system resolver " + server + " sent a short answer");
            }
            return answer;
        }
    }
}
