package dev.parapet.dns.transport;

import java.io.IOException;
import java.net.DatagramPacket;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.util.concurrent.atomic.AtomicInteger;

import org.xbill.DNS.ARecord;
import org.xbill.DNS.DClass;
import org.xbill.DNS.Flags;
import org.xbill.DNS.Message;
import org.xbill.DNS.Section;
import org.xbill.DNS.Type;

/** An upstream resolver on loopback (outside the system, so faked): every A query gets 192.0.2.1. */
public final class FakeUpstream implements AutoCloseable {

    public static final String ANSWER = "192.0.2.1";

    private final DatagramSocket socket;
    private final AtomicInteger queries = new AtomicInteger();

    private final long ttl;

    public FakeUpstream() throws IOException {
        this(300);
    }

    /** @param ttl the TTL of its answers */
    public FakeUpstream(long ttl) throws IOException {
        this.ttl = ttl;
        socket = new DatagramSocket(new InetSocketAddress("127.0.0.1", 0));
        Thread thread = new Thread(this::serve, "fake-upstream");
        thread.setDaemon(true);
        thread.start();
    }

    public int port() {
        return socket.getLocalPort();
    }

    public int queries() {
        return queries.get();
    }

    private void serve() {
        byte[] buffer = new byte[4096];
        while (!socket.isClosed()) {
            try {
                DatagramPacket packet = new DatagramPacket(buffer, buffer.length);
                socket.receive(packet);
                queries.incrementAndGet();
                Message query = new Message(java.util.Arrays.copyOf(packet.getData(), packet.getLength()));
                Message answer = new Message(query.getHeader().getID());
                answer.getHeader().setFlag(Flags.QR);
                answer.getHeader().setFlag(Flags.RA);
                answer.addRecord(query.getQuestion(), Section.QUESTION);
                if (query.getQuestion().getType() == Type.A) {
                    answer.addRecord(new ARecord(query.getQuestion().getName(), DClass.IN, ttl, InetAddress.getByName(ANSWER)),
                            Section.ANSWER);
                }
                byte[] wire = answer.toWire();
                socket.send(new DatagramPacket(wire, wire.length, packet.getSocketAddress()));
            } catch (IOException e) {
                // closed, or a packet this fake cannot read
            }
        }
    }

    @Override
    public void close() {
        socket.close();
    }
}
