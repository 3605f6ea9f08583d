package dev.parapet.kit.net;

import java.math.BigInteger;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.util.List;
import java.util.Optional;
import java.util.regex.Pattern;
import java.util.stream.Stream;

/**
 * An IPv4 or IPv6 range in CIDR form, parsed from literals only (never a name lookup), with no host
 * bits set, in canonical text form ({@code 2001:db8::/32}, {@code 192.0.2.0/24}).
 */
public record Cidr(InetAddress network, int prefixLength) {

    private static final Pattern IPV4 = Pattern.compile("(\\d{1,3})\\.(\\d{1,3})\\.(\\d{1,3})\\.(\\d{1,3})");
    private static final Pattern IPV6 = Pattern.compile("[0-9a-fA-F:.]+");

    /** A parsed range, or why the text is not one. */
    public record Result(Optional<Cidr> cidr, Optional<String> error) {
    }

    public static Result parse(String text) {
        if (text == null || text.isBlank() || text.length() > 64) {
            return refused("not a CIDR range such as 192.0.2.0/24 or 2001:db8::/32");
        }
        String[] parts = text.strip().split("/", -1);
        if (parts.length != 2 || !parts[1].matches("\\d{1,3}")) {
            return refused("needs an address and a prefix length, such as 192.0.2.0/24");
        }
        String address = parts[0];
        int prefix = Integer.parseInt(parts[1]);
        Optional<InetAddress> literal = address(address);
        if (literal.isEmpty()) {
            return refused(IPV4.matcher(address).matches() ? "an IPv4 octet is above 255"
                    : "'" + address + "' is not an IPv4 or IPv6 address");
        }
        InetAddress parsed = literal.get();
        int bits = parsed.getAddress().length * 8;
        if (prefix > bits) {
            return refused("the prefix length is above " + bits);
        }
        BigInteger value = new BigInteger(1, parsed.getAddress());
        BigInteger hostMask = BigInteger.ONE.shiftLeft(bits - prefix).subtract(BigInteger.ONE);
        if (!value.and(hostMask).equals(BigInteger.ZERO)) {
            return refused("host bits are set: the range starts at " + new Cidr(network(value.andNot(hostMask), bits), prefix));
        }
        return new Result(Optional.of(new Cidr(parsed, prefix)), Optional.empty());
    }

    /**
     * An IPv4 or IPv6 address literal (no brackets, no zone, no port), never a name lookup: text that
     * is not a literal, such as a host name or an obfuscated identifier, is empty.
     */
    public static Optional<InetAddress> address(String text) {
        if (text == null || text.isEmpty() || text.length() > 45) {
            return Optional.empty();
        }
        if (IPV4.matcher(text).matches()) {
            for (String octet : text.split("\\.")) {
                if (Integer.parseInt(octet) > 255) {
                    return Optional.empty();
                }
            }
        } else if (!text.contains(":") || !IPV6.matcher(text).matches()) {
            return Optional.empty();
        }
        try {
            return Optional.of(InetAddress.getByName(text));
        } catch (UnknownHostException e) {
            return Optional.empty();
        }
    }

    /** The range of exactly one address: /32 or /128. */
    public static Cidr of(InetAddress address) {
        return new Cidr(address, address.getAddress().length * 8);
    }

    private static InetAddress network(BigInteger value, int bits) {
        byte[] raw = value.toByteArray();
        byte[] address = new byte[bits / 8];
        int copy = Math.min(raw.length, address.length);
        System.arraycopy(raw, raw.length - copy, address, address.length - copy, copy);
        try {
            return InetAddress.getByAddress(address);
        } catch (UnknownHostException e) {
            throw new IllegalStateException(e);
        }
    }

    /** Whether the two ranges share any address (ranges of different families never do). */
    public boolean overlaps(Cidr other) {
        byte[] mine = network.getAddress();
        byte[] theirs = other.network.getAddress();
        if (mine.length != theirs.length) {
            return false;
        }
        int prefix = Math.min(prefixLength, other.prefixLength);
        int bits = mine.length * 8;
        BigInteger mask = BigInteger.ONE.shiftLeft(bits).subtract(BigInteger.ONE)
                .xor(BigInteger.ONE.shiftLeft(bits - prefix).subtract(BigInteger.ONE));
        return new BigInteger(1, mine).and(mask).equals(new BigInteger(1, theirs).and(mask));
    }

    /** Whether the address lies in this range. */
    public boolean contains(InetAddress address) {
        return overlaps(of(address));
    }

    /**
     * Ranges that are not on the public internet: private, loopback, link-local, unique-local, site-local, CGNAT,
     * unspecified, the IETF's protocol assignments, the benchmarking range and the reserved 240/4.
     */
    private static final List<Cidr> NON_PUBLIC = Stream.of("0.0.0.0/8", "10.0.0.0/8", "100.64.0.0/10", "127.0.0.0/8",
            "169.254.0.0/16", "172.16.0.0/12", "192.0.0.0/24", "192.168.0.0/16", "198.18.0.0/15", "240.0.0.0/4", "::/128", "::1/128",
            "fc00::/7", "fe80::/10", "fec0::/10")
            .map(text -> parse(text).cidr().orElseThrow()).toList();

    /** IPv6 ranges whose addresses reach an IPv4 address through a translator or tunnel: NAT64 (RFC 6052, 8215), Teredo. */
    private static final List<Cidr> TRANSLATED = Stream.of("64:ff9b::/96", "64:ff9b:1::/48", "2001::/32")
            .map(text -> parse(text).cidr().orElseThrow()).toList();

    /**
     * Whether a connection to this address reaches the public internet, for whatever Parapet connects to on someone's
     * behalf (a SIEM, a feed): not multicast, not in a non-public range; an IPv6 address that carries an IPv4 one
     * (IPv4-mapped {@code ::ffff:0:0/96}, IPv4-compatible {@code ::/96}, 6to4 {@code 2002::/16}) is judged by the IPv4
     * address it carries, and NAT64 and Teredo addresses, which reach an IPv4 address through a translator, are not public.
     * A name lookup can answer with any of these (the JDK keeps an IPv4-mapped answer as an IPv6 address), so this is
     * the check for resolved addresses, not only for literals.
     */
    public static boolean isPublic(InetAddress address) {
        if (address.isMulticastAddress()) {
            return false;
        }
        byte[] bytes = address.getAddress();
        if (bytes.length == 16) {
            Optional<InetAddress> carried = carriedIpv4(bytes);
            if (carried.isPresent()) {
                return isPublic(carried.get());
            }
            if (TRANSLATED.stream().anyMatch(range -> range.contains(address))) {
                return false;
            }
        }
        return of(address).nonPublicOverlap().isEmpty();
    }

    /** The IPv4 address an IPv4-mapped, IPv4-compatible or 6to4 address carries. */
    private static Optional<InetAddress> carriedIpv4(byte[] bytes) {
        boolean zeroTo10 = true;
        for (int i = 0; i < 10; i++) {
            zeroTo10 &= bytes[i] == 0;
        }
        byte[] ipv4 = null;
        if (zeroTo10 && ((bytes[10] == (byte) 0xff && bytes[11] == (byte) 0xff) || (bytes[10] == 0 && bytes[11] == 0))) {
            ipv4 = java.util.Arrays.copyOfRange(bytes, 12, 16);   // ::ffff:a.b.c.d, ::a.b.c.d (and :: and ::1, as 0.0.0.0 and 0.0.0.1)
        } else if (bytes[0] == 0x20 && bytes[1] == 0x02) {
            ipv4 = java.util.Arrays.copyOfRange(bytes, 2, 6);     // 2002:AABB:CCDD::/48
        }
        if (ipv4 == null) {
            return Optional.empty();
        }
        try {
            return Optional.of(InetAddress.getByAddress(ipv4));
        } catch (UnknownHostException impossible) {
            return Optional.empty();
        }
    }

    /** The non-public range this one overlaps, if any: such a range cannot be an office's egress address. */
    public Optional<Cidr> nonPublicOverlap() {
        return NON_PUBLIC.stream().filter(this::overlaps).findFirst();
    }

    private static Result refused(String why) {
        return new Result(Optional.empty(), Optional.of(why));
    }

    @Override
    public String toString() {
        String host = network.getHostAddress();
        if (host.contains(":")) {
            host = host.replaceAll("(^|:)0(:0)+(:|$)", "::").replaceFirst(":::", "::");
        }
        return host + "/" + prefixLength;
    }
}
