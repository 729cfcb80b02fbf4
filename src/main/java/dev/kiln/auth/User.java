package dev.kiln.auth;

/** An authenticated caller. Stores take it as the viewer to decide what it may see. */
public record User(String id, String name, Role role) {

    public boolean isAdmin() {
        return role == Role.ADMIN;
    }

    /** Whether this user may see a resource owned by {@code ownerId}. */
    public boolean canSee(String ownerId) {
        return isAdmin() || id.equals(ownerId);
    }
}
