package dev.parapet.stack;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * A real upstream resolver for end-to-end tests: Debian's dnsmasq on a free loopback port, serving a
 * fixed test zone and nothing else (no upstream of its own), logging every query it gets.
 * {@code .ci/install-prerequisites} installs it.
 */
public final class Dnsmasq implements AutoCloseable {

    private final Process process;
    private final int port;
    private final Path log;

    /** @param records dnsmasq configuration lines such as {@code address=/www.example.test/192.0.2.1} */
    public Dnsmasq(Path directory, List<String> records) throws IOException, InterruptedException {
        directory = directory.toAbsolutePath();
        Files.createDirectories(directory);
        // dnsmasq listens on TCP too: a port free for both, outside the ephemeral range (Ports), not one the
        // kernel hands out for bind(0), which an outgoing connection may hold for TCP (a fault-suite run
        // failed so, after 10 000 TCP connections of another test).
        port = Ports.free();
        log = directory.resolve("dnsmasq.log");
        Path config = directory.resolve("dnsmasq.conf");
        StringBuilder text = new StringBuilder("""
                listen-address=127.0.0.1
                bind-interfaces
                no-resolv
                no-hosts
                no-negcache
                local=/test/
                local-ttl=300
                log-queries
                """)
                .append("port=").append(port).append('\n')
                .append("log-facility=").append(log).append('\n')
                .append("pid-file=").append(directory.resolve("dnsmasq.pid")).append('\n');
        records.forEach(record -> text.append(record).append('\n'));
        Files.writeString(config, text);
        String binary = Files.isExecutable(Path.of("/usr/sbin/dnsmasq")) ? "/usr/sbin/dnsmasq" : "dnsmasq";
        process = new ProcessBuilder(binary, "--keep-in-foreground", "--conf-file=" + config, "--user=root", "--group=root")
                .redirectErrorStream(true).redirectOutput(directory.resolve("dnsmasq.out").toFile()).start();
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (!Files.exists(log) || !Files.readString(log).contains("started")) {
            if (!process.isAlive() || System.nanoTime() > deadline) {
                throw new IllegalStateException("dnsmasq did not start: " + Files.readString(directory.resolve("dnsmasq.out")));
            }
            Thread.sleep(50);
        }
    }

    public int port() {
        return port;
    }

    /** How many queries for this name (any type) dnsmasq has logged. */
    public long queriesFor(String name) throws IOException {
        return Files.readAllLines(log).stream().filter(line -> line.contains("query[") && line.contains(" " + name + " from ")).count();
    }

    @Override
    public void close() throws InterruptedException {
        process.destroy();
        process.waitFor(5, TimeUnit.SECONDS);
    }
}
