package dev.parapet.kit.audit;

import dev.parapet.schemas.v1.common.Actor;

/** How an actor is named where people read it (a record's "updated by", the console). */
public final class Actors {

    private Actors() {
    }

    /** The administrator's email address where their token named one, else the subject (an agent's id, a service's name). */
    public static String name(Actor actor) {
        if (actor == null) {
            return null;
        }
        return actor.getEmail() != null && !actor.getEmail().isBlank() ? actor.getEmail() : actor.getSubject();
    }
}
