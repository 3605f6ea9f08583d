package dev.parapet.settings.policies;

import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;

import com.google.common.net.InetAddresses;
import com.google.common.net.InternetDomainName;

import dev.parapet.kit.problem.Problems;
import dev.parapet.settings.Inputs;

/**
 * Which names a Block or Allow List or a category feed may hold. An entry covers the name and every
 * name under it, so an entry that is a whole top-level domain would match a good part of the web: a
 * stray {@code com} line would block www.google.com. Refused, unless the administrator confirms that
 * exact name ({@code confirmSuffix}):
 * <ul>
 *   <li>a <b>public suffix of the ICANN section</b> of the Public Suffix List, under which registries
 *       sell names: {@code com}, {@code co.uk}, {@code xn--p1ai}, anything matching {@code *.ck};</li>
 *   <li>a <b>single label</b>, a suffix or not: {@code example}, {@code localhost}, {@code lan}.</li>
 * </ul>
 * A suffix of the list's <b>private section</b> ({@code github.io}, {@code blogspot.com}), under which
 * one company lets anyone have a name, is kept with a warning: blocking all of github.io is something an
 * administrator may well mean. A name ending in an all-digit label (an IP address such as
 * {@code 0.0.0.0}) is no domain name at all and is refused with no way to confirm it.
 *
 * <p>The list is Guava's copy of the Public Suffix List ({@link InternetDomainName}), current as of the
 * Guava release: updating the list means updating Guava. Names Guava does not parse (a label starting
 * with {@code _}, as in {@code _dmarc.example.com}) are never suffixes and are only checked for being a
 * single label. Account exceptions do not go through this: their defaults are single-label internal
 * TLDs ({@code local}, {@code lan}) that must keep working.
 */
public final class ListEntries {

    /** The most names one request may confirm. */
    public static final int MAX_CONFIRMED = 100;

    /** What an entry would do to every name under it, in the words of a refusal. */
    public enum Effect {
        BLOCK("block every name under it"),
        ALLOW("allow every name under it, whatever else blocks it"),
        CATEGORISE("put every name under it in the category");

        private final String words;

        Effect(String words) {
            this.words = words;
        }
    }

    /** How an entry fares. */
    public enum Outcome {
        /** An ordinary name. */
        ACCEPTED,
        /** Kept, with a warning: a suffix of the Public Suffix List's private section, not confirmed. */
        WARNED,
        /** A suffix or single label that the request confirmed: kept, and recorded in the audit event. */
        CONFIRMED,
        /** A suffix or single label not confirmed: refused; confirming it would keep it. */
        NEEDS_CONFIRMATION,
        /** Not a name (an IP address): refused, and no confirmation keeps it. */
        REFUSED;

        public boolean kept() {
            return this == ACCEPTED || this == WARNED || this == CONFIRMED;
        }
    }

    /** The outcome for one normalised name, and what to tell the administrator (null for ACCEPTED). */
    public record Verdict(Outcome outcome, String reason) {
    }

    private final Set<String> confirmed;
    private final Effect effect;

    /**
     * @param confirmed the names the request confirmed, normalised (see {@link #confirmed})
     */
    public ListEntries(Set<String> confirmed, Effect effect) {
        this.confirmed = Set.copyOf(confirmed);
        this.effect = effect;
    }

    /** The verdict on a name already normalised ({@code DomainNames}). */
    public Verdict check(String name) {
        String last = name.substring(name.lastIndexOf('.') + 1);
        if (last.chars().allMatch(c -> c >= '0' && c <= '9')) {
            return new Verdict(Outcome.REFUSED, InetAddresses.isInetAddress(name)
                    ? "is an IP address, not a domain name: lists match names"
                    : "ends in an all-digit label, which no top-level domain is (an IP address?)");
        }
        InternetDomainName parsed = InternetDomainName.isValid(name) ? InternetDomainName.from(name) : null;
        boolean registrySuffix = parsed != null && parsed.isRegistrySuffix();
        boolean singleLabel = name.indexOf('.') < 0;
        if (registrySuffix || singleLabel) {
            String what = registrySuffix ? "is a public suffix (" + name + ")" : "is a single label (" + name + ")";
            if (confirmed.contains(name)) {
                return new Verdict(Outcome.CONFIRMED, what + ", confirmed with confirmSuffix=" + name);
            }
            return new Verdict(Outcome.NEEDS_CONFIRMATION, what + ": it would " + effect.words
                    + "; if that is meant, confirm it with confirmSuffix=" + name);
        }
        if (parsed != null && parsed.isPublicSuffix()) {
            String what = "is a suffix under which anyone may have a name (" + name + ", the Public Suffix List's private section)";
            if (confirmed.contains(name)) {
                return new Verdict(Outcome.CONFIRMED, what + ", confirmed with confirmSuffix=" + name);
            }
            return new Verdict(Outcome.WARNED, what + ": it will " + effect.words + ", not one site");
        }
        return new Verdict(Outcome.ACCEPTED, null);
    }

    /**
     * Normalises and checks every entry of a list written as JSON, dropping duplicates after
     * normalisation: a bad or unconfirmed entry is an error naming its position ({@code field[2]}), a
     * private suffix a warning; the confirmed names kept are added to {@code confirmedKept}.
     */
    public List<String> all(List<String> entries, String field, int max, List<Problems.FieldError> errors,
                            List<Problems.FieldError> warnings, Set<String> confirmedKept) {
        if (entries == null) {
            return List.of();
        }
        if (entries.size() > max) {
            errors.add(new Problems.FieldError(field, "at most " + max + " entries"));
            return List.of();
        }
        Set<String> kept = new LinkedHashSet<>();
        for (int i = 0; i < entries.size(); i++) {
            String position = field + "[" + i + "]";
            String entry = entries.get(i);
            Inputs.Normalised normalised = Inputs.domain(entry);
            if (normalised.value().isEmpty()) {
                errors.add(new Problems.FieldError(position, "'" + entry + "' " + normalised.error().orElse("is not a domain")));
                continue;
            }
            String name = normalised.value().get();
            Verdict verdict = check(name);
            switch (verdict.outcome()) {
                case NEEDS_CONFIRMATION, REFUSED -> errors.add(new Problems.FieldError(position, "'" + entry + "' " + verdict.reason()));
                case WARNED -> warnings.add(new Problems.FieldError(position, "'" + entry + "' " + verdict.reason()));
                case CONFIRMED -> confirmedKept.add(name);
                case ACCEPTED -> {
                }
            }
            if (verdict.outcome().kept()) {
                kept.add(name);
            }
        }
        return List.copyOf(kept);
    }

    /**
     * The names a request confirms ({@code confirmSuffix}, repeatable), normalised; each must be
     * something that needs or takes a confirmation (a public suffix or a single label), so that a
     * confirmation never names a mistake. Bad ones are added to {@code errors}.
     */
    public static Set<String> confirmed(List<String> names, List<Problems.FieldError> errors) {
        Set<String> confirmed = new TreeSet<>();
        if (names == null || names.isEmpty()) {
            return confirmed;
        }
        if (names.size() > MAX_CONFIRMED) {
            errors.add(new Problems.FieldError("confirmSuffix", "at most " + MAX_CONFIRMED + " names"));
            return confirmed;
        }
        ListEntries unconfirmed = new ListEntries(Set.of(), Effect.BLOCK);
        for (int i = 0; i < names.size(); i++) {
            String field = "confirmSuffix[" + i + "]";
            Inputs.Normalised normalised = Inputs.domain(names.get(i));
            if (normalised.value().isEmpty()) {
                errors.add(new Problems.FieldError(field, "'" + names.get(i) + "' " + normalised.error().orElse("is not a domain")));
                continue;
            }
            String name = normalised.value().get();
            Outcome outcome = unconfirmed.check(name).outcome();
            if (outcome == Outcome.NEEDS_CONFIRMATION || outcome == Outcome.WARNED) {
                confirmed.add(name);
            } else {
                errors.add(new Problems.FieldError(field, "'" + names.get(i) + "' is " + (outcome == Outcome.REFUSED
                        ? "not a domain name and cannot be confirmed"
                        : "neither a public suffix nor a single label: it needs no confirmation")));
            }
        }
        return confirmed;
    }

    /** The names a request confirms, or a 400 naming each bad one; for requests that confirm nothing else. */
    public static Set<String> confirmedOrRefused(List<String> names) {
        List<Problems.FieldError> errors = new ArrayList<>();
        Set<String> confirmed = confirmed(names, errors);
        if (!errors.isEmpty()) {
            throw Problems.invalid(errors);
        }
        return confirmed;
    }

    /** Sorted, for commands and audit events. */
    static List<String> sorted(Collection<String> names) {
        return List.copyOf(new TreeSet<>(names));
    }
}
