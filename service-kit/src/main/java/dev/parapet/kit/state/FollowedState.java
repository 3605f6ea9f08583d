package dev.parapet.kit.state;

import org.springframework.boot.health.contributor.AbstractHealthIndicator;
import org.springframework.boot.health.contributor.Health;
import org.springframework.context.SmartLifecycle;

/**
 * A service's materialised state: started and stopped with the application (after topics exist,
 * before the web server takes requests), and healthy only once its {@link TopicFollower} has caught
 * up. Subclasses keep the maps their follower's handlers fill.
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

    @Override
    protected void doHealthCheck(Health.Builder builder) {
        boolean ready = !follows() || follower().isReady();
        (ready ? builder.up() : builder.outOfService()).withDetail("caughtUp", ready);
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
