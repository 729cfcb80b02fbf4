package dev.kiln.auth;

import jakarta.servlet.http.HttpServletRequest;

/**
 * Who a request (or a stream opened by one) acts for, and with which credential: the API token,
 * and the browser session when the cookie was presented (a session is always tied to the token it
 * was opened with). Whatever is held open with it must end when either ends ({@link AccessEnded}).
 *
 * @param tokenId   the token presented, or the session's token; null only for stream tickets issued
 *                  before tickets recorded it
 * @param sessionId the browser session, or null for a bearer token
 */
public record Access(User user, String tokenId, String sessionId) {

    /** The request attribute under which {@code ApiAuthenticationFilter} leaves the caller's access. */
    static final String ATTRIBUTE = Access.class.getName();

    /** The access the caller authenticated with (null for an anonymous request). */
    public static Access of(HttpServletRequest request) {
        return request.getAttribute(ATTRIBUTE) instanceof Access access ? access : null;
    }

    public static Access of(ApiTokens.Credential credential) {
        return new Access(credential.user(), credential.tokenId(), null);
    }

    /** The same credential, for the user as they are now (say, with another role). */
    public Access as(User now) {
        return new Access(now, tokenId, sessionId);
    }
}
