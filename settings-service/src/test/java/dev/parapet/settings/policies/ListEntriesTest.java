package dev.parapet.settings.policies;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.Collections;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

import org.junit.jupiter.api.Test;

import dev.parapet.kit.problem.Problems;
import dev.parapet.settings.policies.ListEntries.Outcome;

class ListEntriesTest {

    private static final ListEntries BLOCKING = new ListEntries(Set.of(), ListEntries.Effect.BLOCK);

    private static Outcome outcome(String name) {
        return BLOCKING.check(name).outcome();
    }

    @Test
    void aPublicSuffixOfTheIcannSectionNeedsConfirmation() {
        for (String suffix : List.of("com", "uk", "co.uk", "gov.uk", "xn--p1ai", "anything.ck", "tk")) {
            assertThat(outcome(suffix)).as(suffix).isEqualTo(Outcome.NEEDS_CONFIRMATION);
        }
        assertThat(BLOCKING.check("co.uk").reason())
                .isEqualTo("is a public suffix (co.uk): it would block every name under it; if that is meant, confirm it with confirmSuffix=co.uk");
    }

    @Test
    void aSingleLabelNeedsConfirmationEvenWhenNoRegistryUsesIt() {
        for (String label : List.of("example", "lan", "localhost", "corp")) {
            assertThat(outcome(label)).as(label).isEqualTo(Outcome.NEEDS_CONFIRMATION);
        }
        assertThat(BLOCKING.check("example").reason()).startsWith("is a single label (example): it would block every name under it");
    }

    @Test
    void namesUnderASuffixAreOrdinary() {
        for (String name : List.of("www.google.com", "google.com", "bbc.co.uk", "www.ck", "casino.example", "printer.corp",
                "foo.github.io", "compute.amazonaws.com", "_dmarc.example.com", "a_b.example.com")) {
            assertThat(BLOCKING.check(name)).as(name).isEqualTo(new ListEntries.Verdict(Outcome.ACCEPTED, null));
        }
    }

    @Test
    void aSuffixOfThePrivateSectionIsKeptWithAWarning() {
        for (String suffix : List.of("github.io", "blogspot.com", "s3.amazonaws.com", "foo.compute.amazonaws.com")) {
            assertThat(outcome(suffix)).as(suffix).isEqualTo(Outcome.WARNED);
        }
        assertThat(BLOCKING.check("github.io").reason()).contains("github.io").contains("private section")
                .contains("block every name under it");
    }

    @Test
    void anAddressIsNoNameAndCannotBeConfirmed() {
        ListEntries confirmingEverything = new ListEntries(Set.of("0.0.0.0", "127.0.0.1", "1.2.3"), ListEntries.Effect.BLOCK);
        assertThat(confirmingEverything.check("0.0.0.0")).isEqualTo(new ListEntries.Verdict(Outcome.REFUSED,
                "is an IP address, not a domain name: lists match names"));
        assertThat(confirmingEverything.check("127.0.0.1").outcome()).isEqualTo(Outcome.REFUSED);
        assertThat(confirmingEverything.check("1.2.3").reason()).contains("all-digit");
        assertThat(outcome("10.0.0.example")).isEqualTo(Outcome.ACCEPTED);
    }

    @Test
    void onlyTheNamesConfirmedAreKept() {
        ListEntries confirming = new ListEntries(Set.of("example", "github.io"), ListEntries.Effect.ALLOW);
        assertThat(confirming.check("example").outcome()).isEqualTo(Outcome.CONFIRMED);
        assertThat(confirming.check("github.io").outcome()).as("a confirmation silences the warning").isEqualTo(Outcome.CONFIRMED);
        assertThat(confirming.check("com").outcome()).isEqualTo(Outcome.NEEDS_CONFIRMATION);
        assertThat(confirming.check("com").reason()).contains("it would allow every name under it");
    }

    @Test
    void aConfirmationIsNormalisedAndMustNameSomethingThatNeedsOne() {
        List<Problems.FieldError> errors = new ArrayList<>();
        assertThat(ListEntries.confirmed(List.of("COM.", "Example", "github.io", "рф"), errors))
                .containsExactly("com", "example", "github.io", "xn--p1ai");
        assertThat(errors).isEmpty();

        assertThat(ListEntries.confirmed(List.of("example.com", "1.2.3.4", "bad..name"), errors)).isEmpty();
        assertThat(errors).extracting(Problems.FieldError::field).containsExactly("confirmSuffix[0]", "confirmSuffix[1]", "confirmSuffix[2]");
        assertThat(errors.get(0).reason()).contains("needs no confirmation");
        assertThat(errors.get(1).reason()).contains("cannot be confirmed");
        assertThat(errors.get(2).reason()).contains("empty label");

        errors.clear();
        ListEntries.confirmed(Collections.nCopies(ListEntries.MAX_CONFIRMED + 1, "com"), errors);
        assertThat(errors).extracting(Problems.FieldError::field).containsExactly("confirmSuffix");
        errors.clear();
        assertThat(ListEntries.confirmed(null, errors)).isEmpty();
        assertThat(errors).isEmpty();
    }

    @Test
    void aJsonListNamesEachRefusedEntryByPositionAndWarnsOfPrivateSuffixes() {
        List<Problems.FieldError> errors = new ArrayList<>();
        List<Problems.FieldError> warnings = new ArrayList<>();
        Set<String> confirmedKept = new HashSet<>();
        List<String> kept = new ListEntries(Set.of("example"), ListEntries.Effect.BLOCK).all(
                List.of("Casino.Example.", "com", "example", "github.io", "0.0.0.0", "casino.example"), "blockAllowList.blocked",
                10, errors, warnings, confirmedKept);

        assertThat(kept).containsExactly("casino.example", "example", "github.io");
        assertThat(errors).extracting(Problems.FieldError::field).containsExactly("blockAllowList.blocked[1]", "blockAllowList.blocked[4]");
        assertThat(errors.get(0).reason()).startsWith("'com' is a public suffix (com): it would block every name under it");
        assertThat(warnings).extracting(Problems.FieldError::field).containsExactly("blockAllowList.blocked[3]");
        assertThat(confirmedKept).containsExactly("example");
    }
}
