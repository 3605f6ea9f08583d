package dev.parapet.dns.transport;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.context.SmartLifecycle;
import org.springframework.stereotype.Component;

import dev.parapet.dns.DnsProperties;
import dev.parapet.dns.limits.ListenerLimits;
import dev.parapet.dns.resolve.DnsResolver;
import dev.parapet.schemas.v1.verdicts.Transport;
import io.micrometer.core.instrument.MeterRegistry;

/**
 * DNS over TCP on the same address and port as UDP (RFC 7766), by a {@link DnsStreamListener} without
 * TLS: its framing, pipelining and {@code parapet.dns.limits.tcp} limits (connections in all and per
 * client, the idle timeout, a query that trickles in, queries unanswered per connection).
 */
@Component
public class TcpDnsServer implements SmartLifecycle {

    private static final Logger LOG = LoggerFactory.getLogger(TcpDnsServer.class);

    private final DnsProperties properties;
    private final UdpDnsServer udp;
    private final DnsStreamListener listener;

    public TcpDnsServer(DnsProperties properties, DnsResolver resolver, UdpDnsServer udp, ListenerLimits limits,
                        MeterRegistry meters) {
        this.properties = properties;
        this.udp = udp;
        this.listener = new DnsStreamListener("dns-tcp", Transport.TCP, null, resolver, limits.tcp(), meters, null);
    }

    @Override
    public void start() {
        // TCP takes the port the UDP listener has (it may have picked it, for port 0). When the port was
        // picked and its TCP twin is taken, UDP moves to another picked port and TCP tries again.
        for (int attempt = 1; ; attempt++) {
            try {
                listener.bind(properties.address(), udp.port());
                break;
            } catch (Exception taken) { // Netty rethrows the BindException unchecked
                if (properties.port() != 0 || attempt == 20) {
                    listener.close();
                    throw new IllegalStateException("DNS over TCP cannot bind " + properties.address() + ":" + udp.port(), taken);
                }
                udp.stop();
                udp.start();
            }
        }
        LOG.info("DNS over TCP on {}:{}", properties.address(), listener.port());
    }

    @Override
    public void stop() {
        listener.close();
    }

    @Override
    public boolean isRunning() {
        return listener.isOpen();
    }

    @Override
    public int getPhase() {
        return SmartLifecycle.DEFAULT_PHASE + 1;
    }
}
