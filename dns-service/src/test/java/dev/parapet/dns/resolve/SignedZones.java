package dev.parapet.dns.resolve;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

import org.junit.jupiter.api.Assumptions;

import dev.parapet.stack.Ports;
import org.xbill.DNS.DClass;
import org.xbill.DNS.Flags;
import org.xbill.DNS.Message;
import org.xbill.DNS.Name;
import org.xbill.DNS.Rcode;
import org.xbill.DNS.Record;
import org.xbill.DNS.SimpleResolver;
import org.xbill.DNS.Type;

/**
 * A real authoritative DNSSEC server for tests: BIND's {@code named} from Debian's bind9 package, on a
 * free loopback port, in a temporary directory with a configuration of its own (no system one), serving
 * zones signed at start with {@code dnssec-keygen} and {@code dnssec-signzone} (ECDSA P-256):
 *
 * <ul>
 * <li>{@code test.}: signed; its DS is the trust anchor ({@link #trustAnchors()}), as the root's is in
 * production; {@code www.test.} is {@value #PARENT_ADDRESS}.</li>
 * <li>{@code secure.test.}: signed, DS in {@code test.}: {@code www.secure.test.} is {@value #SECURE_ADDRESS},
 * validates SECURE (and a missing name is a secure NXDOMAIN).</li>
 * <li>{@code bogus.test.}: signed, DS in {@code test.}, then {@code www.bogus.test.}'s A changed from
 * {@value #BOGUS_SIGNED_ADDRESS} to {@value #BOGUS_ADDRESS} after signing: its signature fails, BOGUS.</li>
 * <li>{@code plain.test.}: unsigned, no DS in the signed {@code test.} (its NSEC proves that):
 * {@code www.plain.test.} is {@value #PLAIN_ADDRESS}, INSECURE.</li>
 * </ul>
 *
 * A validator uses it directly as its upstream: named answers the DO/CD queries of the names and of
 * the DNSKEY and DS records along the way with the signatures. Recursion is off. {@link #assumeInstalled()}
 * skips a test (with the reason) where named or the signing tools are missing; CI installs them
 * (.ci/install-prerequisites).
 *
 * <pre>
 * try (SignedZones zones = SignedZones.start()) {
 *     properties: parapet.dns.upstreams=zones.upstream(), parapet.dns.dnssec.trust-anchors=zones.trustAnchors()
 *     dig -p zones.port() @127.0.0.1 +dnssec www.secure.test
 * }
 * </pre>
 */
public final class SignedZones implements AutoCloseable {

    public static final String PARENT_ADDRESS = "192.0.2.1";
    public static final String SECURE_ADDRESS = "192.0.2.10";
    public static final String BOGUS_SIGNED_ADDRESS = "192.0.2.11";
    public static final String BOGUS_ADDRESS = "192.0.2.66";
    public static final String PLAIN_ADDRESS = "192.0.2.12";

    public static final String NAMED = "/usr/sbin/named";
    public static final String KEYGEN = "/usr/bin/dnssec-keygen";
    public static final String SIGNZONE = "/usr/bin/dnssec-signzone";
    public static final String DSFROMKEY = "/usr/bin/dnssec-dsfromkey";

    private static final Duration READY_WITHIN = Duration.ofSeconds(15);

    private final Path directory;
    private final Process named;
    private final int port;

    private SignedZones(Path directory, Process named, int port) {
        this.directory = directory;
        this.named = named;
        this.port = port;
    }

    /** Skips the calling test, saying why, when BIND's server or signing tools are not installed. */
    public static void assumeInstalled() {
        for (String tool : List.of(NAMED, KEYGEN, SIGNZONE, DSFROMKEY)) {
            Assumptions.assumeTrue(Files.isExecutable(Path.of(tool)), () -> tool + " is not installed (Debian packages bind9 "
                    + "and bind9-utils, as .ci/install-prerequisites installs them): skipping the DNSSEC test against a real named");
        }
    }

    /** Signs the zones and starts named on them; ready to answer when this returns. */
    public static SignedZones start() throws IOException, InterruptedException {
        assumeInstalled();
        Path directory = Files.createTempDirectory("parapet-signed-zones");
        try {
            signZones(directory);
            IOException last = null;
            for (int attempt = 0; attempt < 3; attempt++) {
                int port = Ports.free();
                Process named = startNamed(directory, port);
                try {
                    awaitReady(named, port, directory);
                    return new SignedZones(directory, named, port);
                } catch (IOException e) {
                    stop(named);
                    last = e;
                }
            }
            throw last;
        } catch (IOException | InterruptedException | RuntimeException e) {
            delete(directory);
            throw e;
        }
    }

    /** named's loopback port, UDP and TCP. */
    public int port() {
        return port;
    }

    /** named's address. */
    public InetSocketAddress address() {
        return new InetSocketAddress(InetAddress.getLoopbackAddress(), port);
    }

    /** named as an entry of {@code parapet.dns.upstreams}. */
    public String upstream() {
        return "127.0.0.1:" + port;
    }

    /** The trust-anchor file: {@code test.}'s DS record, in the format of the root's (deploy/dnssec/root.ds). */
    public Path trustAnchors() {
        return directory.resolve("anchors.ds");
    }

    /** The working directory: keys, zone files, named.conf and named.log. */
    public Path directory() {
        return directory;
    }

    /** What named wrote so far (for a failing test's message). */
    public String log() throws IOException {
        return Files.readString(directory.resolve("named.log"));
    }

    @Override
    public void close() throws IOException {
        stop(named);
        delete(directory);
    }

    private static void signZones(Path directory) throws IOException, InterruptedException {
        String soa = "$TTL 300\n@ IN SOA ns.test. hostmaster.test. 1 3600 600 86400 300\n@ IN NS ns.test.\n";
        StringBuilder delegations = new StringBuilder();
        for (String child : List.of("secure", "bogus")) {
            String zone = child + ".test";
            String address = child.equals("secure") ? SECURE_ADDRESS : BOGUS_SIGNED_ADDRESS;
            String key = sign(directory, zone, soa + "www IN A " + address + "\n");
            delegations.append(child).append(" IN NS ns.test.\n").append(run(directory, DSFROMKEY, "-2", key + ".key"));
        }
        alterAfterSigning(directory.resolve("bogus.test.signed"));
        Files.writeString(directory.resolve("plain.test.signed"), soa + "www IN A " + PLAIN_ADDRESS + "\n");
        delegations.append("plain IN NS ns.test.\n");
        String parentKey = sign(directory, "test", soa + "ns IN A 127.0.0.1\nwww IN A " + PARENT_ADDRESS + "\n" + delegations);
        Files.writeString(directory.resolve("anchors.ds"), "; the test zones' trust anchor, made by SignedZones\n"
                + run(directory, DSFROMKEY, "-2", parentKey + ".key"));
    }

    /** A key for the zone, its DNSKEY added to the zone text, signed into {@code <zone>.signed}; the key's file base. */
    private static String sign(Path directory, String zone, String text) throws IOException, InterruptedException {
        String key = run(directory, KEYGEN, "-q", "-K", directory.toString(), "-a", "ECDSAP256SHA256", "-f", "KSK", zone).strip();
        Files.writeString(directory.resolve(zone + ".zone"), text + Files.readString(directory.resolve(key + ".key")));
        // -z: the one key (a KSK) signs every record (as a combined signing key).
        run(directory, SIGNZONE, "-q", "-z", "-K", directory.toString(), "-o", zone, "-f", zone + ".signed", zone + ".zone");
        return key;
    }

    /** Changes www.bogus.test's signed address, leaving its signature as it was. */
    private static void alterAfterSigning(Path signed) throws IOException {
        List<String> lines = new ArrayList<>();
        int changed = 0;
        for (String line : Files.readAllLines(signed)) {
            if (line.startsWith("www.bogus.test.") && line.matches(".*\\sA\\s+" + BOGUS_SIGNED_ADDRESS.replace(".", "\\.") + "\\s*")) {
                line = line.replace(BOGUS_SIGNED_ADDRESS, BOGUS_ADDRESS);
                changed++;
            }
            lines.add(line);
        }
        if (changed != 1) {
            throw new IllegalStateException("expected one A record of www.bogus.test. in " + signed + ", changed " + changed);
        }
        Files.write(signed, lines);
    }

    private static Process startNamed(Path directory, int port) throws IOException {
        Path conf = directory.resolve("named.conf");
        String dir = directory.toAbsolutePath().toString();
        StringBuilder text = new StringBuilder()
                .append("options {\n")
                .append("  directory \"").append(dir).append("\";\n")
                .append("  pid-file none;\n")
                .append("  session-keyfile \"").append(dir).append("/session.key\";\n")
                .append("  managed-keys-directory \"").append(dir).append("\";\n")
                .append("  listen-on port ").append(port).append(" { 127.0.0.1; };\n")
                .append("  listen-on-v6 { none; };\n")
                .append("  recursion no;\n")
                .append("  dnssec-validation no;\n")
                .append("  notify no;\n")
                .append("};\n")
                .append("controls { };\n");
        for (String zone : List.of("test", "secure.test", "bogus.test", "plain.test")) {
            text.append("zone \"").append(zone).append("\" { type primary; file \"").append(zone).append(".signed\"; };\n");
        }
        Files.writeString(conf, text);
        // -g: foreground, logging to stderr; -c: this configuration only.
        return new ProcessBuilder(NAMED, "-g", "-c", conf.toString())
                .directory(directory.toFile())
                .redirectErrorStream(true)
                .redirectOutput(directory.resolve("named.log").toFile())
                .start();
    }

    /** Waits until named answers test.'s SOA authoritatively, or fails with its log. */
    private static void awaitReady(Process named, int port, Path directory) throws IOException, InterruptedException {
        SimpleResolver resolver = new SimpleResolver(new InetSocketAddress(InetAddress.getLoopbackAddress(), port));
        resolver.setTimeout(Duration.ofMillis(300));
        Message query = Message.newQuery(Record.newRecord(Name.fromConstantString("test."), Type.SOA, DClass.IN));
        long deadline = System.nanoTime() + READY_WITHIN.toNanos();
        while (System.nanoTime() < deadline) {
            if (!named.isAlive()) {
                throw new IOException("named exited (" + named.exitValue() + "): " + Files.readString(directory.resolve("named.log")));
            }
            try {
                Message answer = resolver.send(query);
                if (answer.getRcode() == Rcode.NOERROR && answer.getHeader().getFlag(Flags.AA)) {
                    return;
                }
            } catch (IOException e) {
                // not listening yet
            }
            Thread.sleep(100);
        }
        throw new IOException("named did not answer on port " + port + " within " + READY_WITHIN + ": "
                + Files.readString(directory.resolve("named.log")));
    }

    /** Runs a tool in the directory; its standard output, or an exception with everything it said. */
    private static String run(Path directory, String... command) throws IOException, InterruptedException {
        Path errors = Files.createTempFile(directory, "stderr", ".txt");
        Process process = new ProcessBuilder(command).directory(directory.toFile()).redirectError(errors.toFile()).start();
        String out = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        if (!process.waitFor(60, TimeUnit.SECONDS)) {
            process.destroyForcibly();
            throw new IOException("timed out: " + String.join(" ", command));
        }
        String err = Files.readString(errors);
        Files.delete(errors);
        if (process.exitValue() != 0) {
            throw new IOException(String.join(" ", command) + " failed (" + process.exitValue() + "): " + out + err);
        }
        return out;
    }

    private static void stop(Process process) throws IOException {
        process.destroy();
        try {
            if (!process.waitFor(5, TimeUnit.SECONDS)) {
                process.destroyForcibly().waitFor(5, TimeUnit.SECONDS);
            }
        } catch (InterruptedException e) {
            process.destroyForcibly();
            Thread.currentThread().interrupt();
        }
    }

    private static void delete(Path directory) throws IOException {
        if (!Files.exists(directory)) {
            return;
        }
        try (Stream<Path> paths = Files.walk(directory)) {
            for (Path path : paths.sorted(Comparator.reverseOrder()).toList()) {
                Files.deleteIfExists(path);
            }
        }
    }
}
