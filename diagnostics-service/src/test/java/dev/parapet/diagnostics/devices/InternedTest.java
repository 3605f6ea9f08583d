package dev.parapet.diagnostics.devices;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class InternedTest {

    private final Interned interned = new Interned(100);

    @Test
    void equalValuesShareOneCopyAndARepeatKeepsTheCopyItRepeats() {
        String first = interned.of(new String("Windows 11 Pro"));
        assertThat(interned.of(new String("Windows 11 Pro"))).isSameAs(first);
        String before = new String("23H2");
        assertThat(interned.of(new String("23H2"), before)).isSameAs(before);
        assertThat(interned.of("24H2", before)).isEqualTo("24H2");
        assertThat(interned.of(null)).isNull();
        assertThat(interned.of(null, before)).isNull();
    }

    @Test
    void agentsCannotGrowItWithoutBoundPastItValuesAreSimplyNotShared() {
        for (int i = 0; i < 100 + 100; i++) {
            assertThat(interned.of("value-" + i)).isEqualTo("value-" + i);
        }
        String late = new String("late-value");
        assertThat(interned.of(late)).isSameAs(late);
        assertThat(interned.of(new String("late-value"))).isNotSameAs(late).isEqualTo("late-value");
    }
}
