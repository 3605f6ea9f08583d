package dev.parapet.agent;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.UnknownHostException;

import picocli.CommandLine.ITypeConverter;

/**
 * {@code ADDR:PORT} on the command line ({@code 127.0.0.1:53}, {@code [::1]:53}). Literal addresses
 * only: a name would need DNS to find the DNS stub or the system resolver.
 */
final class Addresses implements ITypeConverter<InetSocketAddress> {

    @Override
    public InetSocketAddress convert(String value) {
        return parse(value);
    }

    static InetSocketAddress parse(String value) {
        String text = value.strip();
        int colon = text.lastIndexOf(':');
        if (colon <= 0) {
            throw new IllegalArgumentException("not ADDR:PORT: " + value);
        }
        String host = text.substring(0, colon);
        if (host.startsWith("[") && host.endsWith("]")) {
            host = host.substring(1, host.length() - 1);
        }
        int port;
        try {
            port = Integer.parseInt(text.substring(colon + 1));
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("not a port in " + value);
        }
        if (port < 0 || port > 65_535 || !(host.matches("[0-9.]+") || host.contains(":"))) {
            throw new IllegalArgumentException("not a literal address and port: " + value);
        }
        try {
            return new InetSocketAddress(InetAddress.getByName(host), port);
        } catch (UnknownHostException e) {
            throw new IllegalArgumentException("not an address: " + host);
        }
    }
}
