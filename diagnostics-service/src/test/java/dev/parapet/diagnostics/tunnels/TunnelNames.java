package dev.parapet.diagnostics.tunnels;

import java.util.Random;

/** Names as tunnels and as ordinary heavy traffic ask them, for the tunnel tests. */
final class TunnelNames {

    private TunnelNames() {
    }

    /** iodine's upstream: a command letter and sequence, then 100-200 characters of base32 data, in labels of up to 63. */
    static String iodine(Random random, int sequence) {
        StringBuilder data = new StringBuilder("p").append(Integer.toString(sequence, 36));
        String base32 = "abcdefghijklmnopqrstuvwxyz012345";
        for (int i = random.nextInt(100, 200); i > 0; i--) {
            data.append(base32.charAt(random.nextInt(32)));
        }
        StringBuilder name = new StringBuilder();
        for (int i = 0; i < data.length(); i += 63) {
            name.append(i > 0 ? "." : "").append(data, i, Math.min(data.length(), i + 63));
        }
        return name.toString();
    }

    /** A video CDN's host name, as a player asks a few dozen a minute: {@code rr3---sn-4g5e6nsz.googlevideo.com}. */
    static String videoCdn(Random random) {
        return "rr" + random.nextInt(20) + "---sn-" + alphanumeric(random, 8) + ".googlevideo.com";
    }

    static String alphanumeric(Random random, int length) {
        StringBuilder text = new StringBuilder();
        for (int i = 0; i < length; i++) {
            text.append("abcdefghijklmnopqrstuvwxyz0123456789".charAt(random.nextInt(36)));
        }
        return text.toString();
    }
}
