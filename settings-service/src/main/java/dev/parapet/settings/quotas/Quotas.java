package dev.parapet.settings.quotas;

import org.springframework.boot.context.properties.bind.DefaultValue;

/**
 * What one account or agent may hold ({@code parapet.settings.quotas.*}), so that no tenant can
 * exhaust what every tenant shares: settings-service's heap (configuration streams), the writers'
 * records, and dns-service's memory, which holds every account's policies and locations compiled.
 * Writes are checked by the single writer of what they change, so concurrent requests cannot pass a
 * quota together; a refusal is a 409 naming the quota, its limit and the current use.
 *
 * @param policiesPerAccount      policies of an account
 * @param domainsPerAccount       domains in the Block and Allow Lists of all an account's policies together (each
 *                                policy holds at most 200 000): what dns-service keeps in memory per account
 * @param profileGroupsPerAccount profile groups of an account
 * @param locationsPerAccount     locations of an account
 * @param rangesPerLocation       egress ranges of one location
 * @param rangesPerAccount        egress ranges of all an account's locations, approved or pending
 * @param streamsPerAgent         open configuration streams per agent credential; a newer one ends the oldest
 * @param streamsPerAccount       open configuration streams of an account's agents on one instance; more are refused (429)
 */
public record Quotas(@DefaultValue("100") int policiesPerAccount,
                     @DefaultValue("1000000") long domainsPerAccount,
                     @DefaultValue("1000") int profileGroupsPerAccount,
                     @DefaultValue("500") int locationsPerAccount,
                     @DefaultValue("256") int rangesPerLocation,
                     @DefaultValue("1000") int rangesPerAccount,
                     @DefaultValue("2") int streamsPerAgent,
                     @DefaultValue("10000") int streamsPerAccount) {

    /** The defaults, for code and tests that run without Spring's binding. */
    public static final Quotas DEFAULTS = new Quotas(100, 1_000_000, 1000, 500, 256, 1000, 2, 10_000);

    public Quotas {
        if (policiesPerAccount < 0 || domainsPerAccount < 0 || profileGroupsPerAccount < 0 || locationsPerAccount < 0
                || rangesPerLocation < 1 || rangesPerAccount < 1 || streamsPerAgent < 1 || streamsPerAccount < 1) {
            throw new IllegalArgumentException("parapet.settings.quotas: quotas cannot be negative, and ranges and streams need at least 1");
        }
    }
}
