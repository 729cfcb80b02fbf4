package dev.kiln.auth;

/**
 * Some of a user's access ended, published once the change committed (and, from another node,
 * relayed by {@code nodes}): one token, and every session opened with it ({@link Reason#TOKEN_ENDED}:
 * revoked, or found expired); one browser session ({@link Reason#SESSION_ENDED}: signed out, or
 * found expired); or the user's role changed ({@link Reason#ROLE_CHANGED}, {@code role} the new
 * one), which ends only what the new role may not do; or the user was deleted ({@link
 * Reason#USER_DELETED}), which ends everything of theirs. Whoever holds something open on a
 * credential (live streams) ends it; nothing here knows who that is.
 *
 * @param relayed heard from another node (so not to be told to the others again)
 */
public record AccessEnded(String userId, String tokenId, String sessionId, Role role, Reason reason, boolean relayed) {

    /** Why access ended. */
    public enum Reason {
        TOKEN_ENDED("the token was revoked or has expired"),
        SESSION_ENDED("the session was signed out or has expired"),
        ROLE_CHANGED("the user's role changed"),
        USER_DELETED("the user was deleted");

        private final String why;

        Reason(String why) {
            this.why = why;
        }

        /** Said to the client whose stream ends. */
        public String why() {
            return why;
        }
    }

    static AccessEnded tokenEnded(String userId, String tokenId) {
        return new AccessEnded(userId, tokenId, null, null, Reason.TOKEN_ENDED, false);
    }

    static AccessEnded sessionEnded(String userId, String sessionId) {
        return new AccessEnded(userId, null, sessionId, null, Reason.SESSION_ENDED, false);
    }

    static AccessEnded roleChanged(String userId, Role role) {
        return new AccessEnded(userId, null, null, role, Reason.ROLE_CHANGED, false);
    }

    static AccessEnded userDeleted(String userId) {
        return new AccessEnded(userId, null, null, null, Reason.USER_DELETED, false);
    }

    /** The same, as heard from another node. */
    public AccessEnded asRelayed() {
        return new AccessEnded(userId, tokenId, sessionId, role, reason, true);
    }

    /** Whether {@code access} no longer opens anything: its token or its session ended. */
    public boolean endsAll(Access access) {
        return reason != Reason.ROLE_CHANGED
                && access.user().id().equals(userId)
                && (tokenId == null || tokenId.equals(access.tokenId()))
                && (sessionId == null || sessionId.equals(access.sessionId()));
    }

    /** The user as they are now, if this changed the role of {@code access}'s user: what it holds is to be narrowed. */
    public User changes(Access access) {
        User user = access.user();
        return reason == Reason.ROLE_CHANGED && user.id().equals(userId) && user.role() != role
                ? new User(user.id(), user.name(), role)
                : null;
    }
}
