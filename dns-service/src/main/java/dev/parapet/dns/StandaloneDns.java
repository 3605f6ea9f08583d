package dev.parapet.dns;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.atomic.AtomicReference;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.boot.SpringApplication;
import org.springframework.boot.context.TypeExcludeFilter;
import org.springframework.boot.context.event.ApplicationEnvironmentPreparedEvent;
import org.springframework.boot.context.event.ApplicationFailedEvent;
import org.springframework.boot.context.properties.bind.Binder;
import org.springframework.boot.kafka.autoconfigure.KafkaProperties;
import org.springframework.context.ApplicationListener;
import org.springframework.context.ConfigurableApplicationContext;
import org.springframework.core.env.ConfigurableEnvironment;
import org.springframework.core.type.classreading.MetadataReader;
import org.springframework.core.type.classreading.MetadataReaderFactory;

import dev.parapet.dns.pages.Allowances;
import dev.parapet.dns.pages.BlockNotices;
import dev.parapet.dns.policy.CategoryBits;
import dev.parapet.dns.policy.CategoryState;
import dev.parapet.dns.policy.LocationEndpointProperties;
import dev.parapet.dns.policy.ResolverState;
import dev.parapet.dns.resolve.AnswerCache;
import dev.parapet.dns.resolve.DnsResolver;
import dev.parapet.dns.resolve.DnssecValidation;
import dev.parapet.dns.resolve.RateLimiter;
import dev.parapet.dns.resolve.Upstreams;
import dev.parapet.dns.resolve.VerdictLog;
import dev.parapet.dns.transport.UdpDnsServer;
import dev.parapet.kit.kafka.RegistryProperties;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Metrics;

/**
 * Standalone mode answers DNS over UDP before the Spring context exists. The query path needs none of the
 * context (no Kafka, no HTTP): as soon as the environment is prepared, the resolver is built from the same
 * classes and the same bound properties the context would use, and its UDP listener is started; the context
 * then takes these very objects as its beans (and scans no second copy of them), and adds DNS over TCP, TLS and
 * HTTPS, the block pages, the admin API and the metrics endpoint as ever. The meters are registered in
 * Micrometer's global registry, to which Spring Boot adds its own registry when the context is up, so the
 * counters of the first queries are not lost. Only for standalone mode: the Kafka-configured service's state
 * comes from its followers, which start with the context.
 */
public final class StandaloneDns {

    private static final Logger LOG = LoggerFactory.getLogger(StandaloneDns.class);

    /** The beans made here, by the names component scanning would give them, in the order they were made. */
    private final Map<String, Object> beans;

    private StandaloneDns(Map<String, Object> beans) {
        this.beans = beans;
    }

    /**
     * Builds and starts the standalone resolver for this environment; null (nothing started) when the
     * environment is not standalone. Throws what a bean's construction or the UDP bind would have thrown.
     */
    public static StandaloneDns start(ConfigurableEnvironment environment) throws Exception {
        Binder binder = Binder.get(environment);
        Standalone standalone = binder.bindOrCreate("parapet.dns.standalone", Standalone.class);
        if (!standalone.enabled()) {
            return null;
        }
        long started = System.nanoTime();
        Standalone.preload(standalone.blocklist()); // read on its own thread while the rest is built here
        DnsProperties properties = binder.bindOrCreate("parapet.dns", DnsProperties.class);
        DnssecValidation.Properties dnssec = binder.bindOrCreate("parapet.dns.dnssec", DnssecValidation.Properties.class);
        LocationEndpointProperties endpoints = binder.bindOrCreate("parapet.dns", LocationEndpointProperties.class);
        MeterRegistry meters = Metrics.globalRegistry;
        KafkaProperties noKafka = new KafkaProperties();
        RegistryProperties noRegistry = new RegistryProperties("http://127.0.0.1:1");

        Map<String, Object> beans = new LinkedHashMap<>();
        CategoryBits bits = add(beans, "categoryBits", new CategoryBits());
        CategoryState categories = add(beans, "categoryState", new CategoryState(noKafka, noRegistry, meters, bits, standalone));
        Upstreams upstreams = add(beans, "upstreams", new Upstreams(properties, dnssec, meters));
        AnswerCache cache = add(beans, "answerCache", new AnswerCache(properties, meters));
        RateLimiter rateLimiter = add(beans, "rateLimiter", new RateLimiter(properties, meters));
        VerdictLog verdicts = add(beans, "verdictLog", new VerdictLog(properties, standalone, noKafka, noRegistry, meters));
        BlockNotices notices = add(beans, "blockNotices", new BlockNotices());
        Allowances allowances = add(beans, "allowances", new Allowances());
        ResolverState state = add(beans, "resolverState",
                new ResolverState(noKafka, noRegistry, meters, categories, bits, standalone, endpoints));
        DnsResolver resolver = add(beans, "dnsResolver", new DnsResolver(state, categories, bits, properties, upstreams,
                cache, rateLimiter, verdicts, notices, allowances, meters));
        UdpDnsServer udp = add(beans, "udpDnsServer", new UdpDnsServer(properties, resolver));
        udp.start();
        LOG.info("standalone: answering DNS over UDP {} ms after the environment was ready; the context follows",
                (System.nanoTime() - started) / 1_000_000);
        return new StandaloneDns(beans);
    }

    /**
     * Hooks standalone mode into an application: the DNS path started once the environment is prepared, its objects
     * handed to the context as it is made, the listener stopped if the context then fails. Nothing happens for the
     * Kafka-configured service.
     */
    public static void install(SpringApplication application) {
        AtomicReference<StandaloneDns> early = new AtomicReference<>();
        application.addListeners((ApplicationListener<ApplicationEnvironmentPreparedEvent>) event -> {
            try {
                early.set(start(event.getEnvironment()));
            } catch (Exception e) {
                throw new IllegalStateException("standalone: the DNS path could not start: " + e.getMessage(), e);
            }
        });
        application.addInitializers(context -> {
            if (early.get() != null) {
                early.get().handTo(context);
            }
        });
        application.addListeners((ApplicationListener<ApplicationFailedEvent>) event -> {
            if (early.get() != null) {
                early.get().stop(); // a context that failed to start must not leave the listener's threads behind
            }
        });
    }

    private static <T> T add(Map<String, Object> beans, String name, T bean) {
        beans.put(name, bean);
        return bean;
    }

    /** The objects made early, by bean name. */
    public Map<String, Object> beans() {
        return Map.copyOf(beans);
    }

    /**
     * Makes the early objects the context's beans: each registered as a singleton under its scanned name, and
     * their classes left out of component scanning, so the context neither makes a second resolver nor binds
     * the port again. Spring's lifecycle sees the running UDP listener as started and stops it at shutdown.
     */
    public void handTo(ConfigurableApplicationContext context) {
        Set<String> made = beans.values().stream().map(bean -> bean.getClass().getName())
                .collect(java.util.stream.Collectors.toUnmodifiableSet());
        beans.forEach(context.getBeanFactory()::registerSingleton);
        context.getBeanFactory().registerSingleton("standaloneDnsMadeEarly", new MadeEarly(made));
    }

    /** Stops the UDP listener if it still runs (the context failed to start); the context stops it otherwise. */
    public void stop() {
        if (beans.get("udpDnsServer") instanceof UdpDnsServer udp && udp.isRunning()) {
            udp.stop();
        }
    }

    /** Leaves the classes whose objects were made early out of component scanning. */
    static final class MadeEarly extends TypeExcludeFilter {

        private final Set<String> classes;

        MadeEarly(Set<String> classes) {
            this.classes = classes;
        }

        @Override
        public boolean match(MetadataReader reader, MetadataReaderFactory factory) {
            return classes.contains(reader.getClassMetadata().getClassName());
        }

        @Override
        public boolean equals(Object other) {
            return other instanceof MadeEarly early && early.classes.equals(classes);
        }

        @Override
        public int hashCode() {
            return classes.hashCode();
        }
    }
}
