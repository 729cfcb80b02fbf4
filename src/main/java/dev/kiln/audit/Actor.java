package dev.kiln.audit;

/**
 * Who did a thing, as an audit entry names them. Signed-in users are actors ({@code auth.User}
 * implements this), so the audit log needs nothing from the package that authenticates them.
 */
public interface Actor {

    String id();

    String name();
}
