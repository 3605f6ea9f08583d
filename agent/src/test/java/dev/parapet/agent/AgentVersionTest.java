package dev.parapet.agent;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

class AgentVersionTest {

    private static int compare(String a, String b) {
        return Integer.signum(Version.parse(a).compareTo(Version.parse(b)));
    }

    @Test
    void versionsCompareByNumberNotByText() {
        assertThat(compare("1.10.0", "1.9.2")).isEqualTo(1);
        assertThat(compare("1.2", "1.2.0")).isZero();
        assertThat(compare("1.2.0.1", "1.2.0")).isEqualTo(1);
        assertThat(compare("2.0.0", "10.0.0")).isEqualTo(-1);
        assertThat(compare("1.0.0", "1.0.0")).isZero();
    }

    @Test
    void aPreReleaseIsOlderThanItsRelease() {
        assertThat(compare("4.3.0-beta.2", "4.3.0")).isEqualTo(-1);
        assertThat(compare("4.3.0", "4.3.0-rc.1")).isEqualTo(1);
        assertThat(compare("4.3.0-beta.1", "4.3.0-beta.2")).isEqualTo(-1);
        assertThat(compare("4.3.0-beta.9", "4.2.9")).isEqualTo(1);
    }

    @Test
    void somethingThatIsNoVersionIsRefused() {
        for (String bad : new String[] {"", "1", "v1.0", "1.0.0.0.0", "1..0", "1.0-", "1.0-b@d", "99999999999.0", null}) {
            assertThatThrownBy(() -> Version.parse(bad)).as(String.valueOf(bad)).isInstanceOf(IllegalArgumentException.class);
        }
    }

    @Test
    void thisAgentsOwnVersionIsOneTheIntakeAccepts() {
        assertThat(compare(AgentVersion.CURRENT, "1.0.0")).isZero();
    }
}
