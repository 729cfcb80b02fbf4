package dev.kiln.auth;

import dev.kiln.audit.Actor;

/** An authenticated caller. Stores take it as the viewer to decide what it may see. */
public record User(String id, String name, Role role) implements Actor {

    public boolean isAdmin() {
        return role == Role.ADMIN;
    }

    /** An external worker's identity: the worker endpoints only, no jobs to list or follow. */
    public boolean isWorker() {
        return role == Role.WORKER;
    }

    /** Whether this user may see a resource owned by {@code ownerId}. */
    public boolean canSee(String ownerId) {
        return isAdmin() || id.equals(ownerId);
    }
}
