package dev.parapet.agent;

import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.EOFException;
import java.io.IOException;
import java.net.DatagramPacket;
import java.net.DatagramSocket;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.SocketException;
import java.net.SocketTimeoutException;
import java.util.Arrays;
import java.util.Optional;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Semaphore;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The agent's DNS listener on a loopback address, UDP and TCP (RFC 7766 framing), where the device's
 * resolver configuration points. Only loopback: a stub on another address would be an open resolver
 * that spends this device's credential for anyone on the network. Queries are answered on a bounded
 * pool (a DoH round trip blocks its thread); when it is full, UDP queries are dropped (the client
 * retries) rather than queued without bound. A TCP connection is closed after 10 s idle, and at most
 * 64 are open.
 */
public final class DnsStub implements AutoCloseable {

    /** Answers one query (raw bytes); empty means send nothing. Must not throw. */
    public interface Handler {
        Optional<byte[]> answer(byte[] query, boolean tcp);
    }

    static final int WORKERS = 16;
    static final int QUEUE = 256;
    static final int MAX_TCP_CONNECTIONS = 64;
    static final int TCP_IDLE_MILLIS = 10_000;

    private final InetSocketAddress requested;
    private final Handler handler;
    private final Log log;
    private final ExecutorService workers;
    private final ExecutorService connections = Executors.newCachedThreadPool(daemon("dns-stub-tcp"));
    private final Semaphore tcpSlots = new Semaphore(MAX_TCP_CONNECTIONS);
    private DatagramSocket udp;
    private ServerSocket tcp;
    private volatile boolean closed;

    public DnsStub(InetSocketAddress listen, Handler handler, Log log) {
        if (listen.isUnresolved() || !listen.getAddress().isLoopbackAddress()) {
            throw new AgentException(AgentException.FAILED, "The DNS stub listens on loopback only (127.0.0.1, ::1), not on "
                    + listen.getHostString() + ": on another address it would resolve for anyone with this agent's credential.");
        }
        this.requested = listen;
        this.handler = handler;
        this.log = log;
        this.workers = new ThreadPoolExecutor(WORKERS, WORKERS, 60, TimeUnit.SECONDS, new ArrayBlockingQueue<>(QUEUE),
                daemon("dns-stub-query"), new ThreadPoolExecutor.DiscardPolicy());
    }

    /**
     * Binds UDP, then TCP on the same port, and starts answering. Port 0 gives one free port for both:
     * the UDP port the system picks may be taken for TCP, so then another is tried (a few times).
     */
    public InetSocketAddress start() throws IOException {
        InetSocketAddress bound = null;
        for (int attempt = 1; bound == null; attempt++) {
            udp = new DatagramSocket(null);
            udp.setReuseAddress(true);
            udp.bind(requested);
            InetSocketAddress candidate = new InetSocketAddress(requested.getAddress(), udp.getLocalPort());
            tcp = new ServerSocket();
            tcp.setReuseAddress(true);
            try {
                tcp.bind(candidate, 64);
                bound = candidate;
            } catch (java.net.BindException e) {
                tcp.close();
                udp.close();
                if (requested.getPort() != 0 || attempt == 10) {
                    throw e;
                }
            }
        }
        daemon("dns-stub-udp").newThread(this::udpLoop).start();
        daemon("dns-stub-accept").newThread(this::acceptLoop).start();
        return bound;
    }

    private void udpLoop() {
        byte[] buffer = new byte[65_535];
        while (!closed) {
            DatagramPacket packet = new DatagramPacket(buffer, buffer.length);
            try {
                udp.receive(packet);
            } catch (IOException e) {
                if (!closed) {
                    log.warn("DNS stub: UDP receive failed: " + e.getMessage());
                }
                continue;
            }
            byte[] query = Arrays.copyOf(packet.getData(), packet.getLength());
            java.net.SocketAddress client = packet.getSocketAddress();
            workers.execute(() -> {
                Optional<byte[]> answer = safely(query, false);
                if (answer.isPresent()) {
                    try {
                        udp.send(new DatagramPacket(answer.get(), answer.get().length, client));
                    } catch (IOException e) {
                        // the client went away; nothing to tell it
                    }
                }
            });
        }
    }

    private void acceptLoop() {
        while (!closed) {
            Socket connection;
            try {
                connection = tcp.accept();
            } catch (IOException e) {
                if (!closed) {
                    log.warn("DNS stub: TCP accept failed: " + e.getMessage());
                }
                continue;
            }
            if (!tcpSlots.tryAcquire()) {
                closeQuietly(connection);
                continue;
            }
            connections.execute(() -> {
                try {
                    serve(connection);
                } finally {
                    tcpSlots.release();
                    closeQuietly(connection);
                }
            });
        }
    }

    /** Queries of one TCP connection, answered in turn. */
    private void serve(Socket connection) {
        try {
            connection.setSoTimeout(TCP_IDLE_MILLIS);
            DataInputStream in = new DataInputStream(connection.getInputStream());
            DataOutputStream out = new DataOutputStream(new java.io.BufferedOutputStream(connection.getOutputStream()));
            while (!closed) {
                int length = in.readUnsignedShort();
                byte[] query = new byte[length];
                in.readFully(query);
                Optional<byte[]> answer = safely(query, true);
                if (answer.isPresent()) {
                    out.writeShort(answer.get().length);
                    out.write(answer.get());
                    out.flush();
                }
            }
        } catch (EOFException | SocketTimeoutException | SocketException e) {
            // the client closed, went idle or reset: the normal ends of a DNS connection
        } catch (IOException e) {
            log.warn("DNS stub: TCP connection failed: " + e.getMessage());
        }
    }

    private Optional<byte[]> safely(byte[] query, boolean overTcp) {
        try {
            return handler.answer(query, overTcp);
        } catch (RuntimeException e) {
            log.warn("DNS stub: a query could not be answered: " + e);
            return Optional.empty();
        }
    }

    @Override
    public void close() {
        closed = true;
        if (udp != null) {
            udp.close();
        }
        if (tcp != null) {
            try {
                tcp.close();
            } catch (IOException e) {
                // closing anyway
            }
        }
        workers.shutdownNow();
        connections.shutdownNow();
    }

    private static void closeQuietly(Socket socket) {
        try {
            socket.close();
        } catch (IOException e) {
            // closing anyway
        }
    }

    static java.util.concurrent.ThreadFactory daemon(String name) {
        AtomicInteger count = new AtomicInteger();
        return runnable -> {
            Thread thread = new Thread(runnable, name + "-" + count.incrementAndGet());
            thread.setDaemon(true);
            return thread;
        };
    }
}
