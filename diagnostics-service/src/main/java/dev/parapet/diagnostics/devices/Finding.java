package dev.parapet.diagnostics.devices;

import java.time.Instant;

/** One finding on a device: what, in words, and since when it holds. */
public record Finding(FindingCode code, String detail, Instant since) {
}
