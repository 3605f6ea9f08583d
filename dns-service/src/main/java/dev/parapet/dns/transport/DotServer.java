package dev.parapet.dns.transport;

import java.io.File;

import javax.net.ssl.SSLException;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.boot.autoconfigure.condition.ConditionalOnBooleanProperty;
import org.springframework.boot.autoconfigure.condition.ConditionalOnProperty;
import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;
import org.springframework.context.SmartLifecycle;
import org.springframework.stereotype.Component;

import dev.parapet.dns.DnsProperties;
import dev.parapet.dns.limits.ListenerLimits;
import dev.parapet.dns.policy.ResolverState;
import dev.parapet.dns.resolve.DnsResolver;
import dev.parapet.schemas.v1.verdicts.Transport;
import io.micrometer.core.instrument.MeterRegistry;
import io.netty.handler.ssl.ApplicationProtocolConfig;
import io.netty.handler.ssl.SslContext;
import io.netty.handler.ssl.SslContextBuilder;

/**
 * DNS over TLS (RFC 7858) on {@code parapet.dns.address}:{@code parapet.dns.dot.port}: DNS over TCP's
 * framing, pipelining and limits ({@link DnsStreamListener}, {@code parapet.dns.limits.tcp}) inside TLS
 * 1.2 or 1.3 with DoH's certificate and key ({@code parapet.dns.doh.certificate}, {@code private-key}),
 * ALPN "dot" (RFC 7858, RFC 9461) chosen when offered and none required. Its clients are known as port
 * 53's are, by their source address (a location), with no agent credential; their queries are
 * {@link Transport#DOT}. Enabled when that certificate is set, unless {@code parapet.dns.dot.enabled} is
 * false.
 */
@Component
@ConditionalOnProperty("parapet.dns.doh.certificate")
@ConditionalOnBooleanProperty(name = "parapet.dns.dot.enabled", matchIfMissing = true)
public class DotServer implements SmartLifecycle {

    private static final Logger LOG = LoggerFactory.getLogger(DotServer.class);

    /** The ALPN protocol id of DNS over TLS. */
    public static final String ALPN = "dot";

    /**
     * @param enabled whether DNS over TLS listens (when DoH's certificate is configured)
     * @param port    its port (853 in production; 0 picks a free one, as tests do)
     */
    @ConfigurationProperties("parapet.dns.dot")
    public record Properties(@DefaultValue("true") boolean enabled, @DefaultValue("853") int port) {
    }

    private final Properties properties;
    private final DnsProperties dns;
    private final DnsStreamListener listener;

    /** Reads the certificate and key at once: a missing or unreadable one stops the service starting. */
    public DotServer(Properties properties, DnsProperties dns, DohTlsServer.Properties certificate, DnsResolver resolver,
                     ListenerLimits limits, MeterRegistry meters, ResolverState state) {
        this.properties = properties;
        this.dns = dns;
        this.listener = new DnsStreamListener("dns-tls", Transport.DOT, tls(certificate.certificate(), certificate.privateKey()),
                resolver, limits.tcp(), meters, serverName -> state.snapshot().locateByDotHost(serverName));
    }

    /** The server's TLS: the certificate chain and PKCS#8 key (PEM), TLS 1.2 and 1.3, ALPN "dot". */
    static SslContext tls(File certificate, File privateKey) {
        if (certificate == null || privateKey == null) {
            throw new IllegalStateException("DNS over TLS needs parapet.dns.doh.certificate and parapet.dns.doh.private-key");
        }
        try {
            return SslContextBuilder.forServer(certificate, privateKey)
                    .protocols("TLSv1.3", "TLSv1.2")
                    // A client offering other protocols only is still served: stock DoT clients send "dot" or nothing.
                    .applicationProtocolConfig(new ApplicationProtocolConfig(ApplicationProtocolConfig.Protocol.ALPN,
                            ApplicationProtocolConfig.SelectorFailureBehavior.NO_ADVERTISE,
                            ApplicationProtocolConfig.SelectedListenerFailureBehavior.ACCEPT, ALPN))
                    .build();
        } catch (SSLException | RuntimeException e) { // Netty: IllegalArgumentException for a file it cannot read
            throw new IllegalStateException("DNS over TLS cannot use the certificate " + certificate + " and key "
                    + privateKey + ": " + e.getMessage(), e);
        }
    }

    @Override
    public void start() {
        try {
            listener.bind(dns.address(), properties.port());
        } catch (Exception taken) { // Netty rethrows the BindException unchecked
            listener.close();
            throw new IllegalStateException("DNS over TLS cannot bind " + dns.address() + ":" + properties.port(), taken);
        }
        LOG.info("DNS over TLS on {}:{}", dns.address(), listener.port());
    }

    /** The bound port. */
    public int port() {
        return listener.port();
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
