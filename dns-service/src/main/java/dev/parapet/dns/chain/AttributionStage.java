package dev.parapet.dns.chain;

import java.util.List;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.function.Supplier;

import org.xbill.DNS.Rcode;

import dev.parapet.dns.policy.Snapshot;
import dev.parapet.dns.resolve.Client;
import io.micrometer.core.instrument.Counter;

/**
 * Who asks, and so whose policies apply: the agent whose credential a DoH query carried (with its
 * verified user and directory groups, and the location of its public address if that is one of its own
 * account's), else the location the listener already named (a location's own
 * DoH path or DoT host), else the location whose approved range holds the source address. Nobody
 * else is served: REFUSED, never an open resolver. Takes the policy snapshot once, so that every later
 * stage of this query decides with one configuration.
 */
public final class AttributionStage implements Stage {

    private final Supplier<Snapshot> snapshots;
    private final Counter refused;

    public AttributionStage(Supplier<Snapshot> snapshots, Counter refused) {
        this.snapshots = snapshots;
        this.refused = refused;
    }

    @Override
    public CompletionStage<Answer> handle(Query query, Next next) {
        Snapshot snapshot = snapshots.get();
        Optional<Snapshot.Attribution> who = attribute(snapshot, query.client());
        if (who.isEmpty()) {
            refused.increment();
            return CompletableFuture.completedFuture(Answer.of(Responses.to(query.message(), Rcode.REFUSED, List.of())));
        }
        query.attribute(snapshot, who.get());
        return next.handle(query);
    }

    static Optional<Snapshot.Attribution> attribute(Snapshot snapshot, Client client) {
        if (client.location() != null) {
            return Optional.of(client.location());
        }
        if (client.agent() != null) {
            // An agent at one of its own account's locations (its public address in the range) is there too.
            UUID account = client.agent().accountId();
            UUID location = snapshot.locate(client.address()).filter(office -> office.accountId().equals(account))
                    .map(Snapshot.Attribution::locationId).orElse(null);
            return Optional.of(new Snapshot.Attribution(account, location, client.agent().agentId(),
                    client.userEmail(), client.directoryGroups()));
        }
        return snapshot.locate(client.address());
    }
}
