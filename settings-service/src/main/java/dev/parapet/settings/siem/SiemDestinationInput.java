package dev.parapet.settings.siem;

import java.io.ByteArrayInputStream;
import java.net.InetAddress;
import java.nio.charset.StandardCharsets;
import java.security.cert.CertificateException;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.UUID;
import java.util.regex.Pattern;

import dev.parapet.kit.net.Cidr;
import dev.parapet.kit.problem.Problems;
import dev.parapet.schemas.v1.siem.SiemDestination;
import dev.parapet.schemas.v1.siem.SiemFacility;
import dev.parapet.schemas.v1.siem.SiemFormat;

/**
 * An administrator's SIEM destination, checked: a receiver Parapet may connect to, certificates it can trust, and
 * nothing secret. Pure; the connection-time check of the addresses a name resolves to is diagnostics-service's
 * ({@code parapet.diagnostics.siem.allow-private-addresses}), since a name can resolve to anything later.
 *
 * @param host           the receiver's DNS name or IP address
 * @param port           its TCP port
 * @param caCertificates PEM certificates of the authorities that sign the receiver's certificate
 * @param verifyHostname whether the receiver's certificate must name the host (default true)
 * @param format         {@code JSON} (default) or {@code CEF}
 * @param facility       {@code LOCAL0} (default) or {@code USER}
 */
public record SiemDestinationInput(String host, Integer port, String caCertificates, Boolean verifyHostname, String format,
                                   String facility) {

    /** The most PEM text accepted: a bundle of a few authorities is a few KiB. */
    static final int MAX_PEM_CHARS = 64 * 1024;
    static final int MAX_CERTIFICATES = 20;
    private static final Pattern LABEL = Pattern.compile("[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?");

    /** A checked destination (its account, version and author are the writer's), or the problems with each field. */
    public record Checked(Optional<SiemDestination> destination, List<Problems.FieldError> errors) {
    }

    /** What an administrator sees of the certificates: who each is and until when it is valid. */
    public record CertificateView(String subject, String issuer, String notAfter) {
    }

    /**
     * @param allowPrivate accept loopback and private addresses (parapet.settings.allow-private-ranges: the local stack and tests)
     */
    public Checked check(boolean allowPrivate) {
        List<Problems.FieldError> errors = new ArrayList<>();
        String checkedHost = host(host, allowPrivate, errors);
        if (port == null || port < 1 || port > 65_535) {
            errors.add(new Problems.FieldError("port", "must be a TCP port from 1 to 65535 (6514 is syslog over TLS's)"));
        }
        certificates(caCertificates, errors);
        SiemFormat checkedFormat = choice("format", format, SiemFormat.class, SiemFormat.JSON, errors);
        SiemFacility checkedFacility = choice("facility", facility, SiemFacility.class, SiemFacility.LOCAL0, errors);
        if (!errors.isEmpty()) {
            return new Checked(Optional.empty(), List.copyOf(errors));
        }
        return new Checked(Optional.of(SiemDestination.newBuilder().setAccountId(new UUID(0, 0)).setHost(checkedHost)
                .setPort(port).setCaCertificates(caCertificates.strip() + "\n").setVerifyHostname(verifyHostname == null || verifyHostname)
                .setFormat(checkedFormat).setFacility(checkedFacility).setCreatedAt(Instant.EPOCH).setVersion(0).setUpdatedBy("")
                .setUpdatedAt(Instant.EPOCH).build()), List.of());
    }

    private static String host(String text, boolean allowPrivate, List<Problems.FieldError> errors) {
        if (text == null || text.isBlank()) {
            errors.add(new Problems.FieldError("host", "is required: the receiver's DNS name or IP address"));
            return null;
        }
        String host = text.strip().toLowerCase(Locale.ROOT);
        Optional<InetAddress> literal = host.length() <= 45 && host.matches("[0-9a-f:.]+") ? Cidr.address(host) : Optional.empty();
        if (literal.isPresent()) {
            InetAddress address = literal.get();
            if (!allowPrivate && !Cidr.isPublic(address)) {
                errors.add(new Problems.FieldError("host", host + " is not a public address: Parapet sends verdicts only to receivers on "
                        + "the internet"));
            }
            return address.getHostAddress();
        }
        if (host.endsWith(".")) {
            host = host.substring(0, host.length() - 1);
        }
        boolean name = host.length() <= 253 && !host.isEmpty();
        for (String label : host.split("\\.", -1)) {
            name &= LABEL.matcher(label).matches();
        }
        // A last label of digits alone is no top-level domain: such text is a mistyped address (1.2.3, 300.1.1.1).
        if (!name || host.substring(host.lastIndexOf('.') + 1).matches("[0-9]+")) {
            errors.add(new Problems.FieldError("host", "must be a DNS name (letters, digits and hyphens, labels separated by dots) "
                    + "or an IP address"));
        } else if (!allowPrivate && (host.equals("localhost") || host.endsWith(".localhost") || !host.contains("."))) {
            errors.add(new Problems.FieldError("host", host + " is not a name on the internet: give the receiver's fully qualified "
                    + "DNS name or public address"));
        }
        return host;
    }

    /** The certificates of the PEM text, each described; problems go to {@code errors}. */
    static List<CertificateView> certificates(String pem, List<Problems.FieldError> errors) {
        if (pem == null || pem.isBlank()) {
            errors.add(new Problems.FieldError("caCertificates", "is required: the PEM certificates (BEGIN CERTIFICATE) of the "
                    + "authorities that sign the receiver's certificate"));
            return List.of();
        }
        if (pem.length() > MAX_PEM_CHARS) {
            errors.add(new Problems.FieldError("caCertificates", "is longer than " + MAX_PEM_CHARS + " characters"));
            return List.of();
        }
        if (pem.contains("PRIVATE KEY")) {
            // Refused, not stripped: a key pasted here is a secret that should not have left its owner, and is never stored.
            errors.add(new Problems.FieldError("caCertificates", "holds a private key: give only the authorities' certificates, "
                    + "and treat that key as exposed"));
            return List.of();
        }
        if (!pem.contains("-----BEGIN CERTIFICATE-----")) {
            errors.add(new Problems.FieldError("caCertificates", "holds no PEM certificate (-----BEGIN CERTIFICATE-----)"));
            return List.of();
        }
        try {
            List<CertificateView> views = new ArrayList<>();
            for (var certificate : CertificateFactory.getInstance("X.509")
                    .generateCertificates(new ByteArrayInputStream(pem.getBytes(StandardCharsets.US_ASCII)))) {
                X509Certificate x509 = (X509Certificate) certificate;
                views.add(new CertificateView(x509.getSubjectX500Principal().getName(), x509.getIssuerX500Principal().getName(),
                        x509.getNotAfter().toInstant().toString()));
            }
            if (views.isEmpty()) {
                errors.add(new Problems.FieldError("caCertificates", "holds no PEM certificate (BEGIN CERTIFICATE)"));
            } else if (views.size() > MAX_CERTIFICATES) {
                errors.add(new Problems.FieldError("caCertificates", "holds " + views.size() + " certificates, more than "
                        + MAX_CERTIFICATES));
            }
            return views;
        } catch (CertificateException | RuntimeException e) {
            errors.add(new Problems.FieldError("caCertificates", "cannot be read as PEM certificates (" + e.getMessage() + ")"));
            return List.of();
        }
    }

    private static <E extends Enum<E>> E choice(String field, String text, Class<E> type, E otherwise, List<Problems.FieldError> errors) {
        if (text == null) {
            return otherwise;
        }
        for (E value : type.getEnumConstants()) {
            if (value.name().equalsIgnoreCase(text.strip())) {
                return value;
            }
        }
        errors.add(new Problems.FieldError(field, "must be one of " + Arrays.toString(type.getEnumConstants())));
        return otherwise;
    }
}
