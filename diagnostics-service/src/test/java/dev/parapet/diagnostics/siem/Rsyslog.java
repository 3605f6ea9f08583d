package dev.parapet.diagnostics.siem;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

import dev.parapet.stack.ManagedProcess;
import dev.parapet.stack.Ports;

/**
 * A real rsyslogd receiving syslog over TLS (RFC 5425, the gtls driver, with or without client certificates) on
 * loopback ports, each port writing the MSG part of what it receives, one message a line, to a file of its
 * own. It runs as a child process with its own configuration, work directory and pid file, and loads no
 * other input (no /dev/log, no kernel log): the machine's own rsyslog, if any, is not touched.
 */
final class Rsyslog implements AutoCloseable {

    /** A CA, and a server and a client certificate it signed, made with the openssl command. */
    record Certificates(Path ca, Path certificate, Path key, Path clientCertificate, Path clientKey) {

        /** For 127.0.0.1 and localhost. */
        static Certificates make(Path directory) throws IOException {
            return make(directory, "IP:127.0.0.1,DNS:localhost");
        }

        /** @param names the certificate's subject alternative names, as openssl writes them ({@code DNS:siem.example}) */
        static Certificates make(Path directory, String names) throws IOException {
            Files.createDirectories(directory);
            Path log = directory.resolve("openssl.log");
            Files.writeString(directory.resolve("server.ext"), """
                    subjectAltName=%s
                    basicConstraints=CA:FALSE
                    keyUsage=digitalSignature
                    extendedKeyUsage=serverAuth
                    """.formatted(names));
            openssl(directory, log, "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes", "-keyout", "ca.key",
                    "-out", "ca.pem", "-days", "2", "-subj", "/CN=Parapet test SIEM CA");
            openssl(directory, log, "req", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes", "-keyout", "server.key",
                    "-out", "server.csr", "-subj", "/CN=localhost");
            openssl(directory, log, "x509", "-req", "-in", "server.csr", "-CA", "ca.pem", "-CAkey", "ca.key", "-CAcreateserial",
                    "-out", "server.pem", "-days", "2", "-extfile", "server.ext");
            Files.writeString(directory.resolve("client.ext"), """
                    basicConstraints=CA:FALSE
                    keyUsage=digitalSignature
                    extendedKeyUsage=clientAuth
                    """);
            openssl(directory, log, "req", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes", "-keyout", "client.key",
                    "-out", "client.csr", "-subj", "/CN=diagnostics-service");
            openssl(directory, log, "x509", "-req", "-in", "client.csr", "-CA", "ca.pem", "-CAkey", "ca.key", "-CAcreateserial",
                    "-out", "client.pem", "-days", "2", "-extfile", "client.ext");
            return new Certificates(directory.resolve("ca.pem"), directory.resolve("server.pem"), directory.resolve("server.key"),
                    directory.resolve("client.pem"), directory.resolve("client.key"));
        }

        private static void openssl(Path directory, Path log, String... arguments) {
            ManagedProcess.runToCompletion("openssl", Stream.concat(Stream.of("openssl"), Stream.of(arguments)).toList(), directory, log,
                    Duration.ofSeconds(30));
        }
    }

    private final Path directory;
    private final Map<Integer, Path> files;
    private ManagedProcess process;

    /** Writes the configuration: one input per port, each to its file; any client is accepted. */
    Rsyslog(Path directory, Certificates certificates, Map<Integer, Path> files) throws IOException {
        this(directory, certificates, files, "anon");
    }

    /** @param authMode rsyslog's {@code streamDriver.authMode}: {@code anon}, or {@code x509/certvalid} for clients with a certificate of the CA */
    Rsyslog(Path directory, Certificates certificates, Map<Integer, Path> files, String authMode) throws IOException {
        this.directory = directory;
        this.files = Map.copyOf(files);
        Files.createDirectories(directory.resolve("work"));
        StringBuilder config = new StringBuilder("""
                global(workDirectory="%s"
                       defaultNetstreamDriver="gtls"
                       defaultNetstreamDriverCAFile="%s"
                       defaultNetstreamDriverCertFile="%s"
                       defaultNetstreamDriverKeyFile="%s"
                       maxMessageSize="64k")
                module(load="imtcp" streamDriver.name="gtls" streamDriver.mode="1" streamDriver.authMode="%s")
                template(name="msgOnly" type="string" string="%%msg%%\\n")
                """.formatted(directory.resolve("work"), certificates.ca(), certificates.certificate(), certificates.key(), authMode));
        files.forEach((port, file) -> config.append("""
                ruleset(name="port%1$d") { action(type="omfile" file="%2$s" template="msgOnly") }
                input(type="imtcp" address="127.0.0.1" port="%1$d" ruleset="port%1$d")
                """.formatted(port, file)));
        Files.writeString(directory.resolve("rsyslog.conf"), config.toString());
    }

    /** Starts rsyslogd and waits until every port listens. */
    void start() {
        process = ManagedProcess.start("rsyslogd", List.of("/usr/sbin/rsyslogd", "-n", "-f", directory.resolve("rsyslog.conf").toString(),
                "-i", directory.resolve("rsyslogd.pid").toString()), Map.of(), directory, directory.resolve("rsyslogd.log"));
        files.keySet().forEach(port -> Ports.awaitListening(process, port, Duration.ofSeconds(30)));
    }

    /** What the port's file holds so far, one message a line. */
    List<String> received(int port) throws IOException {
        Path file = files.get(port);
        return Files.exists(file) ? Files.readAllLines(file, StandardCharsets.UTF_8) : List.of();
    }

    /** Stops rsyslogd (SIGTERM, as a service manager would), closing its connections. */
    @Override
    public void close() {
        if (process != null) {
            process.close();
            process = null;
        }
    }
}
