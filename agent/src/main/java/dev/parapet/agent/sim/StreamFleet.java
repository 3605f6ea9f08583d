package dev.parapet.agent.sim;

import java.io.Closeable;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.StandardSocketOptions;
import java.net.URI;
import java.nio.ByteBuffer;
import java.nio.channels.SelectionKey;
import java.nio.channels.Selector;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.util.ArrayDeque;
import java.util.List;
import java.util.Queue;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLongArray;

/**
 * The configuration streams of many agents, read by one thread over non-blocking sockets. The
 * simulator measures the platform, so its own cost per delivered event has to be small beside the
 * server's: the JDK's {@code HttpClient} spends tens of microseconds per event and per stream (a
 * line subscriber, a decoder and an executor hop each), which at 10 000 streams was a good part of
 * the fan-out delay it reported. Here a stream is a socket, a request written once, and a scan of
 * what arrives for the snapshot's {@code event:configuration} and for the id the current round waits
 * for; each arrival is stamped as its bytes are read. Plain HTTP/1.1 only (the local stack's
 * settings-service); a chunked body is taken out of its framing before it is scanned, so that an id
 * split over two chunks or two reads is still found.
 */
final class StreamFleet implements Closeable {

    /** Streams being opened at once: the rest wait, so the server's accept queue never overflows. */
    private static final int OPENING_AT_ONCE = 256;
    /** Bytes of one read kept for the next, so that an id split across two reads is still found. */
    private static final int CARRY = 64;

    private final InetSocketAddress server;
    private final String host;
    private final String path;
    private final Selector selector;
    private final Thread reader;
    private final Queue<Connection> toOpen = new ConcurrentLinkedQueue<>();
    private final AtomicLongArray arrivals;
    private final AtomicInteger arrived = new AtomicInteger();
    private final AtomicInteger errors = new AtomicInteger();
    private final AtomicInteger closedByServer = new AtomicInteger();
    /** Streams that failed or were closed: they wait for nothing. */
    private final AtomicInteger dead = new AtomicInteger();
    private final CountDownLatch opened;
    private final ArrayDeque<Connection> waiting = new ArrayDeque<>();
    private volatile String expected;
    private volatile boolean running = true;
    private int opening;

    StreamFleet(URI configurationUrl, List<String> credentials) throws IOException {
        if (!"http".equals(configurationUrl.getScheme())) {
            throw new IllegalArgumentException("the simulator's streams speak plain HTTP/1.1 only: " + configurationUrl);
        }
        int port = configurationUrl.getPort() < 0 ? 80 : configurationUrl.getPort();
        this.server = new InetSocketAddress(configurationUrl.getHost(), port);
        this.host = configurationUrl.getHost() + ":" + port;
        this.path = configurationUrl.getRawPath();
        this.selector = Selector.open();
        this.arrivals = new AtomicLongArray(credentials.size());
        this.opened = new CountDownLatch(credentials.size());
        for (int i = 0; i < credentials.size(); i++) {
            waiting.add(new Connection(i, credentials.get(i)));
        }
        this.reader = new Thread(this::loop, "simulator-streams");
        this.reader.setDaemon(true);
        this.reader.start();
    }

    /** Counts down once per stream whose snapshot arrived. */
    CountDownLatch opened() {
        return opened;
    }

    int errors() {
        return errors.get();
    }

    int closedByServer() {
        return closedByServer.get();
    }

    /** Forgets the last round's arrivals and waits for the first event whose id starts with this. */
    void expect(String idPrefix) {
        expected = null;
        for (int i = 0; i < arrivals.length(); i++) {
            arrivals.set(i, 0);
        }
        arrived.set(0);
        expected = "id:" + idPrefix;
    }

    /** Waits until every stream had the expected event, or the deadline; returns the arrival times (0: missed). */
    long[] awaitArrivals(long deadlineNanos) throws InterruptedException {
        while (arrived.get() < arrivals.length() - dead.get() && System.nanoTime() < deadlineNanos) {
            Thread.sleep(5);
        }
        long[] copy = new long[arrivals.length()];
        for (int i = 0; i < copy.length; i++) {
            copy[i] = arrivals.get(i);
        }
        return copy;
    }

    private void loop() {
        ByteBuffer buffer = ByteBuffer.allocateDirect(64 * 1024);
        byte[] bytes = new byte[buffer.capacity()];
        try {
            while (running) {
                startOpening();
                selector.select(100);
                long now = System.nanoTime();
                for (SelectionKey key : selector.selectedKeys()) {
                    Connection connection = (Connection) key.attachment();
                    try {
                        if (key.isConnectable()) {
                            connection.channel.finishConnect();
                            key.interestOps(SelectionKey.OP_WRITE);
                        }
                        if (key.isValid() && key.isWritable()) {
                            connection.channel.write(connection.request);
                            if (!connection.request.hasRemaining()) {
                                key.interestOps(SelectionKey.OP_READ);
                            }
                        }
                        if (key.isValid() && key.isReadable()) {
                            buffer.clear();
                            int read = connection.channel.read(buffer);
                            if (read < 0) {
                                closedByServer.incrementAndGet();
                                fail(connection, key, false);
                                continue;
                            }
                            buffer.flip();
                            buffer.get(bytes, 0, read);
                            received(connection, key, new String(bytes, 0, read, StandardCharsets.ISO_8859_1), now);
                        }
                    } catch (IOException e) {
                        fail(connection, key, true);
                    }
                }
                selector.selectedKeys().clear();
            }
        } catch (IOException e) {
            errors.incrementAndGet();
        }
    }

    private void startOpening() throws IOException {
        while (opening < OPENING_AT_ONCE && !waiting.isEmpty()) {
            Connection connection = waiting.poll();
            connection.channel = SocketChannel.open();
            connection.channel.configureBlocking(false);
            connection.channel.setOption(StandardSocketOptions.TCP_NODELAY, true);
            boolean connected = connection.channel.connect(server);
            connection.channel.register(selector, connected ? SelectionKey.OP_WRITE : SelectionKey.OP_CONNECT, connection);
            opening++;
        }
    }

    private void received(Connection connection, SelectionKey key, String bytes, long now) {
        String body;
        if (connection.head != null) {
            connection.head.append(bytes);
            int end = connection.head.indexOf("\r\n\r\n");
            if (end < 0) {
                return;
            }
            String head = connection.head.substring(0, end).toLowerCase(java.util.Locale.ROOT);
            body = connection.head.substring(end + 4);
            connection.head = null;
            if (!head.startsWith("http/1.1 200")) {
                fail(connection, key, true);
                return;
            }
            connection.chunked = head.contains("\r\ntransfer-encoding: chunked");
        } else {
            body = bytes;
        }
        String events = connection.chunked ? connection.unchunk(body) : body;
        String text = connection.carry + events;
        if (!connection.snapshotSeen && text.contains("event:configuration")) {
            connection.snapshotSeen = true;
            opening--;
            opened.countDown();
        }
        String waitingFor = expected;
        if (waitingFor != null && arrivals.get(connection.index) == 0 && text.contains(waitingFor)
                && arrivals.compareAndSet(connection.index, 0, now)) {
            arrived.incrementAndGet();
        }
        connection.carry = text.length() > CARRY ? text.substring(text.length() - CARRY) : text;
        if (connection.ended) {
            closedByServer.incrementAndGet();
            fail(connection, key, false);
        }
    }

    private void fail(Connection connection, SelectionKey key, boolean error) {
        if (error) {
            errors.incrementAndGet();
        }
        dead.incrementAndGet();
        if (!connection.snapshotSeen) {
            connection.snapshotSeen = true;
            opening--;
            opened.countDown();
        }
        key.cancel();
        try {
            connection.channel.close();
        } catch (IOException ignored) {
            // closing anyway
        }
    }

    @Override
    public void close() throws IOException {
        running = false;
        selector.wakeup();
        try {
            reader.join(2_000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        for (SelectionKey key : selector.keys()) {
            key.channel().close();
        }
        selector.close();
    }

    private final class Connection {
        final int index;
        final ByteBuffer request;
        SocketChannel channel;
        /** The response's status line and headers while they arrive; null after. */
        StringBuilder head = new StringBuilder();
        boolean chunked;
        /** The last chunk arrived: the server ended the stream. */
        boolean ended;
        /** Chunked body: bytes left of the current chunk's data (then its CRLF), or -1 while reading a size line. */
        long chunkLeft = -1;
        int crlfLeft;
        final StringBuilder sizeLine = new StringBuilder();
        String carry = "";
        boolean snapshotSeen;

        /** The data of a chunked body's next bytes, without the framing (RFC 9112 section 7.1; extensions ignored). */
        String unchunk(String bytes) {
            StringBuilder data = new StringBuilder(bytes.length());
            int i = 0;
            while (i < bytes.length()) {
                if (crlfLeft > 0) {
                    crlfLeft--;
                    i++;
                } else if (chunkLeft > 0) {
                    int take = (int) Math.min(chunkLeft, bytes.length() - i);
                    data.append(bytes, i, i + take);
                    chunkLeft -= take;
                    i += take;
                    if (chunkLeft == 0) {
                        crlfLeft = 2;
                        chunkLeft = -1;
                    }
                } else {
                    char c = bytes.charAt(i++);
                    if (c == '\n') {
                        String size = sizeLine.toString().strip();
                        int extension = size.indexOf(';');
                        sizeLine.setLength(0);
                        chunkLeft = Long.parseLong(extension < 0 ? size : size.substring(0, extension).strip(), 16);
                        if (chunkLeft == 0) {
                            ended = true;
                            return data.toString();
                        }
                    } else if (sizeLine.length() < 64) {
                        sizeLine.append(c);
                    }
                }
            }
            return data.toString();
        }

        Connection(int index, String credential) {
            this.index = index;
            this.request = ByteBuffer.wrap(("GET " + path + " HTTP/1.1\r\nHost: " + host + "\r\nAuthorization: Bearer " + credential
                    + "\r\nAccept: text/event-stream\r\n\r\n").getBytes(StandardCharsets.US_ASCII));
        }
    }
}
