package dev.parapet.settings.propagation;

/** Where one record a change wrote sits: its topic, partition and offset. */
public record RecordPosition(String topic, int partition, long offset) {
}
