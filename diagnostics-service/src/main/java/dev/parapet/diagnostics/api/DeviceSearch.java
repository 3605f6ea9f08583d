package dev.parapet.diagnostics.api;

import java.util.Locale;
import java.util.function.Predicate;

import dev.parapet.diagnostics.devices.DeviceRow;
import dev.parapet.kit.problem.Problems;

/**
 * The device inventory's search box: a device matches when its host name, device id or signed-in user contains the
 * words searched for, each of them, ignoring case. No search matches every device.
 */
final class DeviceSearch {

    static final int MAX_LENGTH = 200;

    private DeviceSearch() {
    }

    static Predicate<DeviceRow> of(String q) {
        if (q == null || q.isBlank()) {
            return row -> true;
        }
        if (q.length() > MAX_LENGTH) {
            throw Problems.invalid("q", "must be at most " + MAX_LENGTH + " characters");
        }
        String[] words = q.toLowerCase(Locale.ROOT).trim().split("\\s+");
        return row -> {
            String text = (nullToEmpty(row.hostname()) + "\n" + nullToEmpty(row.deviceId()) + "\n" + nullToEmpty(row.signedInUser()))
                    .toLowerCase(Locale.ROOT);
            for (String word : words) {
                if (!text.contains(word)) {
                    return false;
                }
            }
            return true;
        };
    }

    private static String nullToEmpty(String value) {
        return value == null ? "" : value;
    }
}
