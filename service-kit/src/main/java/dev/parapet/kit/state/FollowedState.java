package dev.parapet.kit.state;

import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.health.contributor.AbstractHealthIndicator;
import org.springframework.boot.health.contributor.Health;
import org.springframework.context.SmartLifecycle;
import org.springframework.kafka.listener.DeadLetterPublishingRecoverer;

import dev.parapet.kit.kafka.DeadLetters;

/**
 * A service's materialised state: started and stopped with the application (after topics exist,
 * before the web server takes requests), and healthy only once its {@link TopicFollower} has caught
 * up, and while it keeps following. Subclasses keep the maps their follower's handlers fill.
 */
public abstract class FollowedState extends AbstractHealthIndicator implements SmartLifecycle {

    private volatile boolean running;

    protected FollowedState() {
        super("State check failed");
    }

    /** The follower that fills this state. */
    public abstract TopicFollower follower();

    /** What the health endpoint shows of this state (sizes, not contents). */
    protected abstract void describe(Health.Builder builder);

    /** Whether this state follows Kafka at all; false for a state that is fixed at start (dns-service's standalone mode). */
    protected boolean follows() {
        return true;
    }

    /**
     * Records this state cannot read or apply go to the topic's dead-letter topic, like every
     * consumer's (invariant 4). Every instance follows every record, so each instance that cannot
     * read one dead-letters it: the {@code parapet-dlt-follower} header says which follower did.
     */
    @Autowired(required = false)
    public void deadLetterTo(DeadLetterPublishingRecoverer deadLetters) {
        if (deadLetters != null && follows()) {
            follower().deadLetterTo(DeadLetters.followerSink(deadLetters, getClass().getSimpleName()));
        }
    }

    /**
     * Out of service until caught up at start; then up only while the follower follows: reading, in
     * touch with the broker, not stuck behind (see {@link TopicFollower#isFollowing}).
     */
    @Override
    protected void doHealthCheck(Health.Builder builder) {
        if (!follows()) {
            builder.up().withDetail("caughtUp", true);
        } else if (!follower().isReady()) {
            builder.outOfService().withDetail("caughtUp", false).withDetail("status", follower().status());
        } else {
            TopicFollower follower = follower();
            (follower.isFollowing() ? builder.up() : builder.down())
                    .withDetail("caughtUp", true)
                    .withDetail("status", follower.status())
                    .withDetail("behind", follower.isBehind())
                    .withDetail("secondsSinceContact", follower.secondsSinceContact());
            if (follower.lastError() != null) {
                builder.withDetail("lastError", follower.lastError());
            }
        }
        describe(builder);
    }

    @Override
    public void start() {
        if (follows()) {
            follower().start();
        }
        running = true;
    }

    @Override
    public void stop() {
        running = false;
        follower().close();
    }

    @Override
    public boolean isRunning() {
        return running;
    }

    @Override
    public int getPhase() {
        return Integer.MAX_VALUE - 2000;
    }
}
