package dev.parapet.agent;

import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Agent versions as diagnostics-service accepts them: 2 to 4 dot-separated numbers and an optional
 * {@code -suffix} ({@code 4.2.1}, {@code 4.3.0.12-beta.2}). Missing parts count as 0 ({@code 1.2} =
 * {@code 1.2.0}); a suffixed version is a pre-release, older than the same numbers without one, and
 * suffixes compare as text. This is diagnostics-service's ordering for OUTDATED_AGENT
 * ({@code HealthRules.compareVersions}), except that there two suffixes of the same numbers are equal.
 */
public record Version(List<Long> numbers, String suffix) implements Comparable<Version> {

    private static final Pattern FORM = Pattern.compile("(\\d{1,9}(?:\\.\\d{1,9}){1,3})(?:-([0-9A-Za-z.-]{1,24}))?");

    public static Version parse(String text) {
        Matcher matcher = text == null ? null : FORM.matcher(text.strip());
        if (matcher == null || !matcher.matches()) {
            throw new IllegalArgumentException("not a version such as 1.4.2: '" + (text == null ? "" : Enrolment.printable(text)) + "'");
        }
        List<Long> numbers = new ArrayList<>();
        for (String part : matcher.group(1).split("\\.")) {
            numbers.add(Long.parseLong(part));
        }
        return new Version(List.copyOf(numbers), matcher.group(2));
    }

    @Override
    public int compareTo(Version other) {
        int length = Math.max(numbers.size(), other.numbers.size());
        for (int i = 0; i < length; i++) {
            int compared = Long.compare(part(i), other.part(i));
            if (compared != 0) {
                return compared;
            }
        }
        if (suffix == null || other.suffix == null) {
            return suffix == null ? (other.suffix == null ? 0 : 1) : -1;
        }
        return suffix.compareTo(other.suffix);
    }

    private long part(int i) {
        return i < numbers.size() ? numbers.get(i) : 0;
    }
}
